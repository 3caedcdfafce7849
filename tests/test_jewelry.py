"""Pure-Python domain knowledge: sizes, materials, gem cuts and the design spec."""

import json
import math

import pytest

from aura_addon.jewelry import gem_cuts, sizes
from aura_addon.jewelry.materials import METALS, STONES
from aura_addon.jewelry.spec import DesignSpec, SpecError


@pytest.mark.parametrize(
    "system, value, diameter",
    [
        ("US", 7, 17.32),  # C = 54.41 mm
        ("US", 4.25, 15.08),
        ("UK", "N", 17.11),  # 37.5 + 1.25 * 13 = 53.75 mm
        ("UK", "N 1/2", 17.31),  # the usual match for US 7
        ("EU", 54, 17.19),
        ("CH", 14, 17.19),
        ("JP", 11, 16.33),  # 13.0 mm at JP 1, + 1/3 mm a size
        ("JP", 14, 17.33),
        ("HK", 15, 17.32),  # HK 15 = US 7
    ],
)
def test_size_to_diameter(system, value, diameter):
    assert sizes.inner_diameter_mm(system, value) == pytest.approx(diameter, abs=0.006)


# Each system from its own definition, written out here rather than read from sizes.py.
INCH = 25.4
HK_TO_US_CHART = {  # DESIGN.md, "Hong Kong -> US size"
    5: 2.75, 6: 3, 7: 3.5, 8: 3.75, 9: 4.25, 10: 4.75, 11: 5.25, 12: 5.5, 13: 6, 14: 6.5,
    15: 7, 16: 7.5, 17: 7.75, 18: 8.25, 19: 8.75, 20: 9, 21: 9.5, 22: 10, 23: 10.25,
    24: 10.75, 25: 11.25, 26: 11.5, 27: 12, 28: 12.5, 29: 12.75, 30: 13.25,
}  # fmt: skip


def us_by_definition(size: float) -> float:
    """US/Canada: 0.458 in inside at size 0, 0.032 in more per size."""
    return (0.458 + 0.032 * size) * INCH


