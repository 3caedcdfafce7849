"""Heads as a bench jeweler builds them, measured on the fused mesh: every claw's narrowest
section, its grip over the girdle and its seat notch, stone clearance; and proof that each of
these checks fails on a head made wrong. Read back with trimesh (admesh and prusa-slicer on
a sample)."""

import dataclasses

import bpy
import numpy as np
import pytest

from aura_addon.builder import pipeline
from aura_addon.geometry import fuse, head, prong_checks
from aura_addon.jewelry.process import LOST_WAX
from aura_addon.jewelry.spec import DesignSpec
from tests import stl_tools

METALS = ["gold_18k_yellow", "gold_14k_white_ni", "platinum_950", "silver_925"]


@pytest.fixture(autouse=True)
def empty_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


def build(spec_dict, tmp_path=None):
    spec = DesignSpec.from_dict(spec_dict)
    if tmp_path is None:
        return spec, pipeline.build(spec, solver="MANIFOLD"), None
    stl = tmp_path / "ring.stl"
    result = pipeline.run(spec, stl, solver="MANIFOLD")
    return spec, result, stl_tools.load_stl(stl)


def failed(result) -> dict:
    return {c["name"]: c for c in result.report["checks"] if not c["passed"]}


def assert_claws(result, min_prong=1.0):
    rows = result.report["head"]["prongs"]
    assert rows
    for row in rows:
        assert row["narrowest_mm"] >= min_prong, row
        assert 0.15 <= row["grip_mm"] < 1.0, row
        assert row["over_table_vertices"] == 0
        assert 0.0 < row["notch_fraction"] <= 1 / 3, row


# Known, measured, not yet fixed (issue 11 stays open for them): in platinum the 0.8 mm gap
# the investment needs is not met in the V between a claw's foot and the rail; on a pear the
# claw at the point leaves a sliver of wall. Every other check must pass on them, and every
# failing place must be at the head: the band, the stone and the claws' sections stay honest.
OPEN_CASTING_FAULTS = {
    (None, "platinum_950"): {"min_gap", "min_wall"},
    ("pear", None): {"min_gap", "min_wall"},
}


def open_faults(cut: str, metal: str) -> set[str]:
    return OPEN_CASTING_FAULTS.get((None, metal), set()) | OPEN_CASTING_FAULTS.get(
        (cut, None), set()
    )


def assert_only_open_faults(result, allowed: set[str]):
    for name, check in failed(result).items():
        assert name in allowed, check
        assert check["where"] and all(w["part"] in {"head", "seat"} for w in check["where"]), check


@pytest.mark.parametrize("metal", METALS)
@pytest.mark.parametrize("cut", ["round", "oval", "princess", "marquise", "pear"])
def test_four_claw_basket_in_every_metal(cut, metal, tmp_path):
    spec, result, mesh = build(
        {"gem": {"cut": cut, "carat": 1.0}, "metal": metal, "setting": {"prongs": 4}}, tmp_path
    )
    assert_only_open_faults(result, open_faults(cut, metal))
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert len(mesh.split(only_watertight=False)) == 1
    assert stl_tools.inner_diameter(mesh) == pytest.approx(spec.size.inner_diameter_mm, abs=0.02)
    assert_claws(result)
    names = {c["name"] for c in result.report["checks"]}
    assert {"prong_section", "prong_grip", "seat_notch", "stone_clearance"} <= names
    assert "prong_diameter" not in names  # the builder's own number is no check


@pytest.mark.parametrize(
    "setting",
    [{"tips": "flat"}, {"tips": "v"}, {"height": "low"}, {"height": "high"}, {"prongs": 6},
     {"prongs": 3}, {"type": "bezel"}, {"head": "cathedral"}, {"head": "cathedral", "prongs": 6}],
)  # fmt: skip
def test_tips_heights_and_bezel(setting):
    _spec, result, _ = build({"setting": setting})
    assert not failed(result), failed(result)
    if setting.get("type") == "bezel":
        lip = result.report["head"]["bezel_lip_fraction"]
        assert 0.5 <= lip <= 0.75
    else:
        assert_claws(result)


def test_cathedral_arches_rise_from_the_shoulders(tmp_path):
    """Arches leave the band well down the shoulders and rise into the head: metal outside
    the band's top, beside the head, that a plain basket does not have."""
    _spec, plain, plain_mesh = build({}, tmp_path)
    _spec, cathedral, mesh = build({"shank": {"shoulders": "cathedral"}}, tmp_path)
    assert not failed(cathedral), failed(cathedral)
    assert mesh.is_watertight and len(mesh.split(only_watertight=False)) == 1
    assert_claws(cathedral)

    def beside_head(m):  # metal 4.6-6 mm off the centre line, over the band, past the rail
        v = m.vertices
        radius = np.hypot(v[:, 0], v[:, 2])
        return int(((np.abs(v[:, 0]) > 4.6) & (np.abs(v[:, 0]) < 6) & (radius > 10.6)).sum())

    assert beside_head(plain_mesh) == 0 and beside_head(mesh) > 50
    assert cathedral.report["weight_g"] > plain.report["weight_g"]


def test_tapered_shoulders_widen_the_band_under_the_head(tmp_path):
    spec, result, mesh = build({"shank": {"shoulders": "tapered"}}, tmp_path)
    assert not failed(result), failed(result)
    v = mesh.vertices
    bottom = v[v[:, 2] < -spec.size.inner_diameter_mm / 2]
    assert np.ptp(bottom[:, 1]) == pytest.approx(2.2, abs=0.05)  # the plain width below
    top = v[(v[:, 2] > 0) & (np.abs(v[:, 0]) < 0.5) & (np.hypot(v[:, 0], v[:, 2]) < 11.0)]
    assert np.ptp(top[:, 1]) >= 2.2 * 1.4  # widened under the head


