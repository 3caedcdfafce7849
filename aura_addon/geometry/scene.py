"""Blender objects and scene settings for Aura: millimetre units and the "Aura" collection."""

from __future__ import annotations

import bpy
import numpy as np

from .meshdata import MeshData

COLLECTION = "Aura"
SPEC_PROP = "aura_spec"  # JSON design spec carried by every object Aura makes
ROLE_PROP = "aura_role"  # "metal" | "stone"
STONE_PROP = "aura_stone"  # a stone object's material name (diamond, sapphire...)
DETAIL_INDEX = 1  # material index of a fine detail's faces; booleans carry it into the metal


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
    """A Blender mesh from mesh data, written as whole arrays (fast for large meshes)."""
    mesh = bpy.data.meshes.new(name)
    verts = np.asarray(data.verts, dtype=np.float32)
    sizes, loops = _face_arrays(data.faces)
    starts = np.zeros(len(sizes), dtype=np.int32)
    np.cumsum(sizes[:-1], out=starts[1:])
    mesh.vertices.add(len(verts))
    _set_array(mesh, "position", verts.ravel())
    mesh.loops.add(len(loops))
    _set_array(mesh, ".corner_vert", loops)
    mesh.polygons.add(len(sizes))
    mesh.polygons.foreach_set("loop_start", starts)
    mesh.polygons.foreach_set("loop_total", sizes)
    if getattr(data, "detail", False):
        mesh.polygons.foreach_set("material_index", np.full(len(sizes), DETAIL_INDEX, np.int32))
    mesh.update(calc_edges=True)
    mesh.validate(clean_customdata=False)
    return mesh


def _face_arrays(faces) -> tuple[np.ndarray, np.ndarray]:
    """(corner count per face, every face's corners in a row) for foreach_set."""
    try:  # all faces of one size (a triangulated motif): one numpy conversion
        grid = np.asarray(faces, dtype=np.int32)
    except ValueError:  # mixed sizes
        grid = None
    if grid is not None and grid.ndim == 2:
        return np.full(len(grid), grid.shape[1], dtype=np.int32), grid.ravel()
    sizes = np.fromiter((len(f) for f in faces), dtype=np.int32, count=len(faces))
    loops = np.fromiter((i for f in faces for i in f), dtype=np.int32, count=int(sizes.sum()))
    return sizes, loops


def new_object(name: str, data: MeshData | bpy.types.Mesh, collection=None) -> bpy.types.Object:
    mesh = data if isinstance(data, bpy.types.Mesh) else new_mesh(name, data)
    obj = bpy.data.objects.new(name, mesh)
    if collection is not None:
        collection.objects.link(obj)
    return obj


# Mesh arrays by attribute name, with the RNA collection property holding the same numbers.
# Reading the attribute is a plain memory copy; the RNA path goes element by element and is
# 100x slower on a 50k-face ring, so it is only the fallback for a Blender without the name.
_ARRAYS = {
    "position": ("vertices", "co", np.float32, 3),
    ".corner_vert": ("loops", "vertex_index", np.int32, 1),
    ".corner_edge": ("loops", "edge_index", np.int32, 1),
}


def mesh_array(mesh: bpy.types.Mesh, name: str) -> np.ndarray:
    """One of the mesh's arrays in `_ARRAYS`: (n, 3) float32 positions or int32 indices."""
    collection, prop, dtype, width = _ARRAYS[name]
    attribute = mesh.attributes.get(name)
    count = len(getattr(mesh, collection))
    out = np.empty(count * width, dtype=dtype)
    if attribute is not None and len(attribute.data) == count:
        attribute.data.foreach_get("vector" if width == 3 else "value", out)
    else:
        getattr(mesh, collection).foreach_get(prop, out)
    return out.reshape(-1, 3) if width == 3 else out


def _set_array(mesh: bpy.types.Mesh, name: str, values: np.ndarray) -> None:
    """Write one of the `_ARRAYS` (flat, of their dtype) the fast way where it can."""
    collection, prop, _dtype, width = _ARRAYS[name]
    attribute = mesh.attributes.get(name)
    if attribute is not None and len(attribute.data) * width == len(values):
        attribute.data.foreach_set("vector" if width == 3 else "value", values)
    else:
        getattr(mesh, collection).foreach_set(prop, values)


def mesh_arrays(mesh: bpy.types.Mesh) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (n, 3), triangles (m, 3)) of a mesh, via its loop triangles."""
    mesh.calc_loop_triangles()
    verts = mesh_array(mesh, "position")
    tris = np.empty(len(mesh.loop_triangles) * 3, dtype=np.int32)
    mesh.loop_triangles.foreach_get("vertices", tris)
    return verts.astype(np.float64), tris.reshape(-1, 3)


def remove_object(obj: bpy.types.Object) -> None:
    mesh = obj.data if obj.type == "MESH" else None
    bpy.data.objects.remove(obj, do_unlink=True)
    if mesh is not None and mesh.users == 0:
        bpy.data.meshes.remove(mesh)
