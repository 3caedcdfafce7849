"""Print and casting checks on the fused metal, every value measured on the mesh and every
threshold from the process profile (jewelry/process.py): closed and manifold, one shell, no
self-intersections, walls and gaps by inscribed balls (thickness.py), the band's thickness
and width round the ring (band.py), the inner diameter. A failed check says where: the
part, the position in millimetres and the faces, for the report, the CLI and Select Failing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import bpy
import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..jewelry.process import ProcessProfile
from . import band, fuse, thickness, topology
from .meshdata import signed_volume
from .scene import DETAIL_INDEX, mesh_arrays

WALL_SAMPLES = 2500  # surface points measured for walls and gaps
CLUSTER_MM = 1.0  # failing points closer than this are one place to fix
WHERE_LIMIT = 8  # places listed per failed check (the worst first)
FACES_PER_PLACE = 60


@dataclass
class Check:
    name: str
    passed: bool
    value: float | int | None
    threshold: float | int | None
    message: str = ""
    # where it fails: [{"part", "position_mm", "value", "faces"}], the worst place first
    where: list[dict] = field(default_factory=list)


@dataclass
class MeshStats:
    volume_mm3: float
    non_manifold_edges: int
    shells: int
    self_intersections: int
    inner_diameter_mm: float | None = None
    bounds_mm: list[list[float]] = field(default_factory=list)
    triangles: int = 0


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


def self_intersections(verts: np.ndarray, tris: np.ndarray, tree: BVHTree | None = None) -> int:
    """Pairs of triangles that pass through each other. The BVH gives candidate pairs from
    the mesh's own triangulation (a BVH of n-gons splits them its own way, and the halves of
    a non-planar n-gon then seem to overlap their neighbours); neighbours (a shared corner)
    are dropped in bulk, and each remaining candidate is tested exactly, so faces that merely
    touch along a seam of the boolean are not counted."""
    if tree is None:
        tree = BVHTree.FromPolygons(verts.tolist(), tris.tolist(), all_triangles=True)
    pairs = np.array(tree.overlap(tree), dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    corners_a, corners_b = tris[pairs[:, 0]], tris[pairs[:, 1]]
    apart = ~(corners_a[:, :, None] == corners_b[:, None, :]).any(axis=(1, 2))
    return sum(1 for a, b in pairs[apart] if _crossing(verts[tris[a]], verts[tris[b]]))


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


@dataclass
class Surface:
    """A mesh's triangles with what the measurements need: BVH, centres, normals, and the
    polygon and part each triangle belongs to."""

    verts: np.ndarray
    tris: np.ndarray
    tree: BVHTree
    centres: np.ndarray
    normals: np.ndarray
    sound: np.ndarray  # triangles measured from (thickness.triangle_frames)
    polygon: np.ndarray  # triangle -> polygon index of the Blender mesh
    part: np.ndarray  # triangle -> fuse.PART_*
    detail: np.ndarray  # triangle of a fine detail (engraved letters) or touching one

    @classmethod
    def of(cls, mesh: bpy.types.Mesh) -> Surface:
        verts, tris = mesh_arrays(mesh)
        polygon = np.empty(len(tris), dtype=np.int32)
        mesh.loop_triangles.foreach_get("polygon_index", polygon)
        centres, normals, sound = thickness.triangle_frames(verts, tris)
        tree = BVHTree.FromPolygons(verts.tolist(), tris.tolist(), all_triangles=True)
        parts = fuse.face_parts(mesh)[polygon] if len(tris) else np.zeros(0, dtype=np.int32)
        return cls(
            verts,
            tris,
            tree,
            centres,
            normals,
            sound,
            polygon,
            parts,
            _details(mesh, verts, tris, polygon),
        )


DETAIL_MARGIN_MM = 1.0  # around engraved letters: a ball at the wall minimum would dip into them


def _details(
    mesh: bpy.types.Mesh, verts: np.ndarray, tris: np.ndarray, polygon: np.ndarray
) -> np.ndarray:
    """Triangles of engraved details (scene.DETAIL_INDEX, which the boolean carries) and those
    within DETAIL_MARGIN_MM of them: a ball tangent beside a letter dips into its groove, so
    walls and gaps measured there would be the letter's own; the engraving has its own
    depth check. Nearness by a grid of margin-sized cells (the letters' cells and theirs)."""
    index = np.zeros(len(mesh.polygons), dtype=np.int32)
    mesh.polygons.foreach_get("material_index", index)
    own = index[polygon] == DETAIL_INDEX if len(tris) else np.zeros(0, dtype=bool)
    if not own.any():
        return own
    lo = verts.min(axis=0)

    def cells(points):
        c = np.floor((points - lo) / DETAIL_MARGIN_MM).astype(np.int64)
        return c[:, 0] * 1_000_000 + c[:, 1] * 1_000 + c[:, 2]

    letters = np.floor((verts[np.unique(tris[own])] - lo) / DETAIL_MARGIN_MM).astype(np.int64)
    offsets = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)])
    near = (letters[:, None, :] + offsets[None]).reshape(-1, 3)
    marked = np.unique(near[:, 0] * 1_000_000 + near[:, 1] * 1_000 + near[:, 2])
    centres = verts[tris].mean(axis=1)
    return own | np.isin(cells(centres), marked)