def defined_sizes():
    """(system, value, inner diameter in mm) for every size, from each definition."""
    for quarter in range(4, 65):  # US 1 to 16 in quarter sizes
        yield "US", quarter / 4, us_by_definition(quarter / 4)
    for half in range(0, 51):  # UK A to Z: 37.5 mm round at A, 1.25 mm a letter
        label = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[half // 2] + (" 1/2" if half % 2 else "")
        yield "UK", label, (37.5 + 1.25 * half / 2) / math.pi
    for half in range(73, 156):  # EU / ISO 8653: the number is the circumference in mm
        yield "EU", half / 2, (half / 2) / math.pi
        yield "CH", half / 2 - 40, (half / 2) / math.pi  # Swiss: ISO 8653 less 40
    for n in range(1, 31):  # Japan: 13.0 mm inside at size 1, a third of a mm a size
        yield "JP", n, 13.0 + (n - 1) / 3
    for hk, us in HK_TO_US_CHART.items():
        yield "HK", hk, us_by_definition(us)


def test_every_size_system_matches_its_definition():
    count = 0
    for system, value, diameter in defined_sizes():
        assert sizes.inner_diameter_mm(system, value) == pytest.approx(diameter, abs=0.02), (
            system,
            value,
        )
        count += 1
    assert count == 61 + 51 + 2 * 83 + 30 + 26
    assert {s for s, _v, _d in defined_sizes()} == set(sizes.SYSTEMS)
    assert sizes.inner_diameter_mm("JP", 11) == pytest.approx(16.33, abs=0.005)


def test_us7_circumference_matches_the_chart():
    assert sizes.circumference_mm("US", 7) == pytest.approx(54.41, abs=0.005)


def test_nearest_size_in_every_system_round_trips():
    for system in sizes.SYSTEMS:
        for value in sizes.all_sizes(system)[::3]:
            d = sizes.inner_diameter_mm(system, value)
            nearest = sizes.nearest_size(system, d)
            assert nearest.delta_mm == pytest.approx(0, abs=1e-9), (system, value)
    near = sizes.nearest_sizes(17.32)
    assert near["US"].value == 7 and near["UK"].value == "N 1/2" and near["JP"].value == 14
    assert set(near) == set(sizes.SYSTEMS)


@pytest.mark.parametrize(
    "system, value",
    [
        ("US", 40),
        ("US", 0),
        ("US", 7.1),
        ("UK", "Z9"),
        ("EU", 20),
        ("JP", 31),
        ("JP", 2.5),
        ("XX", 7),
    ],
)
def test_bad_sizes_name_what_is_allowed(system, value):
    with pytest.raises(sizes.SizeError, match="allowed|unknown"):
        sizes.circumference_mm(system, value)


def test_size_range():
    run = sizes.parse_size_range("US:5-10:0.5")
    assert [v for _, v in run] == [5 + 0.5 * i for i in range(11)]
    assert [v for _, v in sizes.parse_size_range("UK:J-L")] == ["J", "K", "L"]
    with pytest.raises(sizes.SizeError):
        sizes.parse_size_range("US:5-10:x")


def test_every_alloy_and_stone_has_its_figures():
    names = {
        "gold_24k", "gold_22k", "gold_18k_yellow", "gold_14k_yellow", "gold_10k_yellow",
        "gold_18k_white_pd", "gold_14k_white_pd", "gold_18k_white_ni", "gold_14k_white_ni",
        "gold_10k_white", "gold_18k_rose", "gold_14k_rose", "gold_10k_rose", "platinum_950",
        "platinum_900", "palladium_950", "silver_925", "brass", "bronze", "titanium",
    }  # fmt: skip
    assert set(METALS) == names
    assert METALS["gold_18k_yellow"].density == 15.53 and METALS["platinum_950"].density == 20.7
    assert STONES["diamond"].refractive_index == 2.42 and STONES["ruby"].density == 4.0
    assert len(STONES) == 15


@pytest.mark.parametrize("carat, lo, hi", [(0.5, 5.1, 5.2), (1.0, 6.4, 6.5), (2.0, 8.1, 8.2)])
def test_round_diamond_sizes_land_on_published_figures(carat, lo, hi):
    length, width = gem_cuts.dimensions_for_carat("round", "diamond", carat)
    assert length == width and lo <= length <= hi
    assert gem_cuts.carat_of("round", "diamond", length, width) == pytest.approx(carat, rel=1e-9)


# Facets per cut, the girdle band apart, counted as distinct planes on the mesh.
FACETS = {"round": 57, "oval": 57, "cushion": 58, "pear": 57, "marquise": 57, "heart": 57,
          "radiant": 57, "trillion": 43, "princess": 37, "emerald": 49, "asscher": 49,
          "baguette": 17}  # fmt: skip


def _trimesh(mesh):
    import trimesh

    tris = [(f[0], f[k], f[k + 1]) for f in mesh.faces for k in range(1, len(f) - 1)]
    return trimesh.Trimesh(mesh.verts, tris, process=False)


def _facet_planes(mesh) -> int:
    """Distinct facets of a mesh: its triangles grouped by shared plane (trimesh's facets),
    those standing vertical in the girdle band left out."""
    import numpy as np

    tm = _trimesh(mesh)
    grouped = {int(i) for facet in tm.facets for i in facet}
    groups = [list(f) for f in tm.facets] + [[i] for i in range(len(tm.faces)) if i not in grouped]
    girdle = [np.all(np.abs(tm.face_normals[g, 2]) < 1e-9) for g in groups]
    return len(groups) - sum(girdle)


def test_twelve_cuts():
    assert set(gem_cuts.CUTS) == set(FACETS)


@pytest.mark.parametrize("cut", gem_cuts.CUTS)
def test_cut_facet_count(cut):
    length, width = gem_cuts.dimensions_for_carat(cut, "diamond", 1.0)
    assert _facet_planes(gem_cuts.cut_mesh(cut, length, width)) == FACETS[cut]


def test_round_brilliant_facet_families():
    mesh = gem_cuts.cut_mesh("round", 6.5, 6.5)
    kinds = {k: mesh.kinds.count(k) for k in set(mesh.kinds)}
    assert kinds == {"table": 1, "star": 8, "kite": 8, "upper_girdle": 16, "girdle": 16,
                     "lower_girdle": 16, "pavilion_main": 8}  # fmt: skip
    with_culet = gem_cuts.cut_mesh("round", 6.5, 6.5, culet=True)
    assert _facet_planes(mesh) == 57 and _facet_planes(with_culet) == 58


@pytest.mark.parametrize("cut", gem_cuts.CUTS)
def test_every_facet_is_planar(cut):
    import numpy as np

    at_ratio = gem_cuts.dimensions_for_carat(cut, "diamond", 1.0)
    # the stone and its seat cutter, at the cut's own ratio and drawn out to another
    for (length, width), grow in [(at_ratio, 0.0), (at_ratio, 0.05), ((9.0, 5.5), 0.0)]:
        mesh = gem_cuts.cut_mesh(cut, length, width, grow)
        verts = np.array(mesh.verts)
        for face in mesh.faces:
            pts = verts[list(face)] - verts[list(face)].mean(axis=0)
            normal = np.linalg.svd(pts)[2][2]  # the best-fit plane's normal
            assert np.abs(pts @ normal).max() < 1e-6 * width, (cut, face)


@pytest.mark.parametrize("cut", gem_cuts.CUTS)
def test_cut_meshes_are_closed_and_outward(cut):
    length, width = (8.0, 8.0) if cut == "round" else (8.0, 6.0)
    mesh = gem_cuts.cut_mesh(cut, length, width)
    tm = _trimesh(mesh)
    assert tm.is_watertight and tm.is_winding_consistent and tm.volume > 0
    assert tm.volume == pytest.approx(gem_cuts.mesh_volume(mesh.verts, mesh.faces), rel=1e-9)
    assert tm.extents[0] == pytest.approx(width) and tm.extents[1] == pytest.approx(length)
    assert tm.extents[2] == pytest.approx(mesh.depth)
    assert 0.5 <= mesh.depth / mesh.width <= 0.75
    # the girdle: a thin vertical band, every point of its polygon on the mesh at both faces
    band = [v for v in mesh.verts if abs(abs(v[2]) - mesh.girdle_top) < 1e-9]
    assert len(band) == 2 * len(mesh.girdle) and mesh.girdle_thickness < 0.065 * width


@pytest.mark.parametrize("cut", gem_cuts.CUTS)
def test_carat_is_within_5_percent_of_the_trade_formula(cut):
    length, width = gem_cuts.dimensions_for_carat(cut, "diamond", 1.0)
    mesh = gem_cuts.cut_mesh(cut, length, width)
    tm = _trimesh(mesh)
    carat = tm.volume * STONES["diamond"].density / 1000 / 0.2  # the mesh, weighed
    assert carat == pytest.approx(1.0, rel=1e-6)
    x, y, depth = tm.extents  # measured on the mesh: width, length, total depth
    assert gem_cuts.trade_carat(cut, y, x, depth) == pytest.approx(carat, rel=0.05)


def test_round_brilliant_proportions():
    import numpy as np

    mesh = gem_cuts.cut_mesh("round", 6.5, 6.5)
    tm = _trimesh(mesh)
    assert tm.extents[2] / 6.5 == pytest.approx(0.61, abs=0.02)  # total depth 59-62 %
    verts = np.array(mesh.verts)

    def angle(kind):  # a facet's slope, from its normal
        face = mesh.faces[mesh.kinds.index(kind)]
        normal = np.cross(*(verts[list(face[1:3])] - verts[face[0]]))
        return math.degrees(math.acos(abs(normal[2]) / np.linalg.norm(normal)))

    assert angle("kite") == pytest.approx(34.5, abs=0.1)  # crown angle
    assert angle("pavilion_main") == pytest.approx(40.75, abs=0.1)  # pavilion angle
    # the smaller facets at their usual angles: stars ~22-25, upper girdles ~40-46, lower
    # girdles ~41-43 degrees
    assert 21 < angle("star") < 26 and 40 < angle("upper_girdle") < 46
    assert 41 < angle("lower_girdle") < 43.5
    table = verts[list(mesh.faces[mesh.kinds.index("table")])]
    assert np.ptp(table[:, 0]) / 6.5 == pytest.approx(0.56, abs=0.01)


def test_outline_point_walks_the_girdle_and_marks_points():
    for cut in gem_cuts.CUTS:
        poly = gem_cuts.girdle_outline(cut, 9.0, 6.0)
        on = [gem_cuts.outline_point(cut, i / 360, 9.0, 6.0) for i in range(360)]
        assert max(p[1] for p in on) == pytest.approx(max(p[1] for p in poly))
        for tip in gem_cuts.points(cut):  # a sharp point is a corner of the polygon
            x, y = gem_cuts.outline_point(cut, tip, 9.0, 6.0)
            assert min(math.dist((x, y), p) for p in poly) < 1e-9
    assert gem_cuts.outline_point("pear", 0.25, 9.0, 6.0) == pytest.approx((0.0, 4.5))
    assert gem_cuts.outline_point("marquise", 0.75, 9.0, 6.0) == pytest.approx((0.0, -4.5))


def test_spec_round_trip_is_lossless(tmp_path):
    spec = DesignSpec.from_dict(
        {
            "name": "vine",
            "size": {"system": "UK", "value": "M 1/2"},
            "metal": "platinum_950",
            "shank": {"profile": "knife-edge", "width_mm": 2.5, "thickness_mm": 1.8,
                      "top_width_mm": 3.5, "top_thickness_mm": 2.2},
            "gem": {"cut": "oval", "stone": "sapphire", "size_mm": [8, 6]},
            "setting": {"type": "bezel"},
            "motif": {"prompt": "a vine", "backend": "procedural", "seed": 3, "size_mm": 9},
        }
    )  # fmt: skip
    path = tmp_path / "spec.json"
    spec.save(path)
    again = DesignSpec.load(path)
    assert again == spec and again.to_dict() == spec.to_dict()
    assert json.loads(path.read_text())["spec_version"] == 2
    assert DesignSpec.from_dict({"size": {"diameter_mm": 17.3}}).size.inner_diameter_mm == 17.3


def test_v1_specs_load_unchanged_as_v2(tmp_path):
    """A v1 spec file (as written by Aura 1) loads: same design, v2 defaults for the rest."""
    v1 = {
        "spec_version": 1,
        "name": "classic",
        "size": {"system": "US", "value": 7, "diameter_mm": None},
        "metal": "gold_18k_yellow",
        "shank": {"profile": "comfort", "width_mm": 2.2, "thickness_mm": 1.7,
                  "top_width_mm": None, "top_thickness_mm": None},
        "gem": {"cut": "round", "stone": "diamond", "carat": 1.0, "size_mm": None},
        "setting": {"type": "prong", "prongs": 6},
        "motif": None,
    }  # fmt: skip
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1))
    spec = DesignSpec.load(path)
    assert spec.spec_version == 2
    for key in ("name", "size", "metal", "gem", "motif"):
        assert spec.to_dict()[key] == v1[key], key
    assert spec.setting.prongs == 6 and spec.setting.head == "basket"
    assert spec.setting.height == "medium" and spec.setting.tips == "round"
    assert spec.shank.shoulders == "plain" and spec.shank.width_mm == 2.2
    assert spec.accents is None and spec.halo is None and spec.side_stones is None
    assert spec.engraving is None and spec.stamp is True
    assert spec.process.profile == "lost-wax" and spec.process.shrinkage_pct == 0.0
    assert v1["spec_version"] == 1  # migration leaves the caller's data alone
    again = DesignSpec.from_json(spec.to_json())
    assert again == spec


