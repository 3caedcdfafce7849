"""Facet patterns built so every facet is a plane: the vertices of a facet are placed on it.

Two ways keep a facet flat here, as a cutter's plan does:
- a facet is a plane through chosen points (a girdle point, a table corner, the culet) and a
  chosen horizontal direction (the girdle's tangent there); the points it shares with its
  neighbours are where their planes meet (`_meet`);
- a step facet runs between two horizontal rings whose matching edges are parallel: two
  parallel lines always lie in one plane.

The builders work in a unit frame (width 1 along X, the girdle band centred on z = 0) and
return a `Facets`: vertices, polygons and the name of each polygon's family ("table",
"star", "kite", "upper_girdle", "girdle", "lower_girdle", "pavilion_main", "culet",
"crown_step", "pavilion_step", "chevron"). No bpy: the server imports this too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

GIRDLE = "girdle"


@dataclass
class Facets:
    verts: list = field(default_factory=list)  # (x, y, z) in the unit frame
    faces: list = field(default_factory=list)  # vertex index tuples
    kinds: list = field(default_factory=list)  # facet family of each face
    girdle_top: list = field(default_factory=list)  # the girdle's upper ring, CCW

    def add(self, point) -> int:
        self.verts.append(tuple(float(c) for c in point))
        return len(self.verts) - 1

    def face(self, kind: str, *idx: int) -> None:
        unique = [i for k, i in enumerate(idx) if i != idx[k - 1]]  # a collapsed edge drops
        if len(unique) >= 3:
            self.faces.append(tuple(unique))
            self.kinds.append(kind)


def _plane(point, a, b) -> tuple[np.ndarray, float]:
    """The plane through `point` spanned by directions a and b, as (unit normal, offset)."""
    n = np.cross(np.asarray(a, float), np.asarray(b, float))
    n = n / np.linalg.norm(n)
    return n, float(n @ np.asarray(point, float))


def _meet(p1, p2, p3) -> np.ndarray:
    """The point where three planes meet."""
    normals = np.array([p1[0], p2[0], p3[0]])
    return np.linalg.solve(normals, np.array([p1[1], p2[1], p3[1]]))


MAX_GIRDLE_FACET = 52.0  # degrees: the steepest upper or lower girdle facet (real ones ~42-48)


def _fits(point, wedge, z_girdle: float) -> bool:
    """Whether a star / lower-girdle tip lies inward of the girdle edges a-b and b-c
    (counter-clockwise) and the two girdle facets it makes there are no steeper than
    MAX_GIRDLE_FACET."""
    a, b, c = wedge
    rise = abs(point[2] - z_girdle)
    for p, q in ((a, b), (b, c)):
        edge = np.asarray(q, float) - p
        cross = edge[0] * (point[1] - p[1]) - edge[1] * (point[0] - p[0])
        inset = cross / np.linalg.norm(edge)  # distance in from the edge's line
        if inset <= 1e-9 or np.degrees(np.arctan2(rise, inset)) > MAX_GIRDLE_FACET:
            return False
    return True


def _tip(p1, p2, z: float, z_limit: float, wedge, z_girdle: float) -> np.ndarray:
    """Where two neighbouring facets' planes meet at height z; moved toward z_limit (the
    table or the culet) while it would stand outside the girdle between them or make a
    girdle facet too steep (at a sharp point the two planes part outside the outline)."""
    for f in np.linspace(0.0, 0.9, 91):
        point = _meet(p1, p2, (np.array([0.0, 0.0, 1.0]), z + f * (z_limit - z)))
        if _fits(point, wedge, z_girdle):
            return point
    return point


def _xyz(p, z: float) -> np.ndarray:
    return np.array([p[0], p[1], z], float)


@dataclass(frozen=True)
class Brilliant:
    """A brilliant's proportions in the unit frame (fractions of the width)."""

    table: float  # table corners at this fraction of the way from the centre to the girdle
    crown: float  # crown height
    girdle: float  # girdle thickness
    pavilion: float  # pavilion depth
    star: float = 0.5  # star tips reach this share of the way from the table to the girdle
    lower_half: float = 0.77  # lower-girdle tips reach this share of the way to the culet
    keel: float = 0.0  # half length of the culet keel along Y (0: a point)
    culet: float = 0.0  # an open culet facet reaching this share up the pavilion (0: none)
    straight: bool = False  # the girdle runs straight from main to main (radiant): one upper
    # and one lower girdle facet per edge, and `girdle` holds the m main points only


