"""Mesh cleanup on the artefacts real models make: floaters, backdrop sheets, boxes and walls."""

from __future__ import annotations

import manifold3d
import numpy as np
import pytest
import trimesh

from ai_server.backends import motifs
from ai_server.cleanup import CleanupError, clean_mesh, write_obj


def body(radius=5.0, subdivisions=4) -> trimesh.Trimesh:
    """The 'object': a slightly squashed sphere, so its orientation is visible."""
    sphere = trimesh.creation.icosphere(subdivisions, radius=radius)
    sphere.apply_scale([1.0, 1.0, 0.8])
    return sphere


def floaters() -> list[trimesh.Trimesh]:
    return [
        trimesh.creation.icosphere(1, radius=0.4).apply_translation([8, 1, 0]),
        trimesh.creation.box([0.6, 0.6, 0.6]).apply_translation([-7, -6, 2]),
        trimesh.Trimesh([[0, 9, 0], [0.3, 9, 0], [0, 9.3, 0]], [[0, 1, 2]]),  # a stray triangle
    ]


def union(*meshes: trimesh.Trimesh) -> trimesh.Trimesh:
    """A real boolean union (manifold3d): the pieces fuse into one connected surface."""
    result = manifold3d.Manifold()
    for mesh in meshes:
        result += manifold3d.Manifold(
            manifold3d.Mesh(
                vert_properties=np.asarray(mesh.vertices, np.float32),
                tri_verts=np.asarray(mesh.faces, np.uint32),
            )
        )
    out = result.to_mesh()
    return trimesh.Trimesh(np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts))


def assert_one_clean_body(mesh: trimesh.Trimesh, report, size_mm: float) -> None:
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert mesh.body_count == 1 and report.parts == 1 and report.watertight
    assert max(mesh.extents) == pytest.approx(size_mm, rel=1e-6)
    assert np.allclose(mesh.bounds.mean(axis=0), 0, atol=1e-6)


def test_floaters_and_a_backdrop_plane_leave_one_body():
    plane = trimesh.Trimesh(
        [[-20, -20, -6], [20, -20, -6], [20, 20, -6], [-20, 20, -6]], [[0, 1, 2], [0, 2, 3]]
    )
    raw = trimesh.util.concatenate([body(), *floaters(), plane])
    mesh, report = clean_mesh(raw, size_mm=10.0)
    assert_one_clean_body(mesh, report, 10.0)
    assert report.backdrops_removed == 1 and report.floaters_removed == 3
    # what is left is the object: squashed sphere proportions (10 x 10 x 8)
    assert mesh.extents == pytest.approx([10, 10, 8], rel=0.02)


def test_a_thick_backdrop_slab_is_dropped():
    slab = trimesh.creation.box([40, 40, 0.8]).apply_translation([0, 0, -8])
    mesh, report = clean_mesh(trimesh.util.concatenate([body(), slab, *floaters()]), size_mm=12.0)
    assert_one_clean_body(mesh, report, 12.0)
    assert mesh.extents == pytest.approx([12, 12, 9.6], rel=0.02)


@pytest.mark.parametrize("open_sides", [0, 1, 2])
def test_a_backdrop_box_around_the_object_is_dropped(open_sides):
    box = trimesh.creation.box([30, 30, 30])
    box.update_faces(np.arange(len(box.faces)) >= 2 * open_sides)  # 0: closed, else open sides
    mesh, report = clean_mesh(trimesh.util.concatenate([body(), box, *floaters()]), size_mm=10.0)
    assert_one_clean_body(mesh, report, 10.0)
    assert report.backdrops_removed == 1
    assert mesh.extents == pytest.approx([10, 10, 8], rel=0.02)


def test_a_wall_fused_to_the_object_is_cut_away():
    # the object sits on the wall, fused to it by a boolean union: one connected surface
    wall = trimesh.creation.box([40, 40, 0.6]).apply_translation([0, 0, -4.1])
    raw = union(body(), wall)
    assert raw.body_count == 1
    mesh, report = clean_mesh(raw, size_mm=10.0)
    assert_one_clean_body(mesh, report, 10.0)
    assert report.wall_faces_removed > 0 and "capped holes" in report.repair
    assert mesh.extents[0] == pytest.approx(mesh.extents[1], rel=0.01)
    assert mesh.extents[2] < 0.85 * mesh.extents[0]  # the sphere, cut flat where the wall was


def test_a_plain_box_object_is_kept():
    # a box-shaped motif is not a backdrop when nothing is inside it
    mesh, report = clean_mesh(trimesh.creation.box([4, 2, 1]), size_mm=8.0)
    assert_one_clean_body(mesh, report, 8.0)
    assert mesh.extents == pytest.approx([8, 4, 2])


