"""Accent stones along the band (pavé, channel, bar) and the bill of stones, against real bpy,
read back with trimesh and manifold3d: one watertight metal body passing every check, every
stone clear of the metal and of its neighbours, and the bill agreeing with the stones STL."""

import math

import bpy
import numpy as np
import pytest
import trimesh

from aura_addon.jewelry.materials import CARAT_G, STONES
from aura_addon.jewelry.spec import SpecError
from tests import stl_tools
from tests.test_geometry import assert_sound, build_and_read

BAND = {"profile": "flat", "width_mm": 3.0, "thickness_mm": 1.8}
ETERNITY = {"gem": None, "setting": {"type": "none"}, "shank": BAND,
            "accents": {"layout": "pave", "coverage": "full"}}  # fmt: skip


@pytest.fixture(autouse=True)
def empty_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


def bodies(path) -> list[trimesh.Trimesh]:
    """The separate stones of a stones STL, each a closed body."""
    parts = stl_tools.load_stl(path).split(only_watertight=False)
    assert all(p.is_watertight for p in parts)
    return parts


def independent_bill(parts, report) -> tuple[dict, float]:
    """Count and weigh the bodies of the stones STL on their own: each body goes to the bill
    row whose stone volume it has; its carats are its own volume x that stone's density."""
    rows = report["stones"]["items"]
    volume_each = [r["carat"] * CARAT_G * 1000 / STONES[r["stone"]].density for r in rows]
    counts, carats = {}, 0.0
    for body in parts:
        i = int(np.argmin([abs(body.volume - v) for v in volume_each]))
        assert body.volume == pytest.approx(volume_each[i], rel=0.01)
        counts[i] = counts.get(i, 0) + 1
        carats += body.volume * STONES[rows[i]["stone"]].density / 1000 / CARAT_G
    return counts, carats


def assert_bill_matches_stl(result, tmp_path, name="ring"):
    report = result.report
    parts = bodies(tmp_path / f"{name}_stones.stl")
    counts, carats = independent_bill(parts, report)
    assert len(parts) == report["stones"]["count"]
    assert counts == {i: r["count"] for i, r in enumerate(report["stones"]["items"])}
    assert carats == pytest.approx(report["stones"]["carat_total"], rel=0.005)
    return parts


def assert_stones_clear(mesh, parts, gap):
    """No metal inside any stone, and neighbouring girdles at least the gap apart."""
    stones = trimesh.util.concatenate(parts)
    assert stl_tools.overlap_volume(mesh, stones) < 1e-3
    centres = np.array([p.centroid for p in parts])
    for i, p in enumerate(parts):
        d = np.linalg.norm(centres - centres[i], axis=1)
        d[i] = np.inf
        j = int(np.argmin(d))
        # girdle corners face each other along the row: corner to corner is the gap
        nearest = np.linalg.norm(p.vertices[:, None] - parts[j].vertices[None], axis=2).min()
        assert nearest >= gap - 0.01


@pytest.mark.parametrize("layout", ["pave", "channel", "bar"])
@pytest.mark.parametrize("setting", [{"type": "prong"}, {"type": "bezel"}])
def test_every_layout_on_every_head(layout, setting, tmp_path):
    spec, result, mesh = build_and_read(
        {"setting": setting, "gem": {"carat": 0.5},
         "accents": {"layout": layout, "coverage": "half", "size_mm": 1.3}}, tmp_path
    )  # fmt: skip
    assert_sound(spec, result, mesh)
    parts = assert_bill_matches_stl(result, tmp_path)
    accents = [r for r in result.report["stones"]["items"] if r["role"] == "accent"][0]
    assert accents["count"] >= 6 and accents["count"] % 2 == 0  # in pairs beside the head
    assert_stones_clear(mesh, [p for p in parts if p.volume < 1.0], 0.2)


def test_full_eternity_pave_band(tmp_path):
    spec, result, mesh = build_and_read(ETERNITY, tmp_path)
    assert_sound(spec, result, mesh)
    parts = assert_bill_matches_stl(result, tmp_path)
    assert 36 <= len(parts) <= 44 and len(parts) % 2 == 0
    # all round the finger, evenly: the stones' angles step by the same amount
    angles = sorted(math.atan2(p.centroid[0], p.centroid[2]) % (2 * math.pi) for p in parts)
    steps = np.diff(angles + [angles[0] + 2 * math.pi])
    assert steps.max() - steps.min() < 1e-3
    assert_stones_clear(mesh, parts, 0.2)
    # tables tangent to the band: every stone's top (its table) faces straight out
    for p in parts:
        radial = p.centroid * [1, 0, 1] / np.linalg.norm(p.centroid * [1, 0, 1])
        top = p.vertices[np.argmax(p.vertices @ radial)]
        table = p.vertices[np.abs((p.vertices - top) @ radial) < 1e-3]
        assert len(table) >= 8  # a whole ring of table corners at one radius


def test_light_hole_under_every_stone(tmp_path):
    """From the finger straight out under a stone, the first thing met is the stone."""
    spec, result, mesh = build_and_read(ETERNITY, tmp_path)
    parts = bodies(tmp_path / "ring_stones.stl")
    stones = trimesh.util.concatenate(parts)
    for p in parts[:8]:
        direction = p.centroid * [1, 0, 1] / np.linalg.norm(p.centroid * [1, 0, 1])
        first_stone = stl_tools.ray_hits(stones, np.zeros(3), direction)[0]
        metal = stl_tools.ray_hits(mesh, np.zeros(3), direction)
        assert not (metal < first_stone).any()


def test_sapphire_accents_weigh_as_sapphire(tmp_path):
    spec, result, mesh = build_and_read(
        {"accents": {"stone": "sapphire", "coverage": "shoulders", "size_mm": 1.2}}, tmp_path
    )
    assert_sound(spec, result, mesh)
    assert_bill_matches_stl(result, tmp_path)
    rows = {r["role"]: r for r in result.report["stones"]["items"]}
    assert rows["centre"]["stone"] == "diamond" and rows["accent"]["stone"] == "sapphire"
    assert rows["accent"]["where"]
    names = {s.name: s.get("aura_stone") for s in result.stones}
    assert sorted(names.values()) == ["diamond", "sapphire"]


def test_stated_count_and_limits(tmp_path):
    accents = {"coverage": "full", "count": 20}
    spec, result, mesh = build_and_read({**ETERNITY, "accents": accents}, tmp_path)
    assert result.report["stones"]["count"] == 20
    with pytest.raises(SpecError, match=r"accents\.count.*at most \d+ stones"):
        build_and_read({**ETERNITY, "accents": {"coverage": "full", "count": 200}}, tmp_path)
    with pytest.raises(SpecError, match=r"accents\.count.*even"):
        build_and_read({"accents": {"coverage": "half", "count": 7}}, tmp_path)


def test_halo_and_side_stones_are_refused_not_ignored(tmp_path):
    with pytest.raises(SpecError, match=r"halo.*not built yet"):
        build_and_read({"halo": {"rows": 2}}, tmp_path)
    with pytest.raises(SpecError, match=r"side_stones.*not built yet"):
        build_and_read({"side_stones": {"ratio": 0.3}}, tmp_path)
