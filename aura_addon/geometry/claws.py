"""Swept wires with a shaped section: tapered prong claws, gallery arches.

A section is a closed 2D outline in a frame that travels along the path: `o` (the wire's
"outward" side, e.g. away from the stone) and `t` (square to it). The frame is taken from a
fixed side vector (one the path never runs along) projected square to the path at every
point, so it never twists; o = t x tangent.
"""

from __future__ import annotations

import math

import numpy as np

from .meshdata import MeshData, loft

SECTION_POINTS = 16


def circle(r_o: float, r_t: float | None = None, n: int = SECTION_POINTS) -> np.ndarray:
    """An ellipse (a circle when r_t is None), as (n, 2) points in (o, t)."""
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([r_o * np.cos(a), (r_t if r_t is not None else r_o) * np.sin(a)])


def diamond(a: float, n: int = SECTION_POINTS, power: float = 1.6) -> np.ndarray:
    """A rounded square standing on a corner (corners on +-o and +-t): the V-prong, whose
    inner corner takes a stone's point in its notch."""
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(ang), np.sin(ang)
    e = 2.0 / power
    return np.column_stack([a * np.sign(c) * np.abs(c) ** e, a * np.sign(s) * np.abs(s) ** e])


def bezier(p0, p1, p2, p3, n: int) -> np.ndarray:
    """n points of a cubic Bezier curve (end points included)."""
    s = np.linspace(0, 1, n)[:, None]
    p0, p1, p2, p3 = (np.asarray(p, dtype=float) for p in (p0, p1, p2, p3))
    return (1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * p1 + 3 * (1 - s) * s**2 * p2 + s**3 * p3


def _tangents(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dirs = np.diff(pts, axis=0)
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    mid = dirs[:-1] + dirs[1:]
    mid /= np.linalg.norm(mid, axis=1, keepdims=True)
    return np.vstack([dirs[:1], mid, dirs[-1:]]), dirs


def sweep(
    points,
    sections: list[np.ndarray],
    side,
    cap_start: float = 0.0,
    cap_end: float = 1.0,
) -> MeshData:
    """A closed wire through `points` with one section per point. The ends are domes of
    height cap * (section's o extent): 0 gives a flat end (a foot buried in other metal)."""
    pts = np.asarray(points, dtype=float)
    ref = np.asarray(side, dtype=float)
    tangents, _dirs = _tangents(pts)
    rings, frames = [], []
    for i, (p, tau) in enumerate(zip(pts, tangents, strict=True)):
        t = ref - np.dot(ref, tau) * tau
        t /= np.linalg.norm(t)
        o = np.cross(t, tau)
        sec = sections[i]
        rings.append(p + np.outer(sec[:, 0], o) + np.outer(sec[:, 1], t))
        frames.append((o, t, tau))
    start = _dome(pts[0], sections[0], frames[0], -cap_start, reverse=True)
    end = _dome(pts[-1], sections[-1], frames[-1], cap_end)
    return loft(start + rings + end, cap_first=not start, cap_last=not end)


def _dome(centre, section, frame, height: float, reverse: bool = False) -> list[np.ndarray]:
    if height == 0:
        return []
    o, t, tau = frame
    reach = float(np.abs(section[:, 0]).max()) * height  # signed: negative goes backwards
    rings = []
    for k in range(1, 4):
        a = math.pi / 2 * k / 4
        sec = section * math.cos(a)
        rings.append(
            centre + np.outer(sec[:, 0], o) + np.outer(sec[:, 1], t) + tau * reach * math.sin(a)
        )
    rings.append(np.atleast_2d(centre + tau * reach))
    return rings[::-1] if reverse else rings