@pytest.mark.parametrize("motif", ["butterfly", "snowflake", "cross", "moon"])
def test_flat_motifs_are_not_mistaken_for_backdrops(motif):
    raw = motifs.MOTIFS[motif](np.random.default_rng(0), 48, None)
    mesh, report = clean_mesh(raw, size_mm=12.0, detect_backdrops=True)
    assert_one_clean_body(mesh, report, 12.0)
    assert report.wall_faces_removed == report.backdrops_removed == report.floaters_removed == 0
    assert len(mesh.faces) == len(raw.faces)


def test_open_holes_are_capped():
    sphere = body()
    sphere.update_faces(np.arange(len(sphere.faces)) % 97 != 0)  # punch scattered holes
    assert not sphere.is_watertight
    mesh, report = clean_mesh(sphere, size_mm=10.0)
    assert_one_clean_body(mesh, report, 10.0)
    assert report.repair == ["capped holes"]


def test_overlapping_parts_are_fused_into_one_solid():
    # two closed spheres interpenetrating, as a model might emit them: one solid after cleanup
    raw = trimesh.util.concatenate([body(), body().apply_translation([3, 0, 0])])
    mesh, report = clean_mesh(raw, size_mm=15.0)
    assert_one_clean_body(mesh, report, 15.0)
    assert "fused overlapping parts" in report.repair
    assert mesh.extents == pytest.approx([15, 15 * 10 / 13, 15 * 8 / 13], rel=0.02)


def test_a_non_manifold_fin_gets_a_voxel_remesh():
    # a third face on one of the sphere's edges: no hole to cap, no manifold to simplify
    sphere = body()
    a, b = sphere.edges_unique[0]
    vertices = np.vstack([sphere.vertices, sphere.vertices[[a, b]].mean(axis=0) * 1.4])
    faces = np.vstack([sphere.faces, [[a, b, len(sphere.vertices)]]])
    raw = trimesh.Trimesh(vertices, faces, process=False)
    assert not raw.is_watertight and raw.body_count == 1
    mesh, report = clean_mesh(raw, size_mm=15.0, max_faces=8000)
    assert "voxel remesh" in report.repair
    assert_one_clean_body(mesh, report, 15.0)
    assert len(mesh.faces) <= 8000
    assert mesh.extents == pytest.approx([15, 15, 12], rel=0.05)  # still the squashed sphere


def test_decimates_to_the_face_budget():
    dense = trimesh.creation.icosphere(6, radius=3)  # 81920 faces
    mesh, report = clean_mesh(dense, size_mm=6.0, max_faces=5000)
    assert report.decimated_from == 81920 and report.faces <= 5000 and len(mesh.faces) <= 5000
    assert mesh.is_watertight and report.watertight
    assert mesh.volume == pytest.approx(4 / 3 * np.pi * 27, rel=0.03)


def test_rotation_and_inside_out_input():
    tall_in_y = trimesh.creation.box([2, 6, 1])
    tall_in_y.invert()
    mesh, report = clean_mesh(tall_in_y, size_mm=6.0, rotate_x_deg=-90)
    assert mesh.extents == pytest.approx([2, 1, 6], rel=1e-6)  # +Y became -Z: tall in Z
    assert mesh.volume > 0 and "inverted normals" in report.repair


def test_nothing_usable_is_an_error():
    degenerate = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [2, 0, 0]], [[0, 1, 2]], process=False)
    with pytest.raises(CleanupError, match="empty"):
        clean_mesh(degenerate, size_mm=10.0)


def test_obj_is_millimetres_and_reads_back(tmp_path):
    mesh, _report = clean_mesh(body(), size_mm=17.3)
    path = tmp_path / "m.obj"
    write_obj(mesh, path)
    assert path.read_text().startswith("# Aura motif mesh, units: millimetres")
    loaded = trimesh.load(path, force="mesh")
    assert loaded.is_watertight and len(loaded.faces) == len(mesh.faces)
    assert max(loaded.extents) == pytest.approx(17.3, abs=1e-4)


def test_the_server_reuses_the_add_ons_mesh_helpers_without_blender():
    # one copy of topology and signed volume (aura_addon.geometry), importable with no bpy
    import subprocess
    import sys

    code = (
        "import sys, ai_server.cleanup as c, aura_addon.geometry.topology as t;"
        "assert c.triangle_topology is t.triangle_topology;"
        "assert 'bpy' not in sys.modules, 'bpy was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    box = trimesh.creation.box([1, 2, 3])
    two = trimesh.util.concatenate([box, box.copy().apply_translation([5, 0, 0])])
    from aura_addon.geometry.topology import triangle_topology

    facts = triangle_topology(two.faces, len(two.vertices))
    assert facts.solid and facts.bodies == two.body_count == 2
    opened = triangle_topology(box.faces[1:], len(box.vertices))
    assert not opened.watertight and opened.bodies == 1
    flipped = triangle_topology(np.vstack([box.faces[:1, ::-1], box.faces[1:]]), 8)
    assert flipped.watertight and not flipped.consistent
