"""Gem cuts with their real facets, and carat <-> millimetres from each cut's own volume.

Every cut is built facet by facet (see `facets`): every facet is one plane, the girdle a
thin vertical band of flat facets, the mesh closed and outward. Brilliants (round, oval,
cushion, pear, marquise, heart, trillion, radiant) carry the round brilliant's facet
families (table, stars, kites/bezels, upper girdles, lower girdles, pavilion mains);
princess has a stepped crown over chevron pavilion facets; emerald, asscher and baguette are
step cuts (emerald and asscher with cut corners).

Frame: millimetres, the girdle band between z = -girdle/2 and +girdle/2, table facing +Z,
length along Y, width along X, the outline's bounding box centred on the origin. Pointed
ends sit at +Y: the pear's and heart's point, a marquise's tips at +Y and -Y, a trillion's
apex at +Y.

Carat comes from the built mesh's volume and the stone's density (1 ct = 0.2 g). Each cut
stands at published proportions (STYLES); nothing is tuned to a chart: a 1.00 ct round
diamond comes out 6.4-6.5 mm, and every cut lands within 5 % of the trade's estimation
formula at its own depth (`trade_carat`; factors and sources in STYLES).

Public API (the head, the spec, the panel and the server use these):
- CUTS: the cut names a spec accepts.
- cut_mesh(cut, length, width, grow=0.0, culet=False) -> CutMesh: verts, faces, kinds (the
  facet family of each face; "girdle" for the band), girdle (the girdle polygon, (x, y)
  counter-clockwise), crown_height, girdle_thickness, pavilion_depth, depth, girdle_top,
  table_z, culet_z. `grow` enlarges the stone by mm each side (seat cutters).
- outline_point(cut, t, length, width): a point on the girdle polygon at parameter t in
  [0, 1), counter-clockwise from +X (0.25 = +Y), walking straight between the polygon's
  corners; every corner sits at a fixed t: for brilliants t = k / (girdle corners) (their
  design directions on the outline scaled to a circle: a pear's or heart's point at 0.25,
  marquise tips 0.25 / 0.75, trillion apexes 0.25, 0.583, 0.917), for square and step cuts
  the sides' middles at 0, 0.25, ... and the corners (or cut corners' middles) at 0.125,
  0.375, ... Sampling t at any multiple of STYLES[cut].segments walks the polygon exactly.
- girdle_outline(cut, length, width) -> [(x, y)]: the girdle polygon (CutMesh.girdle too).
- points(cut) -> outline parameters of sharp points a prong must protect (pear, marquise,
  heart tip, trillion apexes); corners(cut) -> the four corners of square and step cuts
  (princess, baguette: the corners; emerald, asscher, radiant: the cut corners' middles).
  The heart's cleft is at t = 0.75: its girdle is concave there.
- CutMesh.crown_height, pavilion_depth, girdle_thickness: measured on the built mesh.
- carat_of, dimensions_for_carat, dimensions_for_size, trade_carat, facet_count.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cache

from .materials import CARAT_G, STONES

CUTS = (
    "round", "oval", "cushion", "princess", "emerald", "pear", "marquise",
    "asscher", "radiant", "heart", "trillion", "baguette",
)  # fmt: skip


@dataclass(frozen=True)
class CutStyle:
    name: str
    ratio: float  # standard length / width
    factor: float  # trade estimation: carat ~ length x width x depth (mm) x factor
    mean_diameter: bool = False  # the formula squares the mean diameter (round, oval)

    @property
    def segments(self) -> int:
        """Outline samples for the head's rings: a multiple of the girdle polygon's corners
        (so it walks the polygon exactly), at least 48."""
        corners = len(_unit(self.name).girdle)
        return corners * -(-48 // corners)


def _unit(cut: str, culet: bool = False):
    from . import cut_shapes  # numpy: only when a stone is built

    return cut_shapes.unit(cut, culet)


def _solid(cut: str, culet: bool = False):
    from . import cut_shapes

    return cut_shapes.solid(cut, culet)


# Trade estimation factors, diamond, thin-medium girdle. round 0.0061, oval 0.0062 (mean
# diameter squared), heart 0.0059, trillion (triangle) 0.0057, baguette 0.00915: Octonus,
# "Mounted diamonds weight determination" (3dbook.octonus.com) and the GIA formulas;
# pear 0.0059, marquise 0.0058 (2:1), princess 0.0083, cushion 0.0080 (DESIGN.md); asscher
# 0.0080: the square (1:1) step cut of the emerald-cut table (a1-diamond.com, "Formula for
# calculating the weight"); radiant 0.00825 (easycalculation.com, diamond carat weight
# formula). Emerald: 0.0092 at 1.5:1 (a1-diamond.com; GIA's emerald-cut table: 1:1 0.0080,
# 1.5:1 0.0092, 2:1 0.0100, 2.5:1 0.0106): our emerald is 1.5:1.
STYLES = {
    "round": CutStyle("round", 1.0, 0.0061, mean_diameter=True),
    "oval": CutStyle("oval", 1.35, 0.0062, mean_diameter=True),
    "cushion": CutStyle("cushion", 1.0, 0.0080),
    "princess": CutStyle("princess", 1.0, 0.0083),
    "emerald": CutStyle("emerald", 1.5, 0.0092),
    "pear": CutStyle("pear", 1.55, 0.0059),
    "marquise": CutStyle("marquise", 2.0, 0.0058),
    "asscher": CutStyle("asscher", 1.0, 0.0080),
    "radiant": CutStyle("radiant", 1.2, 0.00825),
    "heart": CutStyle("heart", 1.0, 0.0059),
    "trillion": CutStyle("trillion", 0.95, 0.0057),
    "baguette": CutStyle("baguette", 2.0, 0.00915),
}


def unknown_cut(cut: str) -> ValueError:
    return ValueError(f"gem.cut: {cut!r} is unknown; allowed: {', '.join(CUTS)}")


# The mesh at a size ------------------------------------------------------------------


@dataclass(frozen=True)
class CutMesh:
    verts: list[tuple[float, float, float]]
    faces: list[tuple[int, ...]]
    length: float
    width: float
    crown_height: float
    girdle_thickness: float
    pavilion_depth: float
    kinds: tuple = ()  # facet family of each face ("girdle" for the girdle band)
    girdle: tuple = ()  # the girdle polygon (x, y), counter-clockwise

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

    @property
    def table_fraction(self) -> float:
        """The table's width as a share of the stone's (across the finger, x), measured."""
        top = self.table_z - 1e-9
        return max(abs(v[0]) for v in self.verts if v[2] >= top) / (self.width / 2)

    def pavilion_scale(self, at: float = 0.5) -> float:
        """The pavilion's width `at` of the way from girdle to culet, as a share of the
        girdle's (0.5 deep: 0.5 for a straight cone, more for a bellied fancy pavilion)."""
        z = -self.girdle_thickness / 2 - at * self.pavilion_depth
        reach = 0.0
        for face in self.faces:
            for a, b in zip(face, face[1:] + face[:1], strict=True):
                (xa, _ya, za), (xb, _yb, zb) = self.verts[a], self.verts[b]
                if (za - z) * (zb - z) < 0:
                    reach = max(reach, abs(xa + (xb - xa) * (z - za) / (zb - za)))
        return reach / (self.width / 2)


