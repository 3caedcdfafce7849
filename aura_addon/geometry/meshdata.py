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
    return ring_of_rings(verts)


def ring_of_rings(rings: list[np.ndarray]) -> MeshData:
    """A closed tube through closed rings of equal length (each joined to the next, the last
    to the first): a band round the finger, a rail round a head. Faces outward."""
    n, m = len(rings[0]), len(rings)
    faces = []
    for k in range(m):
        a, b = k * n, ((k + 1) % m) * n
        for i in range(n):
            j = (i + 1) % n
            faces.append((a + i, a + j, b + j, b + i))
    return MeshData(np.vstack(rings), faces).outward()


def concat(parts: list[MeshData]) -> MeshData:
    """One mesh of several (e.g. all seats of a row, for one boolean instead of many)."""
    verts, faces, offset = [], [], 0
    for p in parts:
        verts.append(p.verts)
        faces += [tuple(i + offset for i in f) for f in p.faces]
        offset += len(p.verts)
    return MeshData(np.vstack(verts), faces, detail=any(p.detail for p in parts))
