"""Make a motif castable before it is fused: a flat back, and every region thinner than the
process's minimum wall grown until it reaches it; the front, its look, is kept.

1. Flat back. A sculpted motif is often a pillow, domed behind as in front. Set on a band,
   its domed back would rise away from the band's top in wedge crevices that investment
   cannot fill (Stuller: gaps of at least 0.3 mm). Below its widest outline (its
   "equator") the motif drops square to a flat back instead; set into the band's top
   (motif.wrapped), the band's upright sides meet that back square.
2. Grow where thin. The wall at every vertex is measured by inscribed balls (thickness.py,
   the same measure as the final check). A vertex where a ball of the minimum does not fit
   moves outward by half its deficit (both faces of a thin sheet move, so the sheet gains
   the whole deficit); the moves are smoothed over the neighbours so the surface swells
   instead of growing spikes, and a vertex on a knife ridge (measured under a quarter
   of the minimum) is first drawn halfway to its neighbours' mean, which rounds it off. In small steps, measured again after each, until every vertex
   passes or `ROUNDS` are spent. A knife edge or needle point is a thin region like any
   other: it is rounded out to the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from mathutils.bvhtree import BVHTree

from . import thickness
from .checks import self_intersections
from .meshdata import MeshData

MARGIN = 1.0  # grow to the minimum itself: the fused ring is measured again
ROUNDS = 6
STEP_SHARE = 0.12  # a round moves a vertex at most this share of the minimum: small steps,
# measured again after each, so a point measured too thin is not blown up
RIDGE_SHARE = 0.25  # a vertex measured under a quarter of the minimum is on a knife ridge or
# a spike: it is rounded off as well as grown (a thin sheet is only grown)
SMOOTHING = 3  # neighbour-averaging passes over the outward moves
EQUATOR_SHARE = 0.03  # the outermost 3 % of the outline (per direction) set the flat back


@dataclass
class Preparation:
    """What was done to make a motif castable, for the report."""

    equator_mm: float = 0.0  # height of the widest outline above the lowest point
    thin_before: int = 0  # vertices thinner than the minimum, as the motif came
    thin_after: int = 0  # ...and after the preparation (0 when it is castable)
    rounds: int = 0
    min_wall_mm: float = 0.0
    flat_back: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "equator_mm": round(self.equator_mm, 3),
            "thin_vertices_before": self.thin_before,
            "thin_vertices_after": self.thin_after,
            "rounds": self.rounds,
            "min_wall_mm": self.min_wall_mm,
            "flat_back": self.flat_back,
            "notes": self.notes,
        }


def equator_z(verts: np.ndarray, bins: int = 72) -> float:
    """Height of the motif's widest outline: the median height of the vertices lying
    furthest out from its centre, direction by direction, seen from the front."""
    centre = (verts[:, :2].min(axis=0) + verts[:, :2].max(axis=0)) / 2
    rel = verts[:, :2] - centre
    reach = np.hypot(rel[:, 0], rel[:, 1])
    sector = ((np.arctan2(rel[:, 1], rel[:, 0]) + np.pi) / (2 * np.pi) * bins).astype(int) % bins
    outer = np.zeros(len(verts), dtype=bool)
    for k in range(bins):
        idx = np.nonzero(sector == k)[0]
        if len(idx):
            cut = np.quantile(reach[idx], 1 - EQUATOR_SHARE)
            outer[idx[reach[idx] >= cut]] = True
    return float(np.median(verts[outer, 2]))


def flat_backed(shape: MeshData) -> MeshData:
    """The motif with everything behind its equator pushed straight back onto the plane of
    its lowest point: below its widest outline it drops square to a flat back, as an
    appliqué sits on its base. The front, what anyone sees, is untouched."""
    z0 = equator_z(shape.verts)
    verts = shape.verts.copy()
    verts[verts[:, 2] < z0, 2] = float(shape.verts[:, 2].min())
    return MeshData(verts, shape.faces)


def _vertex_normals(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    corners = verts[tris]
    face = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(verts)
    for k in range(3):
        np.add.at(normals, tris[:, k], face)  # area-weighted
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.divide(normals, length, out=np.zeros_like(normals), where=length > 1e-12)


def _smoothed(values: np.ndarray, tris: np.ndarray, passes: int) -> np.ndarray:
    """Each value raised towards the mean of its neighbours (never lowered): a lone thin
    vertex's move spreads to its ring, so the surface swells smoothly."""
    a = np.concatenate([tris[:, 0], tris[:, 1], tris[:, 2]])
    b = np.concatenate([tris[:, 1], tris[:, 2], tris[:, 0]])
    out = values
    for _ in range(passes):
        total = np.bincount(a, weights=out[b], minlength=len(out))
        count = np.bincount(a, minlength=len(out))
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        out = np.maximum(out, mean)
    return out


