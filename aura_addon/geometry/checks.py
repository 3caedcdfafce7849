"""Print and casting checks on the fused metal: closed and manifold, one shell, no
self-intersections, wall thickness by ray casting, inner diameter measured from the mesh,
volume and weight of the chosen alloy."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import bmesh
import bpy
import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from . import topology
from .meshdata import signed_volume
from .scene import mesh_arrays

MIN_WALL_MM = 0.6  # lost-wax casting minimum
MIN_SHANK_MM = 1.2  # thinner shanks bend
WALL_SAMPLES = 4000


@dataclass
class Check:
    name: str
    passed: bool
    value: float | int | None
    threshold: float | int | None
    message: str = ""


@dataclass
class MeshStats:
    volume_mm3: float
    non_manifold_edges: int
    shells: int
    self_intersections: int
    min_wall_mm: float | None
    thin_faces: list[int] = field(default_factory=list)  # faces whose wall is under the minimum
    inner_diameter_mm: float | None = None
    bounds_mm: list[list[float]] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("thin_faces")
        return d


def _plane_cut(tri: np.ndarray, dist: np.ndarray, axis: np.ndarray) -> tuple[float, float]:
    """Where a triangle crosses a plane (signed corner distances `dist`), as an interval of
    positions along `axis`, the line shared by the two planes."""
    points = []
    for i in range(3):
        j = (i + 1) % 3
        if dist[i] == 0:
            points.append(tri[i])
        if dist[i] * dist[j] < 0:
            points.append(tri[i] + (tri[j] - tri[i]) * (dist[i] / (dist[i] - dist[j])))
    pos = [float(np.dot(p, axis)) for p in points]
    return min(pos), max(pos)


def _crossing(a: np.ndarray, b: np.ndarray, eps: float = 1e-6) -> bool:
    """True when two triangles pass through each other (touching does not count)."""
    na = np.cross(a[1] - a[0], a[2] - a[0])
    nb = np.cross(b[1] - b[0], b[2] - b[0])
    la, lb = np.linalg.norm(na), np.linalg.norm(nb)
    if la < 1e-12 or lb < 1e-12:
        return False  # degenerate sliver: no area to cross
    db = (b - a[0]) @ na / la
    da = (a - b[0]) @ nb / lb
    db[np.abs(db) < eps] = 0
    da[np.abs(da) < eps] = 0
    if db.min() >= 0 or db.max() <= 0 or da.min() >= 0 or da.max() <= 0:
        return False  # one lies on one side of the other's plane (at most touching it)
    axis = np.cross(na, nb)
    axis /= np.linalg.norm(axis)
    a0, a1 = _plane_cut(a, da, axis)
    b0, b1 = _plane_cut(b, db, axis)
    return min(a1, b1) - max(a0, b0) > eps


def self_intersections(verts: np.ndarray, tris: np.ndarray) -> int:
    """Pairs of triangles that pass through each other. The BVH gives candidate pairs from
    the mesh's own triangulation (a BVH of n-gons splits them its own way, and the halves of
    a non-planar n-gon then seem to overlap their neighbours); neighbours (a shared corner)
    are dropped in bulk, and each remaining candidate is tested exactly, so faces that merely
    touch along a seam of the boolean are not counted."""
    tree = BVHTree.FromPolygons(verts.tolist(), tris.tolist(), all_triangles=True)
    pairs = np.array(tree.overlap(tree), dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    corners_a, corners_b = tris[pairs[:, 0]], tris[pairs[:, 1]]
    apart = ~(corners_a[:, :, None] == corners_b[:, None, :]).any(axis=(1, 2))
    return sum(1 for a, b in pairs[apart] if _crossing(verts[tris[a]], verts[tris[b]]))


def wall_thickness(bm, tree: BVHTree, threshold: float, samples: int = WALL_SAMPLES):
    """Minimum wall over sampled faces: from each face centre, a ray inward along the normal
    to the far side of the metal. Returns (min thickness, faces under the threshold)."""
    faces = bm.faces
    step = max(1, len(faces) // samples)
    best = math.inf
    thin = []
    for i in range(0, len(faces), step):
        f = faces[i]
        n = f.normal
        if n.length < 0.5:
            continue
        origin = f.calc_center_median() - n * 1e-4
        hit, hit_normal, index, dist = tree.ray_cast(origin, -n)
        if hit is None or hit_normal.dot(-n) <= 0:  # must leave the metal through its far side
            continue
        dist += 1e-4
        best = min(best, dist)
        if dist < threshold:
            thin.append(f.index)
    return (best if best < math.inf else None), thin


def inner_diameter(tree: BVHTree, rays: int = 720) -> float | None:
    """Largest circle around the finger axis that touches no metal, in the plane y = 0:
    rays from the axis outward, twice the nearest hit."""
    nearest = math.inf
    for k in range(rays):
        a = 2 * math.pi * k / rays
        hit, _n, _i, dist = tree.ray_cast(Vector((0, 0, 0)), Vector((math.sin(a), 0, math.cos(a))))
        if hit is not None:
            nearest = min(nearest, dist)
    return 2 * nearest if nearest < math.inf else None


def mesh_stats(mesh: bpy.types.Mesh, wall_threshold: float = MIN_WALL_MM) -> MeshStats:
    bm = bmesh.new()
    bm.from_mesh(mesh)
    try:
        bm.faces.ensure_lookup_table()
        bm.normal_update()
        tree = BVHTree.FromBMesh(bm)
        verts, tris = mesh_arrays(mesh)
        min_wall, thin = wall_thickness(bm, tree, wall_threshold)
        co = verts if len(verts) else np.zeros((1, 3))
        return MeshStats(
            volume_mm3=signed_volume(verts, tris),
            non_manifold_edges=topology.non_manifold_edges(mesh),
            shells=topology.shells(mesh),
            self_intersections=self_intersections(verts, tris),
            min_wall_mm=min_wall,
            thin_faces=thin,
            inner_diameter_mm=inner_diameter(tree),
            bounds_mm=[co.min(axis=0).round(4).tolist(), co.max(axis=0).round(4).tolist()],
        )
    finally:
        bm.free()


def evaluate(
    stats: MeshStats,
    *,
    expected_diameter: float,
    shank_thickness: float,
    wall_threshold: float = MIN_WALL_MM,
) -> list[Check]:
    """The pass/fail list a bench jeweler reads."""
    checks = [
        Check(
            "manifold",
            stats.non_manifold_edges == 0,
            stats.non_manifold_edges,
            0,
            "edges not shared by exactly two faces",
        ),
        Check("one_shell", stats.shells == 1, stats.shells, 1, "separate bodies in the metal"),
        Check(
            "no_self_intersections",
            stats.self_intersections == 0,
            stats.self_intersections,
            0,
            "pairs of intersecting faces",
        ),
        Check(
            "min_wall",
            stats.min_wall_mm is not None and stats.min_wall_mm >= wall_threshold,
            _round(stats.min_wall_mm),
            wall_threshold,
            "thinnest wall found by ray casting, mm",
        ),
        Check(
            "inner_diameter",
            stats.inner_diameter_mm is not None
            and abs(stats.inner_diameter_mm - expected_diameter) <= 0.02,
            _round(stats.inner_diameter_mm),
            round(expected_diameter, 3),
            "measured inside the ring; must match the size within 0.02 mm",
        ),
        Check(
            "shank_thickness",
            shank_thickness >= MIN_SHANK_MM,
            round(shank_thickness, 3),
            MIN_SHANK_MM,
            "thinner shanks bend in wear, mm",
        ),
    ]
    return checks


def _round(value):
    return None if value is None else round(value, 4)
