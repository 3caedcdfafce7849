"""The numpy topology checks (faces per edge, shells, volume, closed solid) on real Blender
meshes, against trimesh as the independent reader."""

import bpy
import numpy as np
import pytest
import trimesh

from aura_addon.geometry import checks, scene, topology
from aura_addon.geometry.meshdata import MeshData, signed_volume


@pytest.fixture(autouse=True)
def empty_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


def blender_mesh(tm: trimesh.Trimesh, name="m") -> bpy.types.Mesh:
    return scene.new_mesh(name, MeshData(np.asarray(tm.vertices), [tuple(f) for f in tm.faces]))


def test_disjoint_bodies_are_counted_as_trimesh_counts_them():
    parts = [
        trimesh.creation.icosphere(subdivisions=3, radius=2.0).apply_translation([8.0 * i, 0, 0])
        for i in range(3)
    ] + [trimesh.creation.box(extents=[1, 2, 3]).apply_translation([0, 9, 0])]
    together = trimesh.util.concatenate(parts)
    mesh = blender_mesh(together)
    assert topology.shells(mesh) == len(together.split(only_watertight=False)) == 4
    assert topology.non_manifold_edges(mesh) == 0
    assert topology.is_closed_solid(mesh)
    verts, tris = scene.mesh_arrays(mesh)
    assert signed_volume(verts, tris) == pytest.approx(together.volume, rel=1e-5)


def test_a_long_chain_of_faces_is_one_shell():
    # a thin tube of many rings: the worst case for label propagation is a long path
    tube = trimesh.creation.cylinder(radius=0.5, height=200.0, sections=8)
    tube = tube.subdivide_to_size(max_edge=0.4)
    mesh = blender_mesh(tube)
    assert len(mesh.polygons) > 10_000
    assert topology.shells(mesh) == 1


def test_open_and_inside_out_surfaces_are_not_closed_solids():
    box = trimesh.creation.box(extents=[2, 2, 2])
    open_box = trimesh.Trimesh(box.vertices, box.faces[2:], process=False)  # one side gone
    mesh = blender_mesh(open_box, "open")
    assert topology.non_manifold_edges(mesh) == 4  # the square hole's rim
    assert not topology.is_closed_solid(mesh)
    inverted = trimesh.Trimesh(box.vertices, box.faces[:, ::-1], process=False)
    mesh = blender_mesh(inverted, "inverted")
    assert topology.non_manifold_edges(mesh) == 0
    assert not topology.is_closed_solid(mesh)
    assert topology.shells(bpy.data.meshes.new("empty")) == 0


def test_mesh_stats_count_two_bodies_and_an_open_edge():
    spheres = trimesh.util.concatenate(
        [trimesh.creation.icosphere(2, 3.0), trimesh.creation.icosphere(2, 1.0).apply_translation([9, 0, 0])]
    )  # fmt: skip
    stats = checks.mesh_stats(blender_mesh(spheres))
    assert stats.shells == 2 and stats.non_manifold_edges == 0 and stats.self_intersections == 0
    assert stats.volume_mm3 == pytest.approx(spheres.volume, rel=1e-5)
    overlapping = trimesh.util.concatenate(
        [trimesh.creation.icosphere(2, 3.0), trimesh.creation.icosphere(2, 3.0).apply_translation([2, 0, 0])]
    )  # fmt: skip
    stats = checks.mesh_stats(blender_mesh(overlapping))
    assert stats.shells == 2 and stats.self_intersections > 0


def test_faces_of_one_size_and_of_mixed_sizes_build_the_same_mesh():
    verts = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0.5, 0.5, 1]], dtype=float)
    quads_and_tris = [(3, 2, 1, 0), (0, 1, 4), (1, 2, 4), (2, 3, 4), (3, 0, 4)]
    pyramid = scene.new_mesh("pyramid", MeshData(verts, quads_and_tris))
    tris = scene.new_mesh("tris", MeshData(verts, [(3, 2, 1), (3, 1, 0), *quads_and_tris[1:]]))
    assert [len(p.vertices) for p in pyramid.polygons] == [4, 3, 3, 3, 3]
    assert [len(p.vertices) for p in tris.polygons] == [3] * 6
    for mesh in (pyramid, tris):
        assert topology.is_closed_solid(mesh)
        assert signed_volume(*scene.mesh_arrays(mesh)) == pytest.approx(1 / 3)
