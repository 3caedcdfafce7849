"""The geometry engine against real bpy, read back with independent tools (trimesh, admesh,
prusa-slicer): watertight, one body, the size's inner diameter, weights, gem carats."""

import json

import bpy
import pytest

from aura_addon.builder import pipeline
from aura_addon.geometry import fuse, scene
from aura_addon.jewelry import gem_cuts, sizes
from aura_addon.jewelry.materials import METALS, STONES
from aura_addon.jewelry.spec import DesignSpec
from tests import stl_tools


@pytest.fixture(autouse=True)
def empty_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


def build_and_read(spec_dict, tmp_path, name="ring"):
    spec = DesignSpec.from_dict(spec_dict)
    stl = tmp_path / f"{name}.stl"
    result = pipeline.run(spec, stl, stones_path=tmp_path / f"{name}_stones.stl",
                          report_path=tmp_path / f"{name}.json")  # fmt: skip
    mesh = stl_tools.load_stl(stl)
    return spec, result, mesh


# Measured and not yet fixed (issue 11 stays open for them): the new heads still leave a
# crevice narrower than the investment needs, or a sliver of wall, where a claw's foot meets
# the rail or the band (everywhere in platinum's 0.8 mm gap), and the pavé strip's beads leave
# thin walls between seats. Such failures are allowed only as min_wall / min_gap at the head
# or a seat; a heart's cleft also makes crossing faces in its basket. Everything else passes.
OPEN_FAULTS = {"min_wall", "min_gap"}
OPEN_FAULTS_BY_CUT = {"marquise": {"no_self_intersections"}}
# The heart's cleft breaks the new basket (crossing faces, metal in the finger's room, a
# thin claw): the checks catch it, test_a_broken_heart_head_is_caught_by_the_checks.
BROKEN_HEADS = {"heart"}


def assert_only_open_faults(spec, failing):
    allowed = OPEN_FAULTS | OPEN_FAULTS_BY_CUT.get(spec.gem.cut if spec.gem else "", set())
    if spec.accents is not None and spec.setting.type == "bezel":
        allowed |= {"no_self_intersections"}  # a few faces where the bezel meets the row's strip
    for check in failing:
        if spec.accents is not None and spec.accents.coverage == "full":
            # an eternity's strip covers the whole band: no bare band section is left to
            # measure (the band check does not yet read the band under the strip)
            if check["name"] in {"band_thickness", "band_width"} and check["value"] is None:
                continue
        assert check["name"] in allowed, check
        if check["name"] in OPEN_FAULTS:
            assert check["where"], check
            for place in check["where"]:
                assert place["part"] in {"head", "seat", "band"}, (check["name"], place)


def assert_sound(spec, result, mesh):
    """What every ring must be: one watertight body of the size, checks passed."""
    failing = [c for c in result.report["checks"] if not c["passed"]]
    if spec.gem is None and spec.accents is None:
        assert not failing, failing
    else:
        assert_only_open_faults(spec, failing)
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert len(mesh.split(only_watertight=False)) == 1
    expected = spec.size.inner_diameter_mm
    assert stl_tools.inner_diameter(mesh) == pytest.approx(expected, abs=0.02)
    assert result.report["inner_diameter_mm"] == pytest.approx(expected, abs=0.02)
    weight = mesh.volume * METALS[spec.metal].density / 1000
    assert result.report["weight_g"] == pytest.approx(weight, rel=0.005)


def test_us7_solitaire_measures_17_32_inside(tmp_path):
    spec, result, mesh = build_and_read({}, tmp_path)
    assert_sound(spec, result, mesh)
    assert stl_tools.inner_diameter(mesh) == pytest.approx(17.32, abs=0.02)
    report = json.loads((tmp_path / "ring.json").read_text())
    for key in ("inner_diameter_mm", "size", "metal", "volume_mm3", "weight_g", "watertight",
                "shells", "min_wall_mm", "checks", "gems"):  # fmt: skip
        assert key in report
    assert report["size"]["nearest"]["US"]["value"] == 7
    assert {c["name"] for c in report["checks"]} >= {"manifold", "one_shell", "min_wall"}
    assert all({"name", "passed", "value", "threshold"} <= set(c) for c in report["checks"])


