"""Blender objects and scene settings for Aura: millimetre units and the "Aura" collection."""

from __future__ import annotations

import bpy
import numpy as np

from .meshdata import MeshData

COLLECTION = "Aura"
SPEC_PROP = "aura_spec"  # JSON design spec carried by every object Aura makes
ROLE_PROP = "aura_role"  # "metal" | "stone"


def setup_units(scene=None) -> None:
    """1 Blender unit = 1 mm, as jewelry CAD works."""
    scene = scene or bpy.context.scene
    units = scene.unit_settings
    units.system = "METRIC"
    units.length_unit = "MILLIMETERS"
    units.scale_length = 0.001


def aura_collection(scene=None, name: str = COLLECTION) -> bpy.types.Collection:
    scene = scene or bpy.context.scene
    coll = bpy.data.collections.get(name)
    if coll is None:
        coll = bpy.data.collections.new(name)
    if coll.name not in scene.collection.children:
        scene.collection.children.link(coll)
    return coll


def new_mesh(name: str, data: MeshData) -> bpy.types.Mesh:
    """A Blender mesh from mesh data, built with foreach_set (fast for large meshes)."""
    mesh = bpy.data.meshes.new(name)
    verts = np.asarray(data.verts, dtype=np.float32)
    sizes = np.fromiter((len(f) for f in data.faces), dtype=np.int32, count=len(data.faces))
    loops = np.fromiter((i for f in data.faces for i in f), dtype=np.int32, count=int(sizes.sum()))
    starts = np.zeros(len(sizes), dtype=np.int32)
    np.cumsum(sizes[:-1], out=starts[1:])
    mesh.vertices.add(len(verts))
    mesh.vertices.foreach_set("co", verts.ravel())
    mesh.loops.add(len(loops))
    mesh.loops.foreach_set("vertex_index", loops)
    mesh.polygons.add(len(sizes))
    mesh.polygons.foreach_set("loop_start", starts)
    mesh.polygons.foreach_set("loop_total", sizes)
    mesh.update(calc_edges=True)
    mesh.validate(clean_customdata=False)
    return mesh


def new_object(name: str, data: MeshData | bpy.types.Mesh, collection=None) -> bpy.types.Object:
    mesh = data if isinstance(data, bpy.types.Mesh) else new_mesh(name, data)
    obj = bpy.data.objects.new(name, mesh)
    if collection is not None:
        collection.objects.link(obj)
    return obj


def mesh_arrays(mesh: bpy.types.Mesh) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (n, 3), triangles (m, 3)) of a mesh, via its loop triangles."""
    mesh.calc_loop_triangles()
    verts = np.empty(len(mesh.vertices) * 3, dtype=np.float64)
    mesh.vertices.foreach_get("co", verts)
    tris = np.empty(len(mesh.loop_triangles) * 3, dtype=np.int32)
    mesh.loop_triangles.foreach_get("vertices", tris)
    return verts.reshape(-1, 3), tris.reshape(-1, 3)


def remove_object(obj: bpy.types.Object) -> None:
    mesh = obj.data if obj.type == "MESH" else None
    bpy.data.objects.remove(obj, do_unlink=True)
    if mesh is not None and mesh.users == 0:
        bpy.data.meshes.remove(mesh)