def brilliant(girdle, tangents, centre, p: Brilliant) -> Facets:
    """Table, stars, kites (bezels), upper girdles, girdle, lower girdles, pavilion mains.

    girdle: 2m outline points (x, y), counter-clockwise, the m main points at even places;
    tangents: the horizontal direction along the outline at each main point. A kite is the
    plane through its girdle point and table corner along the girdle there; a pavilion main
    the plane through its girdle point and the culet (or the keel) along the girdle there.
    Star and lower-girdle tips are where neighbouring kites / mains meet, so a kite holds
    four corners and a main four or five in one plane."""
    if p.culet and p.keel:
        raise ValueError("an open culet on a keel is not built")
    g = np.asarray(girdle, float)
    if p.straight:  # the edges' middles stand in for the girdle points between mains
        g = np.stack([g, (g + np.roll(g, -1, axis=0)) / 2], axis=1).reshape(-1, 2)
    m = len(g) // 2
    mains, halves = g[0::2], g[1::2]  # main points, and the girdle points between them
    c = np.asarray(centre, float)
    zg, zt = p.girdle / 2, p.girdle / 2 + p.crown
    zc = -zg - p.pavilion
    out = Facets()

    table = [_xyz(c + p.table * (mains[k] - c), zt) for k in range(m)]
    kites = []
    for k in range(m):
        u = (*tangents[k], 0.0)
        kites.append(_plane(_xyz(mains[k], zg), u, table[k] - _xyz(mains[k], zg)))
    stars = []
    for k in range(m):  # a star's tip: `star` of the crown height below the table
        wedge = (mains[k], halves[k], mains[(k + 1) % m])
        z = zt - p.star * p.crown
        stars.append(_tip(kites[k], kites[(k + 1) % m], z, zt, wedge, zg))

    keel = [_xyz(c + (0, -p.keel), zc), _xyz(c + (0, p.keel), zc)] if p.keel else [_xyz(c, zc)]
    culets = []  # the culet point(s) each main plane goes through
    mains_p = []
    for k in range(m):
        u = np.array([*tangents[k], 0.0])
        low = _xyz(mains[k], -zg)
        if p.keel and abs(u[0]) < 1e-9:  # along the keel: the main holds all of it
            through = [0, 1] if (mains[k][0] - c[0]) < 0 else [1, 0]
        else:
            through = [1 if (p.keel and mains[k][1] > c[1]) else 0]
        culets.append(through)
        mains_p.append(_plane(low, u, keel[through[0]] - low))
    lows = []
    for k in range(m):  # a lower girdle's tip: `lower_half` of the pavilion depth down
        wedge = (mains[k], halves[k], mains[(k + 1) % m])
        z = -zg - p.lower_half * p.pavilion
        lows.append(_tip(mains_p[k], mains_p[(k + 1) % m], z, zc, wedge, -zg))

    t_idx = [out.add(v) for v in table]
    s_idx = [out.add(v) for v in stars]
    ring = mains if p.straight else g
    up = [out.add(_xyz(v, zg)) for v in ring]
    dn = [out.add(_xyz(v, -zg)) for v in ring]
    out.girdle_top = up
    q_idx = [out.add(v) for v in lows]
    if p.culet:  # truncate each main-to-main ridge where the open culet starts
        rim = [out.add(keel[0] + p.culet * (lows[k] - keel[0])) for k in range(m)]
    else:
        k_idx = [out.add(v) for v in keel]

    out.face("table", *t_idx)
    n = len(ring)
    for k in range(m):
        k1 = (k + 1) % m
        gm, gh, gn = (k, None, k1) if p.straight else (2 * k, 2 * k + 1, (2 * k + 2) % n)
        out.face("star", t_idx[k], s_idx[k], t_idx[k1])
        out.face("kite", t_idx[k], s_idx[k - 1], up[gm], s_idx[k])
        if p.straight:
            out.face("upper_girdle", s_idx[k], up[gm], up[gn])
            out.face(GIRDLE, up[gm], dn[gm], dn[gn], up[gn])
            out.face("lower_girdle", q_idx[k], dn[gn], dn[gm])
        else:
            out.face("upper_girdle", s_idx[k], up[gm], up[gh])
            out.face("upper_girdle", s_idx[k], up[gh], up[gn])
            for a, b in ((gm, gh), (gh, gn)):
                out.face(GIRDLE, up[a], dn[a], dn[b], up[b])
            out.face("lower_girdle", dn[gm], q_idx[k], dn[gh])
            out.face("lower_girdle", dn[gh], q_idx[k], dn[gn])
        if p.culet:
            out.face("pavilion_main", dn[gm], q_idx[k - 1], rim[k - 1], rim[k], q_idx[k])
        else:
            tips = [k_idx[i] for i in culets[k]]
            # culet points from the side of the previous ridge to the next one
            out.face("pavilion_main", dn[gm], q_idx[k - 1], *tips[::-1], q_idx[k])
    if p.culet:
        out.face("culet", *reversed(rim))
    return out


