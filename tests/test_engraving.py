"""Engraving inside the band and the fineness stamp, against real bpy: the letters are
found in the exported STL by rays from the finger's axis (numpy, no Aura code), as deep as
made, no deeper than a third of the band, at the bottom, within the band's width."""

import math

import bpy
import numpy as np
import pytest

from aura_addon.builder import pipeline
from aura_addon.jewelry.materials import METALS
from aura_addon.jewelry.spec import DesignSpec, SpecError
from tests import stl_tools
from tests.test_geometry import assert_sound


@pytest.fixture(autouse=True)
def empty_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


def build(spec_dict, tmp_path, name):
    spec = DesignSpec.from_dict(spec_dict)
    result = pipeline.run(spec, tmp_path / f"{name}.stl")
    return spec, result, stl_tools.load_stl(tmp_path / f"{name}.stl")


def depth_map(mesh, plain, angles, ys) -> np.ndarray:
    """How much deeper the engraved ring's inside is than the plain ring's, ray by ray from
    the finger's axis (rows: angles round the finger, columns: offsets across the band)."""
    out = np.zeros((len(angles), len(ys)))
    mesh, plain = (m.submesh([np.nonzero(m.triangles_center[:, 2] < -5.0)[0]], append=True)
                   for m in (mesh, plain))  # only the bottom of the ring: faster rays  # fmt: skip
    for i, a in enumerate(angles):
        direction = np.array([math.sin(a), 0.0, math.cos(a)])
        for j, y in enumerate(ys):
            origin = np.array([0.0, y, 0.0])
            out[i, j] = (
                stl_tools.ray_hits(mesh, origin, direction)[0]
                - stl_tools.ray_hits(plain, origin, direction)[0]
            )
    return out


def test_text_engraved_inside_at_the_bottom(tmp_path):
    base = {"metal": "platinum_950", "stamp": False,
            "shank": {"profile": "flat", "width_mm": 4.0, "thickness_mm": 1.8}}  # fmt: skip
    spec, result, mesh = build({**base, "engraving": {"text": "Always"}}, tmp_path, "engraved")
    assert_sound(spec, result, mesh)
    _, _, plain = build(base, tmp_path, "plain")
    r_in = spec.size.inner_diameter_mm / 2
    angles = np.linspace(math.pi - 0.8, math.pi + 0.8, 81)
    ys = np.linspace(-1.5, 1.5, 21)
    depth = depth_map(mesh, plain, angles, ys)
    cut = depth > 0.05
    assert cut.sum() > 40  # the letters are there (thin strokes: a share of the grid)
    # as deep as made (0.5 mm castable minimum; a bent letter's corners a little deeper than
    # its straight edges), never past a third of the 1.8 mm band
    assert 0.45 <= depth.max() <= 0.6
    assert depth.max() <= 1.8 / 3 + 0.02
    # centred at the bottom, as long as the report says, within the band's width
    rows = np.nonzero(cut.any(axis=1))[0]
    across = ys[cut.any(axis=0)]
    length = (angles[rows[-1]] - angles[rows[0]]) * r_in
    entry = result.report["engraving"][0]
    assert length == pytest.approx(entry["length_mm"], abs=0.4)
    assert abs((angles[rows[0]] + angles[rows[-1]]) / 2 - math.pi) < 0.03
    assert np.ptp(across) == pytest.approx(entry["height_mm"], abs=0.3)
    assert across.min() >= -2.0 + 0.6 and across.max() <= 2.0 - 0.6
    assert [c for c in result.report["checks"] if c["name"].startswith("engraving_depth")]


def test_fineness_stamp_on_by_default(tmp_path):
    assert METALS["gold_18k_yellow"].fineness == "750"
    assert METALS["gold_14k_rose"].fineness == "585"
    assert METALS["platinum_950"].fineness == "PT950"
    assert METALS["palladium_950"].fineness == "PD950"
    assert METALS["silver_925"].fineness == "925"
    spec, result, mesh = build({}, tmp_path, "stamped")
    assert_sound(spec, result, mesh)
    assert [e["text"] for e in result.report["engraving"]] == ["750"]
    _, _, plain = build({"stamp": False}, tmp_path, "unstamped")
    angles = np.linspace(math.pi - 0.3, math.pi + 0.3, 31)
    depth = depth_map(mesh, plain, angles, np.linspace(-0.6, 0.6, 9))
    assert 0.45 <= depth.max() <= 1.7 / 3


def test_too_long_or_too_deep_is_a_clear_error(tmp_path):
    with pytest.raises(SpecError, match=r"engraving\.text.*too long.*at most \d+ characters"):
        build({"engraving": {"text": "W" * 40}}, tmp_path, "long")
    with pytest.raises(SpecError, match=r"engraving\.depth_mm.*a third of the 1\.7 mm band"):
        build({"engraving": {"text": "Always", "depth_mm": 0.8}}, tmp_path, "deep")
    with pytest.raises(SpecError, match=r"engraving\.font"):
        build({"engraving": {"text": "Always", "font": "/nonexistent.ttf"}}, tmp_path, "font")
