"""The measured casting checks, each shown failing on a mesh built to fail it (a check that
cannot fail is a defect), with where it fails; motifs made castable; the casting files
(3MF beside STL, shrinkage allowance) read back by independent readers."""

from __future__ import annotations

import json
import re
import zipfile

import bpy
import numpy as np
import pytest
import trimesh

from aura_addon.builder import pipeline, report
from aura_addon.geometry import fuse, motif, shank
from aura_addon.geometry.meshdata import MeshData
from aura_addon.jewelry import process
from aura_addon.jewelry.spec import DesignSpec
from tests import stl_tools


@pytest.fixture(autouse=True)
def empty_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


def band_spec(**fields) -> DesignSpec:
    """A plain band; without the fineness stamp, whose letters take the band sections under
    them out of the measure (tests/test_engraving.py covers the stamp)."""
    return DesignSpec.from_dict({"gem": None, "stamp": False, **fields})


def box(lo, hi) -> MeshData:
    (x0, y0, z0), (x1, y1, z1) = lo, hi
    verts = np.array([[x, y, z] for z in (z0, z1) for y in (y0, y1) for x in (x0, x1)], dtype=float)
    faces = [(0, 2, 3, 1), (4, 5, 7, 6), (0, 1, 5, 4), (2, 6, 7, 3), (0, 4, 6, 2), (1, 3, 7, 5)]
    return MeshData(verts, faces).outward()


def ring_with(spec: DesignSpec, parts: list[MeshData], label=fuse.PART_MOTIF):
    """The spec's band fused with `parts` (labelled `label`), measured."""
    d = spec.size.inner_diameter_mm
    base = shank.shank_mesh(spec.shank, d)
    fused = fuse.fuse(base, parts, [], labels=[label] * len(parts))
    return fused.mesh, report.judge(fused.mesh, spec)


def failed(measured) -> dict:
    return {c.name: c for c in measured.checks if not c.passed}


def crest(spec: DesignSpec) -> float:
    return shank.top_outer_radius(spec.shank, spec.size.inner_diameter_mm)


def test_a_plain_band_passes_and_the_report_lists_its_thresholds(tmp_path):
    spec = band_spec()
    result = pipeline.run(spec, tmp_path / "band.stl")
    report = result.report
    assert result.passed, [c for c in report["checks"] if not c["passed"]]
    lost_wax = process.profile("lost-wax")
    assert report["profile"] == "lost-wax"
    assert report["thresholds"]["min_wall_mm"] == lost_wax.min_wall_mm == 0.8
    assert report["thresholds"]["min_gap_mm"] == 0.3
    assert report["band"]["sections_measured"] == 72  # every 5 degrees, nothing on the band
    assert report["band"]["min_thickness_mm"] == pytest.approx(spec.shank.thickness_mm, abs=0.01)
    assert report["band"]["min_width_mm"] == pytest.approx(spec.shank.width_mm, abs=0.01)
    names = {c["name"] for c in report["checks"]}
    assert names >= {"min_wall", "min_gap", "band_thickness", "band_width", "inner_diameter"}
    assert "shank_thickness" not in names and "prong_diameter" not in names


def test_a_thin_plate_fails_the_wall_check_and_says_where():
    spec = band_spec()
    top = crest(spec)
    plate = box((-2.0, -0.25, top - 0.5), (2.0, 0.25, top + 4.0))  # a 0.5 mm fin on the band
    mesh, measured = ring_with(spec, [plate])
    wall = failed(measured)["min_wall"]
    # the fin is 0.5 mm; a point near its corners has a smaller ball still
    assert 0.25 < wall.value <= 0.55 and wall.threshold == 0.8
    place = wall.where[0]
    assert place["part"] == "motif" and place["value"] == wall.value
    x, y, z = place["position_mm"]
    assert abs(x) <= 2.0 and abs(y) <= 0.26 and top - 0.5 <= z <= top + 4.0
    centres = np.array([mesh.polygons[f].center[:] for f in place["faces"]])
    assert len(centres) and (np.abs(centres[:, 1]) <= 0.26).all()  # the fin's own faces
    assert set(place["faces"]) <= set(measured.failing_faces)


def test_a_wedge_crevice_fails_the_gap_check():
    """A flat plate laid on the round band: either side the two part in a wedge too narrow
    for investment, as under today's head plate."""
    spec = band_spec()
    top = crest(spec)
    plate = box((-4.0, -1.0, top - 0.05), (4.0, 1.0, top + 1.0))
    _mesh, measured = ring_with(spec, [plate])
    gap = failed(measured)["min_gap"]
    assert gap.value < 0.3 and gap.threshold == 0.3
    assert min(p["smallest"] for p in gap.where) < 0.05  # the wedge closes to nothing
    for place in gap.where:
        x, y, z = place["position_mm"]
        assert abs(x) < 4.1 and abs(y) < 1.3 and top - 1.0 < z < top + 0.05, place  # under it


def test_a_slot_passes_in_gold_and_fails_in_platinum():
    """Two fins 0.5 mm apart: wide enough for gold's investment (0.3 mm), not platinum's."""
    gold, platinum = band_spec(), band_spec(metal="platinum_950")
    top = crest(gold)
    fins = [
        box((-1.5, -1.0, top - 0.5), (-0.25, 1.0, top + 3.0)),
        box((0.25, -1.0, top - 0.5), (1.5, 1.0, top + 3.0)),
    ]
    _mesh, in_gold = ring_with(gold, fins)
    assert "min_gap" not in failed(in_gold)
    _mesh, in_platinum = ring_with(platinum, fins)
    gap = failed(in_platinum)["min_gap"]
    assert gap.threshold == 0.8
    in_slot = [p for p in gap.where if abs(p["position_mm"][0]) < 0.3]
    assert in_slot and 0.2 < in_slot[0]["value"] <= 0.55  # the 0.5 mm slot


