"""Parametric gem cuts as closed triangle/polygon meshes, and carat <-> millimetres.

A cut is a stack of rings of its girdle outline (table, crown, girdle, pavilion) closed by
the table facet on top and a culet point below. Alternate rings are turned by half a step
so the crown and pavilion come out faceted like the real stone.

Frame: millimetres, girdle centred on the origin with the girdle band between
z = -girdle/2 and +girdle/2, table facing +Z, length along Y, width along X.

Carat comes from the cut's own volume and the stone's density (1 ct = 0.2 g), so a size
in millimetres and a weight in carats always agree with the mesh that is built. The
round brilliant uses Tolkowsky-style ideal proportions (table 56 %, crown angle 34.5 deg,
pavilion angle 40.75 deg, medium girdle 3 %): a 1.00 ct diamond comes out 6.4-6.5 mm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from .materials import CARAT_G, STONES

CUTS = ("round", "oval", "cushion", "princess", "emerald", "pear", "marquise")


@dataclass(frozen=True)
class CutStyle:
    ratio: float  # default length / width
    table: float  # table size as a fraction of the outline
    crown: float  # crown height / width
    girdle: float  # girdle thickness / width
    pavilion: float  # pavilion depth / width
    segments: int  # points on the girdle outline (step cuts: a multiple of their corners)
    faceted: bool  # turn alternate rings by half a step (brilliant look)
    belly: float = 0.5  # pavilion outline scale at half depth: 0.5 is a straight cone; fancy
    # cuts are fuller there (their pavilions end in a keel rather than a point)


_ROUND_CROWN = 0.5 * (1 - 0.56) * math.tan(math.radians(34.5))
_ROUND_PAVILION = 0.5 * math.tan(math.radians(40.75))

# Fancy-cut depths are the usual trade figures (oval, pear, marquise ~60 %, emerald ~62 %,
# cushion ~66 %, princess ~72 %); their pavilion fullness is set so that a 1.00 ct diamond
# lands on the common charts: oval 7.7x5.7, cushion 5.5, princess 5.5, emerald 7.0x5.0,
# pear 8.5x5.5, marquise 10x5 mm.
STYLES = {
    "round": CutStyle(1.0, 0.56, _ROUND_CROWN, 0.03, _ROUND_PAVILION, 32, True),
    "oval": CutStyle(1.35, 0.55, 0.14, 0.03, 0.43, 32, True, belly=0.63),
    "cushion": CutStyle(1.0, 0.58, 0.15, 0.03, 0.48, 32, True, belly=0.79),
    "princess": CutStyle(1.0, 0.70, 0.11, 0.03, 0.58, 48, False, belly=0.62),
    "emerald": CutStyle(1.4, 0.62, 0.12, 0.03, 0.47, 48, False, belly=0.76),
    "pear": CutStyle(1.55, 0.55, 0.14, 0.03, 0.43, 32, True, belly=0.78),
    "marquise": CutStyle(2.0, 0.55, 0.14, 0.03, 0.43, 32, True, belly=0.77),
}


def _superellipse(t: float, half_w: float, half_l: float, exponent: float):
    a = 2 * math.pi * t
    c, s = math.cos(a), math.sin(a)
    p = 2.0 / exponent
    return half_w * math.copysign(abs(c) ** p, c), half_l * math.copysign(abs(s) ** p, s)


def _polygon_point(t: float, corners: list[tuple[float, float]]):
    """Walk a closed polygon with an equal share of t per edge, so corners sit on t = k/n."""
    n = len(corners)
    pos = (t % 1.0) * n
    i = int(pos) % n
    f = pos - int(pos)
    (x0, y0), (x1, y1) = corners[i], corners[(i + 1) % n]
    return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f


def _ray_to_convex(angle: float, boundary: list[tuple[float, float]]):
    """Where a ray from the origin at `angle` leaves a convex polygon (dense boundary)."""
    dx, dy = math.cos(angle), math.sin(angle)
    best = None
    n = len(boundary)
    for i in range(n):
        (x0, y0), (x1, y1) = boundary[i], boundary[(i + 1) % n]
        ex, ey = x1 - x0, y1 - y0
        den = dx * ey - dy * ex
        if abs(den) < 1e-12:
            continue
        s = (x0 * ey - y0 * ex) / den  # distance along the ray
        u = (x0 * dy - y0 * dx) / den  # position along the edge
        if s > 0 and -1e-9 <= u <= 1 + 1e-9 and (best is None or s < best):
            best = s
    return best * dx, best * dy


@cache
def _pear_boundary(half_w: float, half_l: float) -> tuple:
    # A round end of radius half_w and a point at +Y, joined by gently bowed sides.
    centre_y = -(half_l - half_w)
    pts = []
    for k in range(181):  # round end: the lower half circle plus a little of the upper
        a = math.pi + math.pi * k / 180
        pts.append((half_w * math.cos(a), centre_y + half_w * math.sin(a)))
    tip = (0.0, half_l)
    for sign in (1, -1):
        side = []
        for k in range(1, 60):
            f = k / 60
            x = half_w * (1 - f**1.6)
            side.append((sign * x, centre_y + (half_l - centre_y) * f))
        pts.extend(side if sign == 1 else reversed(side))
        if sign == 1:
            pts.append(tip)
    # order counter-clockwise by angle around the origin
    pts.sort(key=lambda p: math.atan2(p[1], p[0]))
    return tuple(pts)


@cache
def _marquise_boundary(half_w: float, half_l: float) -> tuple:
    r = (half_l**2 + half_w**2) / (2 * half_w)  # two arcs through the tips
    c = r - half_w
    half_angle = math.asin(half_l / r)
    pts = []
    for sign in (1, -1):
        for k in range(121):
            a = -half_angle + 2 * half_angle * k / 120
            x = -sign * c + sign * r * math.cos(a)
            pts.append((x, r * math.sin(a) * sign))
    pts.sort(key=lambda p: math.atan2(p[1], p[0]))
    return tuple(pts)


def outline_point(cut: str, t: float, length: float, width: float) -> tuple[float, float]:
    """A point of the girdle outline at parameter t in [0, 1), counter-clockwise from +X."""
    hw, hl = width / 2, length / 2
    if cut in ("round", "oval"):
        a = 2 * math.pi * t
        return hw * math.cos(a), hl * math.sin(a)
    if cut == "cushion":
        return _superellipse(t, hw, hl, 4.0)
    if cut == "princess":
        corners = [(hw, 0.0), (hw, hl), (0.0, hl), (-hw, hl), (-hw, 0.0), (-hw, -hl), (0.0, -hl)]
        corners.append((hw, -hl))
        return _polygon_point(t, corners)
    if cut == "emerald":
        k = 0.15 * width  # the cut corners
        corners = [(hw, 0.0), (hw, hl - k), (hw - k, hl), (0.0, hl), (-hw + k, hl), (-hw, hl - k)]
        corners += [(-hw, 0.0), (-hw, -hl + k), (-hw + k, -hl), (0.0, -hl), (hw - k, -hl)]
        corners.append((hw, -hl + k))
        return _polygon_point(t, corners)
    if cut == "pear":
        return _ray_to_convex(2 * math.pi * t, list(_pear_boundary(hw, hl)))
    if cut == "marquise":
        return _ray_to_convex(2 * math.pi * t, list(_marquise_boundary(hw, hl)))
    raise ValueError(f"gem.cut: {cut!r} is unknown; allowed: {', '.join(CUTS)}")


@dataclass(frozen=True)
class CutMesh:
    verts: list[tuple[float, float, float]]
    faces: list[tuple[int, ...]]
    length: float
    width: float
    crown_height: float
    girdle_thickness: float
    pavilion_depth: float

    @property
    def depth(self) -> float:
        return self.crown_height + self.girdle_thickness + self.pavilion_depth

    @property
    def girdle_top(self) -> float:
        return self.girdle_thickness / 2

    @property
    def culet_z(self) -> float:
        return -self.girdle_thickness / 2 - self.pavilion_depth

    @property
    def table_z(self) -> float:
        return self.girdle_thickness / 2 + self.crown_height


def cut_mesh(cut: str, length: float, width: float, grow: float = 0.0) -> CutMesh:
    """The stone's closed mesh. `grow` enlarges the outline (mm each side) for seat cutters."""
    style = STYLES[cut]
    n = style.segments
    crown = style.crown * width
    girdle = style.girdle * width
    pavilion = style.pavilion * width
    L, W = length + 2 * grow, width + 2 * grow
    half = 0.5 / n if style.faceted else 0.0
    g = girdle / 2 + grow * 0.5
    # (outline scale, z, turned by half a step?) from the table down to the lowest ring
    rings = [
        (style.table, g + crown + grow, False),
        (1 - 0.45 * (1 - style.table), g + crown * 0.45, True),
        (1.0, g, False),
        (1.0, -g, False),
        (style.belly, -g - pavilion * 0.5, True),
    ]
    verts: list[tuple[float, float, float]] = []
    for scale, z, turned in rings:
        for i in range(n):
            x, y = outline_point(cut, i / n + (half if turned else 0.0), L, W)
            verts.append((x * scale, y * scale, z))
    culet = len(verts)
    verts.append((0.0, 0.0, -g - pavilion - grow))

    faces: list[tuple[int, ...]] = [tuple(range(n))]  # table, facing +Z
    for r in range(len(rings) - 1):
        a, b = r * n, (r + 1) * n
        a_turned, b_turned = rings[r][2], rings[r + 1][2]
        for i in range(n):
            j = (i + 1) % n
            if b_turned and not a_turned:  # lower ring sits between upper points
                faces.append((a + i, b + i, a + j))
                faces.append((a + j, b + i, b + j))
            elif a_turned and not b_turned:  # upper ring sits between lower points
                faces.append((a + i, b + j, a + j))
                faces.append((a + i, b + i, b + j))
            else:
                faces.append((a + i, b + i, b + j, a + j))
    last = (len(rings) - 1) * n
    for i in range(n):
        faces.append((last + i, culet, last + (i + 1) % n))
    return CutMesh(verts, faces, L, W, crown + grow * 0.5, girdle + grow, pavilion + grow * 0.5)