def test_one_carat_round_claws_measure_like_the_bench(tmp_path):
    """1 ct round in 18k: claws ~1.5 mm at the girdle, tips over the 1.0 mm minimum, grip
    about 0.3 mm over the girdle; platinum's claws are heavier."""
    _spec, gold, mesh = build({}, tmp_path)
    rows = gold.report["head"]["prongs"]
    assert len(rows) == 4
    narrow = [r["narrowest_mm"] for r in rows]
    assert min(narrow) == pytest.approx(1.08, abs=0.06)  # the tip, 1.1 mm nominal
    assert all(0.25 <= r["grip_mm"] <= 0.4 for r in rows)
    assert all(0.15 <= r["notch_fraction"] <= 0.25 for r in rows)
    thresholds = gold.report["head"]["thresholds"]
    assert thresholds["min_prong_mm"] == LOST_WAX.min_prong_mm
    assert thresholds["min_grip_mm"] == LOST_WAX.min_grip_mm
    stl = tmp_path / "ring.stl"
    ad = stl_tools.admesh(stl)
    assert ad["parts"] == 1 and ad["backwards_edges"] == 0
    info = stl_tools.prusa_info(stl)
    assert info["manifold"] == "yes" and int(info["number_of_parts"]) == 1
    _spec, platinum, _ = build({"metal": "platinum_950"})
    heavier = min(r["narrowest_mm"] for r in platinum.report["head"]["prongs"])
    assert heavier > min(narrow) * 1.1


def _measure(hd, profile=LOST_WAX, inner_radius=None):
    spec = DesignSpec()
    base = pipeline.build_parts(spec)[0]
    fused = fuse.fuse(base, hd.metal, hd.cutters, solver="MANIFOLD")
    radius = inner_radius if inner_radius is not None else spec.size.inner_diameter_mm / 2
    metal = prong_checks.Metal.from_mesh(fused.mesh)
    found, figures = prong_checks.measure_head(
        metal, hd.stone, hd.prongs, hd.bezel, radius, profile
    )
    return {c.name: c for c in found}, figures


def _head():
    spec = DesignSpec()
    band = head.Band(spec.size.inner_diameter_mm / 2 + spec.shank.thickness_top)
    return head.build_head(spec.gem, spec.setting, band)


def test_thinned_claws_fail_the_section_check(monkeypatch):
    sized = head._sizes

    def thinned(*args):  # the same head with its claws filed down to 0.8 mm at the tip
        return dataclasses.replace(sized(*args), tip=0.8, girdle=1.1, base=1.2)

    monkeypatch.setattr(head, "_sizes", thinned)
    found, _figures = _measure(_head())
    check = found["prong_section"]
    assert not check.passed and check.value < LOST_WAX.min_prong_mm
    assert check.where and all(w["faces"] for w in check.where)
    assert check.where[0]["part"].startswith("prong ") and len(check.where[0]["position_mm"]) == 3


def test_claws_that_do_not_reach_over_the_girdle_fail_the_grip_check(monkeypatch):
    sized = head._sizes

    def short(*args):  # tips that stop 0.05 mm inside the girdle
        return dataclasses.replace(sized(*args), grip=0.05)

    monkeypatch.setattr(head, "_sizes", short)
    monkeypatch.setattr(head, "NOTCH", 0.0)  # and claws standing just outside the girdle
    found, _ = _measure(_head())
    assert not found["prong_grip"].passed
    assert found["prong_grip"].value < LOST_WAX.min_grip_mm
    assert found["prong_section"].passed


def test_a_deep_seat_fails_the_notch_check(monkeypatch):
    monkeypatch.setattr(head, "NOTCH", 0.45)  # a seat cut through nearly half of each claw
    found, _ = _measure(_head())
    assert not found["seat_notch"].passed and found["seat_notch"].value > 1 / 3


def test_a_stone_sunk_into_its_head_fails_the_clearance_check():
    hd = _head()
    hd.stone = hd.stone.translated((0, 0, -1.2))  # down into the gallery rail
    found, _ = _measure(hd)
    assert not found["stone_clearance"].passed and found["stone_clearance"].value > 0.05
    assert found["stone_clearance"].where[0]["faces"]
    upright = _head()
    found, _ = _measure(upright, inner_radius=upright.stone.verts[:, 2].min() - 0.2)
    assert not found["culet_clearance"].passed
    assert found["culet_clearance"].value == pytest.approx(0.2, abs=0.01)


def test_points_and_corners_get_v_claws():
    spec = DesignSpec.from_dict({"gem": {"cut": "marquise", "carat": 1.0}})
    hd = pipeline.build_parts(spec).head
    styles = [p.style for p in hd.prongs]
    tips = [p for p in hd.prongs if abs(p.girdle[0]) < 0.05]  # the two points, on the Y axis
    assert len(tips) == 2 and all(p.style == "v" for p in tips)
    assert styles.count("round") == 2
    length, width = spec.gem.dimensions()
    assert len(head.points_of("princess", width, width)) == 4
    assert head.points_of("round", width, width) == ()


def test_a_head_moves_with_its_claws():
    """Side stones reuse the head: moved as a whole, its claws' axes move with it."""
    hd = _head()
    angle = np.radians(20)
    rot = np.eye(4)
    rot[:3, :3] = [[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]]
    moved = hd.transformed(rot)
    assert np.allclose(moved.prongs[0].axis, hd.prongs[0].axis @ rot[:3, :3].T)
    assert np.allclose(moved.stone.verts, hd.stone.verts @ rot[:3, :3].T)
    assert len(moved.metal) == len(hd.metal)