def inset(polygon, distance: float) -> np.ndarray:
    """A convex polygon moved inward by `distance`, every edge parallel to its original."""
    poly = np.asarray(polygon, float)
    n = len(poly)
    edges = np.roll(poly, -1, axis=0) - poly
    normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1)  # outward for a CCW polygon
    normals /= np.linalg.norm(normals, axis=1)[:, None]
    offsets = np.einsum("ij,ij->i", normals, poly) - distance
    out = []
    for i in range(n):
        a, b = i - 1, i  # the edges that meet at vertex i
        mat = np.array([normals[a], normals[b]])
        out.append(np.linalg.solve(mat, [offsets[a], offsets[b]]))
    return np.array(out)


def _ring(a, b, s: float, z: float) -> list:
    return [_xyz((1 - s) * pa + s * pb, z) for pa, pb in zip(a, b, strict=True)]


def step(girdle, table, bottom, crown_rows, pavilion_rows, girdle_thickness: float) -> Facets:
    """A step cut: rows of facets parallel to the girdle edges, as an emerald cut.

    girdle, table: convex polygons (x, y) with matching parallel edges; bottom: where each
    girdle corner ends on the keel (points may repeat: a collapsed edge turns a row's last
    facet into a triangle). crown_rows / pavilion_rows: (share of the way, z) of each ring
    between the girdle and the table / the keel, the last pavilion row being the keel."""
    g, t, b = (np.asarray(x, float) for x in (girdle, table, bottom))
    zg = girdle_thickness / 2
    out = Facets()
    top = [[out.add(v) for v in _ring(g, t, s, z)] for s, z in crown_rows]
    up = [out.add(_xyz(v, zg)) for v in g]
    dn = [out.add(_xyz(v, -zg)) for v in g]
    out.girdle_top = up
    low = []
    for s, z in pavilion_rows:
        low.append([out.add(v) for v in _ring(g, b, s, z)])
    keel: dict = {}
    for i, v in enumerate(b):  # the keel: one vertex per distinct end point
        keel.setdefault((round(v[0], 12), round(v[1], 12)), i)
    last = low[-1]
    low[-1] = [last[keel[(round(v[0], 12), round(v[1], 12))]] for v in b]
    n = len(g)
    out.face("table", *top[-1])
    crown = [up, *top]
    for r in range(len(crown) - 1):
        lo, hi = crown[r], crown[r + 1]
        for i in range(n):
            j = (i + 1) % n
            out.face("crown_step", lo[i], lo[j], hi[j], hi[i])
    for i in range(n):
        j = (i + 1) % n
        out.face(GIRDLE, up[i], dn[i], dn[j], up[j])
    pav = [dn, *low]
    for r in range(len(pav) - 1):
        hi, lo = pav[r], pav[r + 1]
        for i in range(n):
            j = (i + 1) % n
            out.face("pavilion_step", hi[i], lo[i], lo[j], hi[j])
    return out