def mesh_stats(mesh: bpy.types.Mesh, surface: Surface | None = None) -> MeshStats:
    """Topology, volume, self-intersections and the inner diameter of a mesh."""
    s = surface or Surface.of(mesh)
    co = s.verts if len(s.verts) else np.zeros((1, 3))
    return MeshStats(
        volume_mm3=signed_volume(s.verts, s.tris),
        non_manifold_edges=topology.non_manifold_edges(mesh),
        shells=topology.shells(mesh),
        self_intersections=self_intersections(s.verts, s.tris, s.tree),
        inner_diameter_mm=inner_diameter(s.tree),
        bounds_mm=[co.min(axis=0).round(4).tolist(), co.max(axis=0).round(4).tolist()],
        triangles=len(s.tris),
    )


@dataclass
class Measured:
    """Everything `casting_checks` found: the checks (with where they fail), the mesh's
    statistics, the failing polygons (for Select Failing) and the figures for the report."""

    checks: list[Check]
    stats: MeshStats
    failing_faces: list[int]
    figures: dict

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def casting_checks(
    mesh: bpy.types.Mesh,
    *,
    expected_diameter: float,
    profile: ProcessProfile,
    metal_name: str,
    samples: int = WALL_SAMPLES,
) -> Measured:
    """Measure the metal and judge it against the process profile's minimums. Every value
    comes from the mesh; every threshold from the profile (listed in `figures`)."""
    s = Surface.of(mesh)
    stats = mesh_stats(mesh, s)
    picked = thickness.sample_triangles(np.nonzero(s.sound & ~s.detail)[0], samples)
    gap_min = profile.gap_for(metal_name)
    walls = thickness.measure(s.tree, s.centres, s.normals, profile.min_wall_mm, -1.0, picked)
    gaps = thickness.measure(s.tree, s.centres, s.normals, gap_min, +1.0, picked)
    sections = band.sections(s.tree, s.part)
    measured = [x for x in sections if x.thickness_mm is not None]
    widths = [x for x in measured if x.width_mm is not None]

    checks = [
        Check("manifold", stats.non_manifold_edges == 0, stats.non_manifold_edges, 0,
              "edges not shared by exactly two faces"),
        Check("one_shell", stats.shells == 1, stats.shells, 1, "separate bodies in the metal"),
        Check("no_self_intersections", stats.self_intersections == 0, stats.self_intersections,
              0, "pairs of intersecting faces"),
        _ball_check("min_wall", walls, s, profile.min_wall_mm,
                    "thinnest wall: largest ball inside the metal, mm"),
        _ball_check("min_gap", gaps, s, gap_min,
                    "narrowest gap between facing metal surfaces the investment must fill, mm"),
        _band_check("band_thickness", measured, "thickness_mm", s, profile.min_band_mm,
                    f"band thickness every {band.STEP_DEG:g} degrees (head and motif left out), mm"),
        _band_check("band_width", widths, "width_mm", s, profile.min_band_mm,
                    f"band width every {band.STEP_DEG:g} degrees (head and motif left out), mm"),
        Check("inner_diameter",
              stats.inner_diameter_mm is not None
              and abs(stats.inner_diameter_mm - expected_diameter) <= 0.02,
              _round(stats.inner_diameter_mm), round(expected_diameter, 3),
              "measured inside the ring; must match the size within 0.02 mm"),
    ]  # fmt: skip
    failing = sorted({f for c in checks for w in c.where for f in w["faces"]})
    figures = {
        "profile": profile.name,
        "thresholds": {
            "min_wall_mm": profile.min_wall_mm,
            "min_gap_mm": gap_min,
            "min_band_mm": profile.min_band_mm,
            "inner_diameter_tolerance_mm": 0.02,
        },
        "min_wall_mm": checks[3].value,
        "min_gap_mm": checks[4].value,
        "band": {
            "step_deg": band.STEP_DEG,
            "sections_measured": len(measured),
            "sections_under_head_or_motif": len(sections) - len(measured),
            "min_thickness_mm": checks[5].value,
            "max_thickness_mm": _round(max((x.thickness_mm for x in measured), default=None)),
            "min_width_mm": checks[6].value,
            "max_width_mm": _round(max((x.width_mm for x in widths), default=None)),
        },
        "wall_samples": len(picked),
    }
    return Measured(checks, stats, failing, figures)


