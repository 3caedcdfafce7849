"""Boolean fusion of the metal: union of every part, minus the stone seats, into one solid.

Blender's MANIFOLD solver (4.5+) is the fast path; EXACT is the fallback when MANIFOLD is
missing or its result is not a closed solid. Done with modifiers on a scratch object and a
depsgraph evaluation, so no operator, selection or context of the user's is touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import bmesh
import bpy
import numpy as np

from .meshdata import MeshData
from .scene import new_object, remove_object
from .topology import is_closed_solid

# EXACT (the solver before Blender 4.5) can leave two vertices a zero-length edge apart, and
# so can MANIFOLD where many cutters meet (a pavé row's seats on faceted stones); an STL
# reader merges them into edges of four faces. Welded at 10 nm, far below any printer.
WELD_MM = 1e-5

# Every face of the fused metal carries the part it came from (the boolean keeps face
# attributes), so a check can say "head" or "motif" and the band is measured as band only.
PART_ATTR = "aura_part"
PART_BAND, PART_HEAD, PART_MOTIF, PART_SEAT = 0, 1, 2, 3
PART_NAMES = {PART_BAND: "band", PART_HEAD: "head", PART_MOTIF: "motif", PART_SEAT: "seat"}


def solvers() -> list[str]:
    """The boolean solvers this Blender has, fastest first (asked of Blender, not its version)."""
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
    labels: list[int] | None = None,
    later: list[tuple[str, list[MeshData]]] = (),
) -> FuseResult:
    """union(base, *parts) - cutters, as a new mesh datablock (scratch objects removed).
    The base is labelled band, each part by `labels` (head by default), cutters seat.
    `later`: further ("UNION" | "DIFFERENCE", meshes) steps, in order, on that result (the
    beads of pavé go on after the trough between the stones is cut, and their seats after)."""
    attempts = []
    labels = labels or [PART_HEAD] * len(parts)
    for candidate in [solver] if solver else solvers():
        mesh, seconds = _fuse_with(base, parts, cutters, name, candidate, labels, later)
        attempts.append(candidate)
        welded = mesh.copy()
        _weld(welded)
        for result, spare in ((welded, mesh), (mesh, welded)):  # welded when that stays closed
            if is_closed_solid(result):
                bpy.data.meshes.remove(spare)
                result.name = name
                return FuseResult(result, candidate, attempts, seconds)
        bpy.data.meshes.remove(welded)
        bpy.data.meshes.remove(mesh)
    raise RuntimeError(
        f"the metal parts could not be fused into one solid (tried {', '.join(attempts)})"
    )


def _weld(mesh: bpy.types.Mesh) -> None:
    bm = bmesh.new()
    try:
        bm.from_mesh(mesh)
        bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=WELD_MM)
        bm.to_mesh(mesh)
    finally:
        bm.free()


def _dissolve_valence_two(mesh: bpy.types.Mesh) -> None:
    """Merge away vertices on only two edges (two n-gons sharing two edges): triangulated,
    both n-gons would cut the same diagonal and the STL would have an edge of four faces."""
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


def label_faces(mesh: bpy.types.Mesh, part: int) -> None:
    """Mark every face of `mesh` as coming from `part`."""
    attr = mesh.attributes.get(PART_ATTR) or mesh.attributes.new(PART_ATTR, "INT", "FACE")
    attr.data.foreach_set("value", np.full(len(mesh.polygons), part, dtype=np.int32))


def face_parts(mesh: bpy.types.Mesh) -> np.ndarray:
    """The part of every face (all band for a mesh without the labels, e.g. imported)."""
    out = np.zeros(len(mesh.polygons), dtype=np.int32)
    attr = mesh.attributes.get(PART_ATTR)
    if attr is not None and attr.domain == "FACE" and len(attr.data) == len(out):
        attr.data.foreach_get("value", out)
    return out


def _fuse_with(
    base, parts, cutters, name, solver, labels, later=()
) -> tuple[bpy.types.Mesh, float]:
    scratch = []
    unions = bpy.data.collections.new("aura_scratch_union")
    cuts = bpy.data.collections.new("aura_scratch_cut")
    holder = bpy.data.collections.new("aura_scratch")
    steps = [(op, meshes, bpy.data.collections.new(f"aura_scratch_{k}"))
             for k, (op, meshes) in enumerate(later) if meshes]  # fmt: skip
    try:
        target = new_object(f"{name}_fuse", base)
        label_faces(target.data, PART_BAND)
        scratch.append(target)
        for i, (part, label) in enumerate(zip(parts, labels, strict=True)):
            scratch.append(new_object(f"part{i}", part, unions))
            label_faces(scratch[-1].data, label)
        for i, cutter in enumerate(cutters):
            scratch.append(new_object(f"cut{i}", cutter, cuts))
            label_faces(scratch[-1].data, PART_SEAT)
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
        for k, (op, meshes, coll) in enumerate(steps):
            for i, mesh in enumerate(meshes):
                scratch.append(new_object(f"step{k}_{i}", mesh, coll))
                label_faces(scratch[-1].data, PART_HEAD if op == "UNION" else PART_SEAT)
            holder.children.link(coll)
            coll.hide_render = True
            _boolean(target, op, coll, solver)
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
        for coll in (holder, unions, cuts, *(c for _op, _m, c in steps)):
            bpy.data.collections.remove(coll)