def cut_mesh(cut: str, length: float, width: float, grow: float = 0.0, culet: bool = False):
    """The stone's closed mesh. `grow` enlarges it (mm each side) for seat cutters."""
    if cut not in STYLES:
        raise unknown_cut(cut)
    solid = _solid(cut, culet)
    verts, zg, crown, pavilion = solid.verts, solid.girdle_half, solid.crown, solid.pavilion
    ratio = STYLES[cut].ratio
    sx, sy = width + 2 * grow, (length + 2 * grow) / ratio
    zg_mm = zg * width + grow / 2
    crown_mm, pav_mm = crown * width + grow / 2, pavilion * width + grow / 2

    def height(z: float) -> float:  # crown and pavilion each scale on their own: an
        if z >= zg - 1e-12:  # affine map of each keeps every facet flat
            return zg_mm + (z - zg) * (crown_mm / crown)
        if z <= -zg + 1e-12:
            return -zg_mm + (z + zg) * (pav_mm / pavilion)
        return z / zg * zg_mm

    out = [(x * sx, y * sy, height(z)) for x, y, z in verts]
    girdle = tuple((float(x) * sx, float(y) * sy) for x, y in _unit(cut).girdle)
    return CutMesh(
        out, list(solid.faces), length + 2 * grow,
        width + 2 * grow, crown_mm, 2 * zg_mm, pav_mm, solid.kinds, girdle,
    )  # fmt: skip