def _ball_check(name: str, found: thickness.BallMeasure, s: Surface, minimum: float,
                message: str) -> Check:  # fmt: skip
    """Pass when a ball of the minimum fits at every sampled point; the value is the smallest
    measured ball where one does not (else the minimum itself: every point reached it)."""
    bad = ~found.passed
    if not bad.any():
        return Check(
            name, True, minimum, minimum, message + " (a ball of the minimum fits everywhere)"
        )
    places = _places(s, found.samples[bad], found.diameter[bad])
    return Check(name, False, min(p["value"] for p in places), minimum, message, places)


def _band_check(name: str, sections, attr: str, s: Surface, minimum: float,
                message: str) -> Check:  # fmt: skip
    if not sections:
        return Check(name, False, None, minimum, message + ": no band section could be measured")
    values = np.array([getattr(x, attr) for x in sections])
    thin = [x for x, v in zip(sections, values, strict=True) if v < minimum]
    where = [
        {
            "part": "band",
            "position_mm": x.position_mm,
            "angle_deg": x.angle_deg,
            "value": _round(getattr(x, attr)),
            "faces": sorted({int(s.polygon[t]) for t in x.faces}),
        }
        for x in sorted(thin, key=lambda x: getattr(x, attr))[:WHERE_LIMIT]
    ]
    return Check(name, not thin, _round(float(values.min())), minimum, message, where)


def _places(s: Surface, tris: np.ndarray, values: np.ndarray) -> list[dict]:
    """Failing sample points grouped into places (points within CLUSTER_MM), worst first."""
    points = s.centres[tris]
    near = np.linalg.norm(points[:, None] - points[None], axis=2) < CLUSTER_MM
    a, b = np.nonzero(np.triu(near, 1))
    groups = topology.components(len(tris), a, b)
    places = []
    for g in np.unique(groups):
        members = np.nonzero(groups == g)[0]
        worst = members[np.argmin(values[members])]
        typical = float(np.median(values[members]))  # a corner's own ball is smaller still
        parts = np.bincount(s.part[tris[members]], minlength=len(fuse.PART_NAMES))
        faces = sorted({int(s.polygon[t]) for t in tris[members]})
        places.append({
            "part": fuse.PART_NAMES.get(int(np.argmax(parts)), "metal"),
            "position_mm": [round(float(c), 3) for c in points[worst]],
            "value": _round(typical),
            "smallest": _round(float(values[worst])),
            "faces": faces[:FACES_PER_PLACE],
            "points": len(members),
        })  # fmt: skip
    places.sort(key=lambda p: p["value"])
    return places[:WHERE_LIMIT]


def _round(value):
    return None if value is None else round(value, 4)
