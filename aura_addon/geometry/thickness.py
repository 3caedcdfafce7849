"""Walls and gaps of a closed mesh, measured by inscribed spheres.

A wall is as thick as the largest ball that fits inside the metal there; a gap as wide as the
largest ball that fits between facing metal surfaces (where the investment must go). For
each sampled surface point p with outward normal n:

1. the ball of the minimum's diameter tangent at p (centre p -+ n * R) is tried: when no
   surface comes closer to its centre than R, the wall (gap) at p is at least the minimum;
2. otherwise the ball is pushed away from the surface that crowds it, and p still passes when
   a ball of that size fits within `REACH_MM` of p: a point on a square edge of a thick part
   is not a thin wall (a 90-degree edge needs 0.17 mm of reach at 0.8 mm), while a knife edge
   sharper than about 75 degrees, a sheet or a wire thinner than the minimum, and a wedge
   crevice between two surfaces are caught;
3. a point that fails gets its own measure, the largest ball tangent at it (the shrinking
   ball of Ma, Bai and Zhao), so the report says how thin it is.

The metal's surface is `tree` (a BVH of the mesh's triangles); points are triangle centres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mathutils import Vector

REACH_MM = 0.2  # how far from p the passing ball may sit (see the module docstring)
SLIVER_MM = 0.01  # triangles thinner than this (shortest height) are not measured from
PUSH_STEPS = 12
FIT_SLACK = 0.01  # a ball within 1 % of the size fits (the push converges towards it)
SHRINK_STEPS = 16


@dataclass
class BallMeasure:
    """Per sampled point: whether a ball of the minimum fits, and the measured diameter of the
    points that fail (nan where it passes)."""

    samples: np.ndarray  # indices of the sampled triangles
    passed: np.ndarray  # bool per sample
    diameter: np.ndarray  # float per sample: nan where passed


def triangle_frames(verts: np.ndarray, tris: np.ndarray):
    """(centres, unit normals, sound) of triangles; sound: not the needle-thin slivers a
    boolean leaves along its seams, whose centres lie on the crease itself and whose
    normals cannot be trusted (shortest height under SLIVER_MM)."""
    corners = verts[tris] if len(tris) else np.zeros((0, 3, 3))
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    area2 = np.linalg.norm(cross, axis=1)
    normals = np.divide(
        cross, area2[:, None], out=np.zeros_like(cross), where=area2[:, None] > 1e-12
    )
    longest = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).max(axis=1, initial=0)
    sound = area2 / np.maximum(longest, 1e-12) >= SLIVER_MM
    return corners.mean(axis=1), normals, sound


def sample_triangles(candidates: np.ndarray, samples: int) -> np.ndarray:
    """Evenly spread triangle indices from `candidates`, at most `samples` of them."""
    step = max(1, -(-len(candidates) // samples))
    return candidates[::step]


def _fits(tree, p: Vector, n: Vector, radius: float, side: float) -> bool:
    """A ball of `radius` on the `side` (-1 inside, +1 outside) of the surface, touching it
    within REACH_MM of p: searched from the ball tangent at p, then from one set deeper
    (the push is a local search; a step beside a corner can trap the first)."""
    return _fits_from(tree, p, n, radius, side, radius) or _fits_from(
        tree, p, n, radius, side, radius + REACH_MM
    )


def _fits_from(tree, p: Vector, n: Vector, radius: float, side: float, depth: float) -> bool:
    c = p + n * (side * depth)
    for step in range(PUSH_STEPS):
        q, qn, _i, dist = tree.find_nearest(c)
        if q is None:
            return True
        away = c - q
        # the first ball is reached from p along the normal: when it is clear of the surface
        # it is on p's side; a pushed one is checked against its nearest face
        right_side = away.dot(qn) * side >= 0
        if (step == 0 or right_side) and dist >= radius * (1 - FIT_SLACK):
            return (c - p).length <= radius + REACH_MM
        if right_side and away.length > 1e-9:
            c = q + away.normalized() * radius
        else:  # crossed the surface: back to its proper side
            c = q + qn * (side * radius)
        if (c - p).length > radius + REACH_MM + radius:
            return False
    return False


def _shrinking_ball(tree, p: Vector, n: Vector, radius: float, side: float) -> float:
    """Diameter of the largest ball tangent at p on `side`, at most 2 * radius."""
    d = n * side
    r = radius
    for _ in range(SHRINK_STEPS):
        q, _qn, _i, dist = tree.find_nearest(p + d * r)
        if q is None or dist >= r * (1 - 1e-3):
            break
        pq = q - p
        denom = 2 * d.dot(pq)
        if denom <= 1e-12:
            break
        smaller = pq.length_squared / denom
        if smaller >= r:
            break
        r = smaller
    return 2 * r


def measure(tree, tri_points: np.ndarray, tri_normals: np.ndarray, minimum: float,
            side: float, samples: np.ndarray) -> BallMeasure:  # fmt: skip
    """Balls of diameter `minimum` inside (side -1: walls) or outside (+1: gaps) the metal."""
    radius = minimum / 2
    passed = np.ones(len(samples), dtype=bool)
    diameter = np.full(len(samples), np.nan)
    for k, t in enumerate(samples):
        n = Vector(tri_normals[t])
        if n.length < 0.5:
            continue  # a degenerate triangle has no side to measure from
        p = Vector(tri_points[t])
        if _fits(tree, p, n, radius, side):
            continue
        passed[k] = False
        diameter[k] = _shrinking_ball(tree, p, n, radius, side)
    return BallMeasure(samples, passed, diameter)
