"""Plain mesh data (numpy vertices + polygon index lists) and the closed shapes built from it.

Every shape here is a closed, consistently outward-oriented surface, so it can go straight
into a MANIFOLD boolean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def signed_volume(verts: np.ndarray, tris: np.ndarray) -> float:
    """Enclosed volume (positive when the faces point outward), by the divergence theorem."""
    if len(tris) == 0:
        return 0.0
    t = verts[tris]
    return float(np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2])).sum()) / 6.0


@dataclass
class MeshData:
    verts: np.ndarray  # (n, 3) float, millimetres
    faces: list[tuple[int, ...]]
    detail: bool = False  # a fine detail's faces (engraved letters): the wall check measures
    # them against the detail minimum, the rest of the metal against the wall minimum

    def translated(self, offset) -> MeshData:
        return MeshData(self.verts + np.asarray(offset, dtype=float), self.faces, self.detail)

    def triangles(self) -> np.ndarray:
        """(m, 3) vertex indices: every polygon split into a fan from its first corner."""
        by_size: dict[int, list] = {}
        for f in self.faces:
            by_size.setdefault(len(f), []).append(f)
        tris = []
        for size, group in by_size.items():
            arr = np.asarray(group, dtype=np.int64)
            for k in range(1, size - 1):
                tris.append(arr[:, [0, k, k + 1]])
        return np.concatenate(tris) if tris else np.zeros((0, 3), dtype=np.int64)

    def volume(self) -> float:
        return signed_volume(self.verts, self.triangles())

    def outward(self) -> MeshData:
        """Flip every face if the surface faces inward (negative signed volume)."""
        if self.volume() < 0:
            return MeshData(self.verts, [tuple(reversed(f)) for f in self.faces], self.detail)
        return self


def loft(rings: list[np.ndarray], cap_first: bool = True, cap_last: bool = True) -> MeshData:
    """A closed surface through rings of equal point count (each (n, 3)), capped at both ends.

    A ring may collapse to a single point (shape (1, 3)) to close the end with a fan.
    """
    verts: list[np.ndarray] = []
    starts = []
    for ring in rings:
        starts.append(sum(len(r) for r in verts))
        verts.append(np.asarray(ring, dtype=float))
    faces: list[tuple[int, ...]] = []
    for r in range(len(rings) - 1):
        a, b = starts[r], starts[r + 1]
        na, nb = len(rings[r]), len(rings[r + 1])
        if nb == 1:
            faces += [(a + i, b, a + (i + 1) % na) for i in range(na)]
        elif na == 1:
            faces += [(a, b + i, b + (i + 1) % nb) for i in range(nb)]
        else:
            faces += [(a + i, b + i, b + (i + 1) % nb, a + (i + 1) % na) for i in range(na)]
    if cap_first and len(rings[0]) > 2:
        faces.append(tuple(range(starts[0], starts[0] + len(rings[0]))))
    if cap_last and len(rings[-1]) > 2:
        last = starts[-1]
        faces.append(tuple(reversed(range(last, last + len(rings[-1])))))
    return MeshData(np.vstack(verts), faces).outward()


def _frame(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    axis = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0, 0]) if abs(axis[0]) < 0.9 else np.array([0, 1.0, 0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    return u, np.cross(axis, u)


def rod(points, radii, segments: int = 16) -> MeshData:
    """A round wire through `points` (radius per point), with a half sphere at each end.

    Rings at the bends sit square to the mean direction and are carried from one to the
    next without twisting, so the surface stays clean for booleans.
    """
    pts = np.asarray(points, dtype=float)
    ang = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    cos_a, sin_a = np.cos(ang)[:, None], np.sin(ang)[:, None]
    dirs = np.diff(pts, axis=0)
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    tangents = (
        [dirs[0]]
        + [
            (dirs[i - 1] + dirs[i]) / np.linalg.norm(dirs[i - 1] + dirs[i])
            for i in range(1, len(dirs))
        ]
        + [dirs[-1]]
    )
    u, _ = _frame(tangents[0])
    rings = []
    for i, (p, t) in enumerate(zip(pts, tangents, strict=True)):
        u = u - np.dot(u, t) * t
        u /= np.linalg.norm(u)
        v = np.cross(t, u)
        # a ring at a bend is stretched so the wire keeps its thickness through the bend
        stretch = 1.0 if i in (0, len(pts) - 1) else 1.0 / max(0.5, float(np.dot(t, dirs[i])))
        rings.append(p + radii[i] * (cos_a * u * stretch + sin_a * v))
    w0, w1 = tangents[0], tangents[-1]
    circle0 = rings[0] - pts[0]
    circle1 = rings[-1] - pts[-1]
    lower = [np.atleast_2d(pts[0] - w0 * radii[0])]
    for k in range(1, 4):
        a = math.pi / 2 * (1 - k / 4)
        lower.append(pts[0] - w0 * radii[0] * math.sin(a) + circle0 * math.cos(a))
    upper = []
    for k in range(1, 4):
        a = math.pi / 2 * k / 4
        upper.append(pts[-1] + w1 * radii[-1] * math.sin(a) + circle1 * math.cos(a))
    upper.append(np.atleast_2d(pts[-1] + w1 * radii[-1]))
    return loft(lower + rings + upper, cap_first=False, cap_last=False)


def post(
    x: float,
    y: float,
    foot_z: float,
    top_z: float,
    radius: float,
    top_radius: float,
    segments: int = 16,
) -> MeshData:
    """A vertical round wire: flat at the foot (to stand inside a plate, clear of its edges),
    a half sphere on top, tapering from `radius` to `top_radius`."""
    ang = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    circle = np.column_stack([np.cos(ang), np.sin(ang), np.zeros(segments)])
    centre = np.array([x, y, 0.0])
    rings = [
        centre + circle * radius + [0, 0, foot_z],
        centre + circle * top_radius + [0, 0, top_z],
    ]
    for k in range(1, 4):
        a = math.pi / 2 * k / 4
        rings.append(
            centre + circle * top_radius * math.cos(a) + [0, 0, top_z + top_radius * math.sin(a)]
        )
    rings.append(np.array([[x, y, top_z + top_radius]]))
    return loft(rings, cap_first=True, cap_last=False)


def tube_loop(path: np.ndarray, radius: float, segments: int = 12) -> MeshData:
    """A closed tube of round section along a closed, level (constant z) path of points."""
    m = len(path)
    ang = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    up = np.array([0.0, 0.0, 1.0])
    verts = []
    for i in range(m):
        tangent = path[(i + 1) % m] - path[i - 1]
        tangent /= np.linalg.norm(tangent)
        side = np.cross(tangent, up)  # same frame all round: no twist between rings
        verts.append(path[i] + radius * (np.outer(np.cos(ang), up) + np.outer(np.sin(ang), side)))
    faces = []
    for i in range(m):
        a, b = i * segments, ((i + 1) % m) * segments
        for k in range(segments):
            k1 = (k + 1) % segments
            faces.append((a + k, a + k1, b + k1, b + k))
    return MeshData(np.vstack(verts), faces).outward()


def concat(parts: list[MeshData]) -> MeshData:
    verts, faces, offset = [], [], 0
    for p in parts:
        verts.append(p.verts)
        faces += [tuple(i + offset for i in f) for f in p.faces]
        offset += len(p.verts)
    return MeshData(np.vstack(verts), faces)