def girdle_outline(cut: str, length: float, width: float) -> list[tuple[float, float]]:
    """The girdle polygon (x, y) in mm, counter-clockwise."""
    sx, sy = width, length / STYLES[cut].ratio
    return [(x * sx, y * sy) for x, y in _unit(cut).girdle]


def outline_point(cut: str, t: float, length: float, width: float) -> tuple[float, float]:
    """The point of the girdle polygon at parameter t (see the module's docstring)."""
    if cut not in STYLES:
        raise unknown_cut(cut)
    u = _unit(cut)
    order = sorted(range(len(u.params)), key=lambda i: u.params[i])
    ts = [u.params[i] for i in order]
    pts = [u.girdle[i] for i in order]
    ts.append(ts[0] + 1.0)  # close the loop
    pts.append(pts[0])
    t = t % 1.0
    if t < ts[0]:
        t += 1.0
    k = bisect.bisect_right(ts, t) - 1
    f = (t - ts[k]) / (ts[k + 1] - ts[k])
    x = pts[k][0] + f * (pts[k + 1][0] - pts[k][0])
    y = pts[k][1] + f * (pts[k + 1][1] - pts[k][1])
    return x * width, y * length / STYLES[cut].ratio


def points(cut: str) -> tuple[float, ...]:
    """Outline parameters of the cut's sharp points (pear, marquise, heart, trillion)."""
    return _unit(cut).points


def corners(cut: str) -> tuple[float, ...]:
    """Outline parameters of the cut's corners (square and step cuts)."""
    return _unit(cut).corners


def facet_count(cut: str, culet: bool = False) -> dict[str, int]:
    """Facets by family, the girdle band apart."""
    counts: dict[str, int] = {}
    for kind in _solid(cut, culet).kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


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
    """Volume of the cut at width 1 mm and its standard ratio."""
    mesh = cut_mesh(cut, STYLES[cut].ratio, 1.0)
    return mesh_volume(mesh.verts, mesh.faces)


def _volume(cut: str, length: float, width: float) -> float:
    # every cut scales affinely: the depth with the width, the length on its own
    return _unit_volume(cut) * width * width * length / STYLES[cut].ratio


def carat_of(cut: str, stone: str, length: float, width: float) -> float:
    return _volume(cut, length, width) * STONES[stone].density / 1000.0 / CARAT_G


def trade_carat(cut: str, length: float, width: float, depth: float) -> float:
    """The trade's estimate for a diamond: length x width x depth x factor (the mean
    diameter squared for round and oval)."""
    style = STYLES[cut]
    area = ((length + width) / 2) ** 2 if style.mean_diameter else length * width
    return area * depth * style.factor


def dimensions_for_carat(cut: str, stone: str, carat: float) -> tuple[float, float]:
    """(length, width) in mm of a stone of this cut and weight at the cut's standard ratio."""
    if cut not in STYLES:
        raise unknown_cut(cut)
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