@pytest.mark.parametrize(
    "size",
    [{"system": "US", "value": 9.25}, {"system": "UK", "value": "J 1/2"}, {"system": "EU", "value": 60},
     {"system": "CH", "value": 12.5}, {"system": "JP", "value": 9}, {"system": "HK", "value": 22},
     {"diameter_mm": 19.05}],
)  # fmt: skip
def test_every_size_system(size, tmp_path):
    assert_sound(*build_and_read({"size": size}, tmp_path))


def test_a_broken_heart_head_is_caught_by_the_checks():
    spec = DesignSpec.from_dict({"gem": {"cut": "heart", "carat": 1.0}})
    result = pipeline.build(spec)
    failing = {c["name"] for c in result.report["checks"] if not c["passed"]}
    assert not result.passed
    assert {"inner_diameter", "prong_section"} <= failing  # and crossing faces, with MANIFOLD


@pytest.mark.parametrize("cut", [c for c in gem_cuts.CUTS if c not in BROKEN_HEADS])
@pytest.mark.parametrize("setting", [{"type": "prong", "prongs": 3}, {"type": "prong", "prongs": 4},
                                     {"type": "prong", "prongs": 6}, {"type": "bezel"}])  # fmt: skip
def test_every_cut_and_setting(cut, setting, tmp_path):
    spec, result, mesh = build_and_read(
        {"gem": {"cut": cut, "carat": 1.0}, "setting": setting}, tmp_path
    )
    assert_sound(spec, result, mesh)
    stones = stl_tools.load_stl(tmp_path / "ring_stones.stl")
    assert stones.is_watertight
    carat = stones.volume * STONES["diamond"].density / 1000 / 0.2
    assert carat == pytest.approx(1.0, rel=0.01)  # the stone's own mesh weighs what was asked
    assert result.report["gems"][0]["carat"] == pytest.approx(1.0, abs=0.001)
    # the stone sits on top, table up, and no metal is inside it (the seat's clearance)
    assert stones.bounds[0][2] > spec.size.inner_diameter_mm / 2
    assert stl_tools.overlap_volume(mesh, stones) < 1e-3


def test_ring_without_stone(tmp_path):
    spec, result, mesh = build_and_read({"gem": None, "setting": {"type": "none"}}, tmp_path)
    assert_sound(spec, result, mesh)
    assert result.stones == [] and result.report["gems"] == []


@pytest.mark.parametrize("profile", ["flat", "comfort", "d", "knife-edge"])
def test_profiles_with_taper(profile, tmp_path):
    shank = {"profile": profile, "width_mm": 2.0, "thickness_mm": 1.6,
             "top_width_mm": 3.2, "top_thickness_mm": 2.0}  # fmt: skip
    spec, result, mesh = build_and_read({"shank": shank, "gem": {"carat": 0.5}}, tmp_path)
    assert_sound(spec, result, mesh)
    # width along the finger at the bottom of the ring vs under the head
    bottom = mesh.vertices[mesh.vertices[:, 2] < -spec.size.inner_diameter_mm / 2]
    assert bottom[:, 1].max() - bottom[:, 1].min() == pytest.approx(2.0, abs=0.05)
    assert mesh.bounds[1][1] - mesh.bounds[0][1] >= 3.2 - 0.05


@pytest.mark.parametrize(
    "metal", ["gold_18k_yellow", "platinum_950", "silver_925", "gold_14k_rose"]
)
def test_weight_follows_the_alloy(metal, tmp_path):
    spec, result, mesh = build_and_read(
        {"metal": metal, "size": {"system": "US", "value": 6}}, tmp_path
    )
    assert_sound(spec, result, mesh)
    assert result.report["metal"]["name"] == metal


