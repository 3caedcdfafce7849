"""Prong and stone measurements on the FUSED metal (what gets cast), against the stone's mesh.

The builder says only where each claw's axis runs and which girdle point it holds; every
number here is read from the meshes:
- section: each claw cut square to its axis at samples from the band to the tip; the
  largest circle inscribed in its cross-section (the flo2-cad rule: >= 1.0 mm at the
  narrowest, lost-wax);
- grip: how far the claw's metal reaches inside the stone's girdle, over the stone (a ray
  down from the metal meets the stone), and never over the table;
- notch: the share of the claw's depth the seat takes at the girdle (at most a third);
- stone clearance: no metal inside the stone, and the culet out of the finger's room;
- bezel lip: how much of the crown the bezel's lip rises over (50-75 %).
Thresholds come from the process profile; every failure says where (part, mm, faces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..jewelry.process import ProcessProfile
from .checks import Check
from .meshdata import MeshData

SAMPLES = 8  # sections along each claw
GRID = 15  # inscribed-circle grid per section (GRID x GRID over the claw's disc), twice
LIP_RANGE = (0.5, 0.75)  # bezel lip over the crown (Revere, JCK)


@dataclass
class MeasuredCheck(Check):
    where: list[dict] = field(default_factory=list)  # part, position_mm, value, faces


@dataclass
class Metal:
    """The fused metal as arrays: vertices, triangles and each triangle's polygon."""

    verts: np.ndarray
    tris: np.ndarray
    polys: np.ndarray

    @classmethod
    def from_mesh(cls, mesh) -> Metal:
        from .scene import mesh_arrays

        verts, tris = mesh_arrays(mesh)
        polys = np.empty(len(tris), dtype=np.int32)
        mesh.loop_triangles.foreach_get("polygon_index", polys)
        return cls(verts, tris, polys)

    def faces_near(self, point, radius: float) -> list[int]:
        centres = self.verts[self.tris].mean(axis=1)
        near = np.linalg.norm(centres - np.asarray(point), axis=1) < radius
        return sorted({int(p) for p in self.polys[near]})


def _frame(normal, out):
    n = np.asarray(normal, dtype=float)
    n = n / np.linalg.norm(n)
    u = np.asarray(out, dtype=float) - np.dot(out, n) * n
    if np.linalg.norm(u) < 1e-6:
        u = np.cross(n, [0.0, 0.0, 1.0])
    u /= np.linalg.norm(u)
    return n, u, np.cross(n, u)


def section(tri_pts: np.ndarray, centre, normal, out) -> tuple[np.ndarray, np.ndarray]:
    """Where the plane through `centre` square to `normal` cuts the triangles (t, 3, 3):
    (s, 2, 2) segments in the plane's (out, side) coordinates centred on `centre`, and
    each segment's outward normal there (from the triangle's winding)."""
    n, u, v = _frame(normal, out)
    tri = tri_pts - centre
    dd = tri @ n
    dd[np.abs(dd) < 1e-9] = 1e-9  # a vertex on the plane counts as just above it
    crossing = (dd.min(axis=1) < 0) & (dd.max(axis=1) > 0)
    tri, dd = tri[crossing], dd[crossing]
    if len(tri) == 0:
        return np.zeros((0, 2, 2)), np.zeros((0, 2))
    cuts = []
    for i, j in ((0, 1), (1, 2), (2, 0)):
        cut = dd[:, i] * dd[:, j] < 0
        f = dd[:, i] / np.where(cut, dd[:, i] - dd[:, j], 1.0)
        cuts.append((cut, tri[:, i] + (tri[:, j] - tri[:, i]) * f[:, None]))
    mask = np.stack([c for c, _ in cuts], axis=1)  # exactly two edges of each cross it
    pts = np.stack([p for _, p in cuts], axis=1)[mask].reshape(-1, 2, 3)
    tn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.stack([tn @ u, tn @ v], axis=-1)
    return np.stack([pts @ u, pts @ v], axis=-1), normals


def _inside_distance(points: np.ndarray, segs: np.ndarray, normals: np.ndarray):
    """Distance from each point to the section's outline, and whether it is inside: the
    sign comes from the nearest segments' outward normals (summed over ties, so a corner's
    two segments agree), so a section cut short far away does not matter."""
    a, b = segs[:, 0], segs[:, 1]
    ab = b - a
    rel = points[:, None, :] - a[None]
    along = np.einsum("gsk,sk->gs", rel, ab) / np.maximum(np.einsum("sk,sk->s", ab, ab), 1e-18)
    gap = rel - ab * np.clip(along, 0, 1)[..., None]  # nearest point of each segment -> point
    dist = np.sqrt(np.einsum("gsk,gsk->gs", gap, gap))
    best = dist.min(axis=1)
    tied = dist <= best[:, None] + 1e-7
    side = np.einsum("gs,gs->g", np.einsum("gsk,sk->gs", gap, normals), tied)
    return best, side < 0