def mesh_volume(verts, faces) -> float:
    """Volume (mm3) by the divergence theorem; positive for outward-facing faces."""
    total = 0.0
    for face in faces:
        x0, y0, z0 = verts[face[0]]
        for k in range(1, len(face) - 1):
            x1, y1, z1 = verts[face[k]]
            x2, y2, z2 = verts[face[k + 1]]
            total += x0 * (y1 * z2 - z1 * y2) - y0 * (x1 * z2 - z1 * x2) + z0 * (x1 * y2 - y1 * x2)
    return total / 6.0


@cache
def _unit_volume(cut: str) -> float:
    """Volume of the cut at width 1 mm and its default ratio."""
    mesh = cut_mesh(cut, STYLES[cut].ratio, 1.0)
    return mesh_volume(mesh.verts, mesh.faces)


@cache
def _volume_at(cut: str, length: float, width: float) -> float:
    mesh = cut_mesh(cut, length, width)
    return mesh_volume(mesh.verts, mesh.faces)


def carat_of(cut: str, stone: str, length: float, width: float) -> float:
    volume = _volume_at(cut, length, width)
    return volume * STONES[stone].density / 1000.0 / CARAT_G


def dimensions_for_carat(cut: str, stone: str, carat: float) -> tuple[float, float]:
    """(length, width) in mm of a stone of this cut and weight at the cut's standard ratio."""
    volume = carat * CARAT_G * 1000.0 / STONES[stone].density
    width = (volume / _unit_volume(cut)) ** (1.0 / 3.0)
    return STYLES[cut].ratio * width, width


def dimensions_for_size(cut: str, size_mm) -> tuple[float, float]:
    """A spec's size_mm: one number (length; width from the cut's ratio) or [length, width]."""
    if isinstance(size_mm, (list, tuple)):
        length, width = float(size_mm[0]), float(size_mm[1])
        return (length, length) if cut == "round" else (length, width)
    length = float(size_mm)
    return length, length / STYLES[cut].ratio