def test_a_head_never_counts_as_band():
    spec = band_spec()
    top = crest(spec)
    block = box((-2.0, -1.5, top - 0.5), (2.0, 1.5, top + 5.0))
    _mesh, measured = ring_with(spec, [block], label=fuse.PART_HEAD)
    band = measured.figures["band"]
    assert band["sections_under_head_or_motif"] >= 1
    assert band["max_thickness_mm"] == pytest.approx(spec.shank.thickness_mm, abs=0.01)
    assert "band_thickness" not in failed(measured)


def test_narrow_band_and_wrong_size_fail_on_the_mesh():
    narrow = band_spec(shank={"width_mm": 1.0, "thickness_mm": 1.7})
    _mesh, measured = ring_with(narrow, [])
    width = failed(measured)["band_width"]
    assert width.value == pytest.approx(1.0, abs=0.01) and width.where[0]["part"] == "band"
    # the same mesh judged as a US 9: the inner diameter is measured, not read from the spec
    other = band_spec(size={"system": "US", "value": 9})
    mesh, _ = ring_with(band_spec(), [])
    judged = report.judge(mesh, other)
    assert failed(judged)["inner_diameter"].value == pytest.approx(17.32, abs=0.02)


def test_direct_metal_profile_sets_the_thresholds():
    spec = band_spec(process={"profile": "direct-metal"})
    result = pipeline.build(spec)
    direct = process.profile("direct-metal")
    assert result.report["profile"] == "direct-metal"
    assert result.report["thresholds"]["min_wall_mm"] == direct.min_wall_mm
    assert result.report["thresholds"]["min_gap_mm"] == direct.min_gap_mm


def sheet_obj(path, thickness: float) -> None:
    """A 10 x 8 mm sheet, `thickness` thick: a backdrop or a thin AI-made leaf."""
    sheet = trimesh.creation.box(extents=(10.0, 8.0, thickness))
    sheet = sheet.subdivide_to_size(0.4)
    sheet.export(path)


def thickness_through_middle(verts: np.ndarray) -> float:
    """The sheet's thickness at its middle: the spread in Z of its vertices there."""
    middle = np.hypot(verts[:, 0], verts[:, 1]) < 1.0
    return float(np.ptp(verts[middle, 2]))


def test_a_thin_sheet_is_grown_to_the_minimum_wall(tmp_path):
    path = tmp_path / "sheet.obj"
    sheet_obj(path, 0.4 * 12 / 10)  # 0.4 mm thick once scaled to 12 mm
    ready = motif.prepared(path, 12.0, 0.8)
    prep = ready.preparation.as_dict()
    assert prep["thin_vertices_before"] > 0 and prep["thin_vertices_after"] == 0, prep
    assert thickness_through_middle(ready.shape.verts) >= 0.8 - 0.02
    spec = band_spec(motif={"prompt": "a leaf", "size_mm": 12.0})
    result = pipeline.build(spec, path)
    assert result.report["motif_preparation"]["thin_vertices_after"] == 0
    wall = next(c for c in result.report["checks"] if c["name"] == "min_wall")
    assert wall["passed"], wall


def test_casting_files_3mf_and_stl_with_shrinkage(tmp_path):
    spec = band_spec(process={"shrinkage_pct": 1.5})
    stl = tmp_path / "ring.stl"
    result = pipeline.run(spec, stl, report_path=tmp_path / "ring.json")
    scale = 1.015
    assert result.report["files"]["3mf"] == str(tmp_path / "ring.3mf")
    report = json.loads((tmp_path / "ring.json").read_text())
    assert report["casting_file"]["shrinkage_pct"] == 1.5
    assert report["casting_file"]["scale"] == pytest.approx(scale)
    # the 3MF: one object, millimetres, read back by trimesh
    with zipfile.ZipFile(tmp_path / "ring.3mf") as zf:
        model = zf.read("3D/3dmodel.model").decode()
    assert re.search(r'<model[^>]*unit="millimeter"', model)
    assert model.count("<object ") == 1
    scene = trimesh.load(tmp_path / "ring.3mf")
    geometries = list(scene.geometry.values()) if isinstance(scene, trimesh.Scene) else [scene]
    assert len(geometries) == 1
    printed = geometries[0]
    assert printed.is_watertight
    finished = report["volume_mm3"]
    assert printed.volume == pytest.approx(finished * scale**3, rel=1e-3)
    # the STL carries the same allowance; the report's figures stay the finished piece's
    cast = stl_tools.load_stl(stl)
    assert cast.volume == pytest.approx(printed.volume, rel=1e-4)
    assert stl_tools.inner_diameter(cast) == pytest.approx(17.32 * scale, abs=0.02)
    assert report["inner_diameter_mm"] == pytest.approx(17.32, abs=0.02)


def test_without_shrinkage_the_3mf_is_the_finished_size(tmp_path):
    result = pipeline.run(band_spec(), tmp_path / "ring.stl")
    scene = trimesh.load(tmp_path / "ring.3mf")
    printed = list(scene.geometry.values())[0] if isinstance(scene, trimesh.Scene) else scene
    assert printed.volume == pytest.approx(result.report["volume_mm3"], rel=1e-3)
    assert result.report["casting_file"]["scale"] == 1.0