def inscribed(segs: np.ndarray, normals: np.ndarray, reach: float) -> tuple[float, np.ndarray]:
    """Diameter of the largest circle inside the section whose centre lies within `reach`
    of the axis, and that centre (plane coordinates). A coarse grid, then a fine one."""
    best, centre = 0.0, np.zeros(2)
    span, mid = reach, np.zeros(2)
    lo = np.minimum(np.linalg.norm(segs[:, 0], axis=1), np.linalg.norm(segs[:, 1], axis=1))
    keep = lo < reach + 0.8  # circles wider than that pass anyway
    segs, normals = segs[keep], normals[keep]
    if len(segs) == 0:
        return 0.0, centre
    for _ in range(2):
        g = np.linspace(-span, span, GRID)
        pts = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2) + mid
        pts = pts[np.linalg.norm(pts, axis=1) <= reach]
        dist, inside = _inside_distance(pts, segs, normals)
        if not inside.any():
            return best, centre
        k = int(np.argmax(np.where(inside, dist, -1.0)))
        if 2 * dist[k] > best:
            best, centre = 2 * float(dist[k]), pts[k]
        span, mid = 2 * span / (GRID - 1), centre
    return best, centre


def _path_samples(axis: np.ndarray, start: float, count: int):
    """Points and tangents along the polyline from `start` (a share of its length) to its end."""
    seg = np.diff(axis, axis=0)
    lengths = np.linalg.norm(seg, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    for s in np.linspace(start * cum[-1], cum[-1], count):
        i = min(int(np.searchsorted(cum, s, side="right")) - 1, len(seg) - 1)
        f = (s - cum[i]) / lengths[i]
        yield axis[i] + seg[i] * f, seg[i] / lengths[i]


def _bvh(mesh: MeshData) -> BVHTree:
    return BVHTree.FromPolygons([Vector(v) for v in mesh.verts], mesh.faces)


class _Stone:
    """The stone's mesh, measured: its girdle's top, its table, and 'is this over it'."""

    def __init__(self, stone: MeshData):
        self.mesh = stone
        self.tree = _bvh(stone)
        v = stone.verts
        self.centre = v.mean(axis=0)
        self.table_z = float(v[:, 2].max())
        # the girdle band is vertical: the outermost vertices in every direction lie on it
        tops = []
        for a in np.linspace(0, 2 * np.pi, 48, endpoint=False):
            reach = (v[:, :2] - self.centre[:2]) @ [math.cos(a), math.sin(a)]
            tops.append(v[reach >= reach.max() - 1e-6, 2].max())
        self.girdle_top = float(np.median(tops))
        bottoms = []
        for a in np.linspace(0, 2 * np.pi, 48, endpoint=False):
            reach = (v[:, :2] - self.centre[:2]) @ [math.cos(a), math.sin(a)]
            bottoms.append(v[reach >= reach.max() - 1e-6, 2].min())
        self.girdle_mid = (self.girdle_top + float(np.median(bottoms))) / 2
        self.bottom_z = float(v[:, 2].min())

    def girdle_point(self, near, out) -> np.ndarray | None:
        """The girdle under a claw: a ray from outside, inward along -out at girdle height."""
        z = self.girdle_top - 1e-3
        start = Vector((near[0] + out[0] * 3, near[1] + out[1] * 3, z))
        hit, _n, _i, _d = self.tree.ray_cast(start, Vector((-out[0], -out[1], 0.0)))
        return None if hit is None else np.array(hit)

    def under(self, point) -> float | None:
        """Height of the stone's surface straight under a point, if the stone is there."""
        hit, _n, _i, _d = self.tree.ray_cast(Vector(point), Vector((0, 0, -1)))
        return None if hit is None else hit.z


def measure_prong(metal: Metal, stone: _Stone, prong, tri_pts: np.ndarray | None = None) -> dict:
    """One claw: its narrowest section, grip over the girdle and seat notch, with places."""
    axis = np.asarray(prong.axis, dtype=float)
    out = np.asarray(prong.out, dtype=float)
    side = np.array([-out[1], out[0], 0.0])
    reach = 1.2  # mm from the axis an inscribed circle's centre may lie (claws are < 2.4 mm)
    lo, hi = axis.min(axis=0) - 3.0, axis.max(axis=0) + 3.0
    tri_pts = metal.verts[metal.tris] if tri_pts is None else tri_pts
    near = ((tri_pts.max(axis=1) > lo) & (tri_pts.min(axis=1) < hi)).all(axis=1)
    tri_pts = tri_pts[near]
    narrow, at = math.inf, None
    for c, tangent in _path_samples(axis, 0.15, SAMPLES):
        segs, normals = section(tri_pts, c, tangent, out)
        d = inscribed(segs, normals, reach)[0] if len(segs) else 0.0
        if d < narrow:
            narrow, at = d, c
    # the notch: a level section through the girdle band (the seat's wall there is upright);
    # the claw's section is symmetric about its axis, so its intact outer side tells how deep
    # its inner side would reach without the notch
    gz = stone.girdle_mid
    k = int(np.clip(np.searchsorted(axis[:, 2], gz), 1, len(axis) - 1))
    f = (gz - axis[k - 1, 2]) / (axis[k, 2] - axis[k - 1, 2])
    c = axis[k - 1] + (axis[k] - axis[k - 1]) * f
    segs, _normals = section(tri_pts, c, (0.0, 0.0, 1.0), out)
    notch = None
    pts = segs.reshape(-1, 2)
    pts = pts[np.linalg.norm(pts, axis=1) < reach * 1.6]
    if len(pts) >= 3 and pts[:, 0].max() > 0:
        o_max, o_min = pts[:, 0].max(), pts[:, 0].min()
        notch = max(0.0, float((o_min + o_max) / (2 * o_max)))
    # the grip: metal above the girdle, over the stone, inward of the girdle point
    girdle = stone.girdle_point(prong.girdle, out)
    grip, over_table, reach_pt = -math.inf, 0, None
    if girdle is not None:
        rel = metal.verts - girdle
        across = np.abs(rel @ side)
        inward = -(rel @ out)
        mine = (across < 1.5) & (inward > 0) & (inward < 3.0)
        mine &= metal.verts[:, 2] > stone.girdle_top
        for i in np.flatnonzero(mine):
            z = stone.under(metal.verts[i])
            if z is None:
                continue
            if z >= stone.table_z - 1e-3:
                over_table += 1
            if inward[i] > grip:
                grip, reach_pt = float(inward[i]), metal.verts[i]
    return {
        "part": prong.label,
        "style": prong.style,
        "narrowest_mm": round(narrow, 4) if narrow < math.inf else None,
        "narrowest_at_mm": None if at is None else np.round(at, 3).tolist(),
        "grip_mm": round(grip, 4) if grip > -math.inf else 0.0,
        "grip_at_mm": None if reach_pt is None else np.round(reach_pt, 3).tolist(),
        "over_table_vertices": over_table,
        "notch_fraction": None if notch is None else round(notch, 4),
        "girdle_mm": None if girdle is None else np.round(girdle, 3).tolist(),
    }


def stone_clearance(metal: Metal, stone: _Stone) -> tuple[float, np.ndarray | None]:
    """Deepest metal vertex inside the stone (mm; 0 when none) and where it is."""
    lo, hi = stone.mesh.verts.min(axis=0), stone.mesh.verts.max(axis=0)
    near = np.flatnonzero(((metal.verts > lo) & (metal.verts < hi)).all(axis=1))
    deepest, where = 0.0, None
    for i in near:
        p = Vector(metal.verts[i])
        loc, normal, _i, dist = stone.tree.find_nearest(p)
        if loc is not None and (p - loc).dot(normal) < 0 and dist > deepest:
            deepest, where = dist, metal.verts[i]
    return deepest, where


def measure_head(metal: Metal, stone_mesh: MeshData, prongs, bezel: bool, inner_radius,
                 profile: ProcessProfile) -> tuple[list[MeasuredCheck], dict]:  # fmt: skip
    """Every prong and stone check of one head, and the figures for the report."""
    stone = _Stone(stone_mesh)
    checks: list[MeasuredCheck] = []
    figures: dict = {"thresholds": {
        "min_prong_mm": profile.min_prong_mm, "min_grip_mm": profile.min_grip_mm,
        "max_notch_fraction": round(profile.max_notch_fraction, 4),
        "min_culet_clearance_mm": profile.min_culet_clearance_mm,
    }}  # fmt: skip
    if prongs:
        tri_pts = metal.verts[metal.tris]
        rows = [measure_prong(metal, stone, p, tri_pts) for p in prongs]
        figures["prongs"] = rows
        checks += _prong_checks(metal, rows, profile)
    if bezel:
        lip = _bezel_lip(metal, stone)
        figures["bezel_lip_fraction"] = None if lip is None else round(lip, 4)
        checks.append(MeasuredCheck(
            "bezel_lip", lip is not None and LIP_RANGE[0] <= lip <= LIP_RANGE[1],
            None if lip is None else round(lip, 4), list(LIP_RANGE),
            "share of the crown the bezel's lip rises over (50-75 %)",
        ))  # fmt: skip
    inside, where = stone_clearance(metal, stone)
    figures["metal_in_stone_mm"] = round(inside, 4)
    checks.append(MeasuredCheck(
        "stone_clearance", inside <= 1e-3, round(inside, 4), 0.0,
        "deepest metal inside a stone (outside its seat), mm",
        [] if where is None else [_where(metal, "stone seat", where, inside)],
    ))  # fmt: skip
    if inner_radius is not None:
        v = stone.mesh.verts
        room = np.hypot(v[:, 0], v[:, 2]) - inner_radius
        i = int(np.argmin(room))
        culet = float(room[i])
        figures["culet_clearance_mm"] = round(culet, 4)
        ok = culet >= profile.min_culet_clearance_mm
        checks.append(MeasuredCheck(
            "culet_clearance", ok, round(culet, 4), profile.min_culet_clearance_mm,
            "the stone's lowest point above the finger's room, mm",
            [] if ok else [{"part": "stone", "position_mm": np.round(v[i], 3).tolist(),
                            "value": round(culet, 4), "faces": []}],
        ))  # fmt: skip
    return checks, figures


def _where(metal: Metal, part: str, point, value) -> dict:
    return {
        "part": part,
        "position_mm": np.round(np.asarray(point), 3).tolist(),
        "value": None if value is None else round(float(value), 4),
        "faces": metal.faces_near(point, 0.8),
    }


def _prong_checks(metal: Metal, rows: list[dict], profile: ProcessProfile) -> list[MeasuredCheck]:
    def worst(key, fails, pick):
        vals = [r[key] if r[key] is not None else 0.0 for r in rows]
        bad = [r for r in rows if fails(r[key] if r[key] is not None else 0.0)]
        return pick(vals), bad

    value, bad = worst("narrowest_mm", lambda v: v < profile.min_prong_mm, min)
    sections = MeasuredCheck(
        "prong_section", not bad, round(value, 4), profile.min_prong_mm,
        "each claw's narrowest cross-section (inscribed circle), mm",
        [_where(metal, r["part"], r["narrowest_at_mm"] or [0, 0, 0], r["narrowest_mm"] or 0)
         for r in bad],
    )  # fmt: skip
    value, bad = worst("grip_mm", lambda v: v < profile.min_grip_mm, min)
    bad += [r for r in rows if r["over_table_vertices"] and r not in bad]
    grip = MeasuredCheck(
        "prong_grip", not bad, round(value, 4), profile.min_grip_mm,
        "how far each claw reaches over the girdle (never over the table), mm",
        [_where(metal, r["part"], r["grip_at_mm"] or r["girdle_mm"] or [0, 0, 0], r["grip_mm"])
         for r in bad],
    )  # fmt: skip
    value, bad = worst("notch_fraction", lambda v: v > profile.max_notch_fraction, max)
    bad += [r for r in rows if r["notch_fraction"] is None and r not in bad]
    notch = MeasuredCheck(
        "seat_notch", not bad, round(value, 4), round(profile.max_notch_fraction, 4),
        "share of a claw the seat notch takes at the girdle",
        [_where(metal, r["part"], r["girdle_mm"] or [0, 0, 0], r["notch_fraction"])
         for r in bad],
    )  # fmt: skip
    return [sections, grip, notch]


def _bezel_lip(metal: Metal, stone: _Stone) -> float | None:
    """Height of the bezel's lip over the girdle as a share of the crown: the highest metal
    within 2.5 mm outside the stone's girdle."""
    v = metal.verts
    rel = v[:, :2] - stone.centre[:2]
    radius = np.linalg.norm(stone.mesh.verts[:, :2] - stone.centre[:2], axis=1).max()
    near = (np.linalg.norm(rel, axis=1) < radius + 2.5) & (v[:, 2] > stone.girdle_top - 1.0)
    if not near.any():
        return None
    crown = stone.table_z - stone.girdle_top
    return float((v[near, 2].max() - stone.girdle_top) / crown)


def check_head(mesh, head, inner_diameter: float | None, profile: ProcessProfile):
    """The head's measured checks on a fused metal mesh (bpy): (checks, figures, faces to
    select). `head` is the builder's Head (the stone's mesh and where the claws run)."""
    metal = Metal.from_mesh(mesh)
    radius = None if inner_diameter is None else inner_diameter / 2
    found, figures = measure_head(metal, head.stone, head.prongs, head.bezel, radius, profile)
    faces = sorted({f for c in found if not c.passed for w in c.where for f in w["faces"]})
    return found, figures, faces