def chevron_pavilion(
    out: Facets, corners_dn: list, culet_z: float, ridge: list, tips: list
) -> None:
    """A princess pavilion below a square girdle: per side a main facet from the girdle edge
    down to a V, then rows of chevrons (pairs of facets meeting in a V on the side's middle)
    and a last pair to the culet. ridge: where the V rows meet each corner's ridge, as (share
    of the way in to the axis, share of the way down to the culet): a ridge that drops
    faster than it comes in near the girdle is the princess's steeper-then-flatter pavilion;
    tips: how far out (share of the half width) each V's point lies."""
    corners = [np.array(out.verts[i]) for i in corners_dn]
    culet = np.array([0.0, 0.0, culet_z])
    c_idx = out.add(culet)
    # the points on each corner's ridge
    rid = [[out.add((k[0] * (1 - fi), k[1] * (1 - fi), k[2] + fz * (culet_z - k[2])))
            for fi, fz in ridge] for k in corners]  # fmt: skip
    n = len(corners)
    for s in range(n):
        a, b = s, (s + 1) % n
        ka, kb = corners[a], corners[b]
        mid = (ka + kb) / 2
        side = mid[:2] / np.linalg.norm(mid[:2])  # outward, at the side's middle
        half = float(np.linalg.norm(mid[:2]))
        # the main facet: the girdle edge and the first ridge points, its V point on the
        # side's middle line where that plane is
        plane = _plane(ka, kb - ka, np.array(out.verts[rid[b][0]]) - ka)
        vs = []
        for f in tips:
            xy = side * half * f
            z = (plane[1] - plane[0][0] * xy[0] - plane[0][1] * xy[1]) / plane[0][2]
            vs.append(out.add((xy[0], xy[1], z)))
            row = len(vs) - 1
            if row + 1 < len(ridge):  # the next chevron row's plane (the b half)
                p0 = np.array(out.verts[rid[b][row]])
                p1 = np.array(out.verts[vs[row]])
                p2 = np.array(out.verts[rid[b][row + 1]])
                plane = _plane(p0, p1 - p0, p2 - p0)
        out.face("pavilion_main", corners_dn[a], corners_dn[b], rid[b][0], vs[0], rid[a][0])
        for r in range(len(ridge) - 1):
            out.face("chevron", rid[b][r], rid[b][r + 1], vs[r + 1], vs[r])
            out.face("chevron", rid[a][r], vs[r], vs[r + 1], rid[a][r + 1])
        out.face("chevron", rid[b][-1], c_idx, vs[-1])
        out.face("chevron", rid[a][-1], vs[-1], c_idx)


def orient(faces: list) -> list:
    """Faces turned so every shared edge runs once each way (a consistent winding)."""
    faces = [list(f) for f in faces]
    owner: dict = {}
    for fi, f in enumerate(faces):
        for k in range(len(f)):
            owner.setdefault(frozenset((f[k], f[k - 1])), []).append(fi)
    done = [False] * len(faces)
    for start in range(len(faces)):
        if done[start]:
            continue
        done[start] = True
        stack = [start]
        while stack:
            fi = stack.pop()
            f = faces[fi]
            for k in range(len(f)):
                a, b = f[k - 1], f[k]
                for other in owner[frozenset((a, b))]:
                    if done[other]:
                        continue
                    g = faces[other]
                    pos = g.index(a)
                    if g[(pos + 1) % len(g)] == b:  # same direction: flip it
                        faces[other] = g[::-1]
                    done[other] = True
                    stack.append(other)
    return [tuple(f) for f in faces]
