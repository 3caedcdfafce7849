"""Boolean fusion of the metal: union of every part, minus the stone seats, into one solid.

Blender's MANIFOLD solver (4.5+) is the fast path; EXACT is the fallback when MANIFOLD is
missing or its result is not a closed solid. Done with modifiers on a scratch object and a
depsgraph evaluation, so no operator, selection or context of the user's is touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import bpy

from .meshdata import MeshData
from .scene import new_object, remove_object
from .topology import is_closed_solid


def solvers() -> list[str]:
    available = bpy.types.BooleanModifier.bl_rna.properties["solver"].enum_items.keys()
    return [s for s in ("MANIFOLD", "EXACT") if s in available]


@dataclass
class FuseResult:
    mesh: bpy.types.Mesh
    solver: str
    attempts: list[str]
    boolean_s: float = 0.0  # the solver's own time (modifier evaluation), without set-up


def _boolean(obj, operation: str, collection, solver: str) -> None:
    mod = obj.modifiers.new(f"aura_{operation.lower()}", "BOOLEAN")
    mod.operation = operation
    mod.operand_type = "COLLECTION"
    mod.collection = collection
    mod.solver = solver


def fuse(
    base: MeshData,
    parts: list[MeshData],
    cutters: list[MeshData],
    name: str = "metal",
    solver: str | None = None,
) -> FuseResult:
    """union(base, *parts) - cutters, as a new mesh datablock (scratch objects removed)."""
    attempts = []
    for candidate in [solver] if solver else solvers():
        mesh, seconds = _fuse_with(base, parts, cutters, name, candidate)
        attempts.append(candidate)
        if is_closed_solid(mesh):
            return FuseResult(mesh, candidate, attempts, seconds)
        bpy.data.meshes.remove(mesh)
    raise RuntimeError(
        f"the metal parts could not be fused into one solid (tried {', '.join(attempts)})"
    )


def _dissolve_valence_two(mesh: bpy.types.Mesh) -> None:
    """Merge away vertices on only two edges (two n-gons sharing two edges): triangulated,
    both n-gons would cut the same diagonal and the STL would have an edge of four faces."""
    import bmesh
    import numpy as np

    ends = np.empty(len(mesh.edges) * 2, dtype=np.int32)
    mesh.edges.foreach_get("vertices", ends)
    if not (np.bincount(ends, minlength=len(mesh.vertices)) == 2).any():
        return
    bm = bmesh.new()
    try:
        bm.from_mesh(mesh)
        lone = [v for v in bm.verts if len(v.link_edges) == 2]
        bmesh.ops.dissolve_verts(bm, verts=lone)
        bm.to_mesh(mesh)
    finally:
        bm.free()


def _fuse_with(base, parts, cutters, name, solver) -> tuple[bpy.types.Mesh, float]:
    scratch = []
    unions = bpy.data.collections.new("aura_scratch_union")
    cuts = bpy.data.collections.new("aura_scratch_cut")
    holder = bpy.data.collections.new("aura_scratch")
    try:
        target = new_object(f"{name}_fuse", base)
        scratch.append(target)
        for i, part in enumerate(parts):
            scratch.append(new_object(f"part{i}", part, unions))
        for i, cutter in enumerate(cutters):
            scratch.append(new_object(f"cut{i}", cutter, cuts))
        # Objects must be in the scene's view layer to be evaluated.
        bpy.context.scene.collection.children.link(holder)
        holder.objects.link(target)
        holder.children.link(unions)
        holder.children.link(cuts)
        unions.hide_render = cuts.hide_render = True
        if parts:
            _boolean(target, "UNION", unions, solver)
        if cutters:
            _boolean(target, "DIFFERENCE", cuts, solver)
        t0 = time.perf_counter()
        depsgraph = bpy.context.evaluated_depsgraph_get()
        depsgraph.update()
        evaluated = target.evaluated_get(depsgraph)
        seconds = time.perf_counter() - t0
        mesh = bpy.data.meshes.new_from_object(evaluated)
        mesh.name = name
        _dissolve_valence_two(mesh)
        return mesh, seconds
    finally:
        for obj in scratch:
            remove_object(obj)
        for coll in (holder, unions, cuts):
            bpy.data.collections.remove(coll)