def _rounded(verts: np.ndarray, tris: np.ndarray, where: np.ndarray) -> np.ndarray:
    """`where` vertices moved halfway to the mean of their neighbours: a knife ridge or a
    spike is rounded off (growing alone would only lift it, as sharp as before)."""
    a = np.concatenate([tris[:, 0], tris[:, 1], tris[:, 2]])
    b = np.concatenate([tris[:, 1], tris[:, 2], tris[:, 0]])
    count = np.bincount(a, minlength=len(verts))[:, None]
    total = np.stack(
        [np.bincount(a, weights=verts[b, k], minlength=len(verts)) for k in range(3)], 1
    )
    mean = np.divide(total, count, out=verts.copy(), where=count > 0)
    out = verts.copy()
    out[where] = (verts[where] + mean[where]) / 2
    return out


def thin_vertices(verts: np.ndarray, tris: np.ndarray, minimum: float):
    """(indices, measured diameters) of the corners of triangles where a ball of `minimum`
    does not fit, measured from each sound triangle's centre along its own normal (as the
    final check measures: a vertex on a crease has no one normal to measure along)."""
    tree = BVHTree.FromPolygons(verts.tolist(), tris.tolist(), all_triangles=True)
    centres, normals, sound = thickness.triangle_frames(verts, tris)
    picked = np.nonzero(sound)[0]
    found = thickness.measure(tree, centres, normals, minimum, -1.0, picked)
    bad = ~found.passed
    worst = np.full(len(verts), np.inf)
    for k in range(3):
        np.minimum.at(worst, tris[picked[bad], k], found.diameter[bad])
    idx = np.nonzero(np.isfinite(worst))[0]
    return idx, worst[idx]


def _already_flat(shape: MeshData) -> bool:
    """Most of what lies below the equator already on the lowest plane: a flat back as it
    is (pressing its upright sides down too would only crush their triangles)."""
    z = shape.verts[:, 2]
    lo, z0 = float(z.min()), equator_z(shape.verts)
    below = z < z0
    on_back = np.abs(z - lo) <= 0.01 * max(float(np.ptp(z)), 1e-9)
    return bool(below.any()) and on_back[below].mean() >= 0.5


def _folded(shape: MeshData) -> bool:
    """Surfaces passing through each other, or lying on each other in the flat back (a
    triangle of the back facing up into the motif: two layers pressed into one plane)."""
    tris = shape.triangles()
    corners = shape.verts[tris]
    lo = float(shape.verts[:, 2].min())
    in_back = (np.abs(corners[:, :, 2] - lo) < 1e-9).all(axis=1)
    up = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])[:, 2] > 1e-12
    return bool((in_back & up).any()) or self_intersections(shape.verts, tris) > 0


def make_castable(shape: MeshData, min_wall: float) -> tuple[MeshData, Preparation]:
    """The motif (closed, outward, millimetres) made castable at `min_wall`. A step that
    would fold the surface through itself is not taken (a motif that is no relief, such as
    a knot whose strands cross, keeps its back), and the report says so."""
    prep = Preparation(min_wall_mm=min_wall)
    prep.equator_mm = equator_z(shape.verts) - float(shape.verts[:, 2].min())
    flat = flat_backed(shape)
    if _already_flat(shape):
        prep.flat_back = True
    elif _folded(flat):
        prep.notes.append("not a relief: its back is kept as modelled")
    else:
        shape, prep.flat_back = flat, True
    target = min_wall * MARGIN
    best = None  # (thin vertices, round, shape): a round that made it worse is undone
    for rnd in range(ROUNDS + 1):
        tris = shape.triangles()
        idx, diameters = thin_vertices(shape.verts, tris, target)
        if rnd == 0:
            prep.thin_before = len(idx)
        if best is None or len(idx) < best[0]:
            best = (len(idx), rnd, shape)
        if len(idx) == 0 or rnd == ROUNDS:
            break
        move = np.zeros(len(shape.verts))
        deficit = (target - np.nan_to_num(diameters, nan=target)) / 2
        move[idx] = np.minimum(deficit, target * STEP_SHARE) + 0.01
        move = _smoothed(move, tris, SMOOTHING)
        ridge = np.zeros(len(shape.verts), dtype=bool)
        ridge[idx] = np.nan_to_num(diameters, nan=target) < target * RIDGE_SHARE
        verts = _rounded(shape.verts, tris, ridge)
        normals = _vertex_normals(verts, tris)
        grown = MeshData(verts + normals * move[:, None], shape.faces)
        if self_intersections(grown.verts, grown.triangles()):
            prep.notes.append("growing further would fold the surface: stopped")
            break
        shape = grown
    prep.thin_after, prep.rounds, shape = best
    if prep.thin_after:
        prep.notes.append(
            f"{prep.thin_after} vertices still thinner than {min_wall:g} mm after "
            f"{prep.rounds} rounds of growing"
        )
    return shape, prep