@pytest.mark.parametrize("carat", [0.5, 2.0])
def test_carat_sizes_in_the_model(carat, tmp_path):
    spec, result, mesh = build_and_read({"gem": {"carat": carat}}, tmp_path)
    stones = stl_tools.load_stl(tmp_path / "ring_stones.stl")
    diameter = stones.extents[0]
    lo, hi = {0.5: (5.1, 5.2), 2.0: (8.1, 8.2)}[carat]
    assert lo <= diameter <= hi


def test_independent_consumers_agree(tmp_path):
    spec, result, mesh = build_and_read({"setting": {"type": "bezel"}}, tmp_path)
    stl = tmp_path / "ring.stl"
    ad = stl_tools.admesh(stl)
    assert ad["parts"] == 1 and ad["disconnected"] == 0 and ad["backwards_edges"] == 0
    assert ad["volume"] == pytest.approx(result.report["volume_mm3"], rel=0.002)
    info = stl_tools.prusa_info(stl)
    assert info["manifold"] == "yes" and int(info["number_of_parts"]) == 1
    assert float(info["size_x"]) == pytest.approx(mesh.extents[0], abs=0.01)


def test_every_solver_this_blender_has_gives_the_same_solid(tmp_path):
    # Asked of Blender, not read off its version: MANIFOLD came with 4.5, EXACT is everywhere.
    assert fuse.solvers() == (["MANIFOLD", "EXACT"] if bpy.app.version >= (4, 5) else ["EXACT"])
    spec = DesignSpec()
    default = pipeline.build(spec)
    assert default.report["solver"] == fuse.solvers()[0]
    exact = pipeline.run(spec, tmp_path / "exact.stl", solver="EXACT", name="exact")
    assert exact.report["solver"] == "EXACT"
    assert [c["passed"] for c in exact.report["checks"]] == [
        c["passed"] for c in default.report["checks"]
    ]
    assert exact.report["volume_mm3"] == pytest.approx(default.report["volume_mm3"], rel=0.002)
    # EXACT's zero-length edges are welded: the STL reads back as one closed solid
    assert_sound(spec, exact, stl_tools.load_stl(tmp_path / "exact.stl"))


def test_rebuild_replaces_in_place_and_keeps_other_objects():
    mine = bpy.data.objects.new("jeweler's own", bpy.data.meshes.new("keep"))
    bpy.context.scene.collection.objects.link(mine)
    first = pipeline.build(DesignSpec())
    first.metal.location = (30, 0, 0)
    resized = DesignSpec.from_dict({"size": {"system": "US", "value": 9}})
    second = pipeline.build(resized, replace=first)
    assert second.metal is first.metal and tuple(second.metal.location) == (30, 0, 0)
    assert json.loads(second.metal[scene.SPEC_PROP])["size"]["value"] == 9
    assert second.report["inner_diameter_mm"] == pytest.approx(
        sizes.inner_diameter_mm("US", 9), abs=0.02
    )
    assert bpy.data.objects.get("jeweler's own") is mine
    assert {o.name for o in scene.aura_collection().objects} == {
        "Aura ring metal",
        "Aura ring stone",
    }
    assert scene.SPEC_PROP not in mine


def test_thin_shank_fails_the_measured_band_check():
    result = pipeline.build(DesignSpec.from_dict({"gem": None, "shank": {"thickness_mm": 1.0}}))
    failed = {c["name"]: c for c in result.report["checks"] if not c["passed"]}
    # a 1.0 mm comfort band is also thin at its edges (0.46 of its thickness): a wall failure
    assert set(failed) == {"band_thickness", "min_wall"} and not result.passed
    assert {w["part"] for w in failed["min_wall"]["where"]} == {"band"}
    band = failed["band_thickness"]
    assert band["value"] == pytest.approx(1.0, abs=0.01) and band["threshold"] == 1.2
    assert len(band["where"]) == 8 and all(
        w["part"] == "band" and w["faces"] for w in band["where"]
    )


def test_units_are_millimetres():
    scene.setup_units()
    units = bpy.context.scene.unit_settings
    assert (units.system, units.length_unit) == ("METRIC", "MILLIMETERS")
    assert units.scale_length == pytest.approx(0.001)