def test_v2_sections_round_trip():
    data = {
        "gem": {"cut": "oval", "stone": "diamond", "carat": 1.5},
        "setting": {"type": "prong", "prongs": 4, "head": "cathedral", "height": "low",
                    "tips": "double"},
        "shank": {"shoulders": "split"},
        "accents": {"layout": "channel", "coverage": "full", "stone": "sapphire",
                    "size_mm": 1.3, "count": 40},
        "halo": {"rows": 2, "size_mm": 1.0},
        "side_stones": {"cut": "pear", "carat": 0.3},
        "engraving": {"text": "Always", "where": "inside"},
        "stamp": False,
        "process": {"profile": "direct-metal", "shrinkage_pct": 1.5},
    }  # fmt: skip
    spec = DesignSpec.from_dict(data)
    assert spec.accents.count == 40 and spec.halo.rows == 2
    assert spec.side_stones.cut == "pear" and spec.engraving.text == "Always"
    assert DesignSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    "data, field",
    [
        ({"size": {"system": "US", "value": 0}}, "size.value"),
        ({"size": {"system": "UK", "value": "Z9"}}, "size.value"),
        ({"size": {"system": "US", "value": 40}}, "size.value"),
        ({"metal": "gold"}, "metal"),
        ({"gem": {"carat": -1}}, "gem.carat"),
        ({"setting": {"prongs": 1}}, "setting.prongs"),
        ({"shank": {"profile": "square"}}, "shank.profile"),
        ({"shank": {"width_mm": "wide"}}, "shank.width_mm"),
        ({"gem": {"cut": "round", "stone": "glass"}}, "gem.stone"),
        ({"gem": {"carat": 1, "size_mm": 6}}, "gem"),
        ({"motif": {"prompt": ""}}, "motif.prompt"),
        ({"colour": "red"}, "colour"),
        ({"spec_version": 9}, "spec_version"),
        ({"gem": {"carat": 1}, "setting": {"type": "none"}}, "setting.type"),
        ({"spec_version": True}, "spec_version"),
        ({"setting": {"head": "tulip"}}, "setting.head"),
        ({"setting": {"tips": "square"}}, "setting.tips"),
        ({"shank": {"shoulders": "twisted"}}, "shank.shoulders"),
        ({"accents": {"size_mm": 5}}, "accents.size_mm"),
        ({"accents": {"coverage": "most"}}, "accents.coverage"),
        ({"accents": {"count": 0}}, "accents.count"),
        ({"accents": {"sparkle": 1}}, "accents.sparkle"),
        ({"halo": {"rows": 3}}, "halo.rows"),
        ({"halo": {"size_mm": 2.5}}, "halo.size_mm"),
        ({"halo": {}, "gem": None, "setting": {"type": "none"}}, "halo"),
        ({"side_stones": {"cut": "rose"}}, "side_stones.cut"),
        ({"side_stones": {"ratio": 2}}, "side_stones.ratio"),
        ({"engraving": {"text": ""}}, "engraving.text"),
        ({"engraving": {"text": "x" * 61}}, "engraving.text"),
        ({"engraving": {"text": "A", "depth_mm": 9}}, "engraving.depth_mm"),
        ({"stamp": "yes"}, "stamp"),
        ({"process": {"profile": "sand"}}, "process.profile"),
        ({"process": {"shrinkage_pct": 12}}, "process.shrinkage_pct"),
    ],
)
def test_bad_specs_name_the_field_and_what_is_allowed(data, field):
    with pytest.raises(SpecError) as err:
        DesignSpec.from_dict(data)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")
