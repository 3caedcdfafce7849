"""The head: the stone, its seat cutter, and the metal that holds it (prongs or a bezel).

The stone's table faces +Z; its girdle is centred on the Z axis at `girdle_z`, with the
culet CULET_CLEARANCE above the shank's crest so the pavilion never touches the finger.
Prong and bezel bases sink into the shank so the metal union is one body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..jewelry import gem_cuts
from ..jewelry.spec import Gem, Setting
from .meshdata import MeshData, loft, rod, tube_loop

SEAT_CLEARANCE = 0.05  # mm around the girdle (a stone must drop into its seat)
CULET_CLEARANCE = 0.3  # mm between the culet and the shank's crest
MIN_PRONG = 0.85  # mm: casting minimum with the seat notch taken out (0.8 * d - 0.05 >= 0.6)
BEZEL_WALL = 0.8  # mm (casting minimum 0.6)
SINK = 0.5  # mm the head's foot goes into the shank
GALLERY_WIRE = 0.8  # mm diameter of the wire ring joining the prongs


@dataclass
class Head:
    stone: MeshData
    metal: list[MeshData] = field(default_factory=list)
    cutters: list[MeshData] = field(default_factory=list)
    girdle_z: float = 0.0
    top_z: float = 0.0  # highest point of metal or stone
    prong_diameter: float | None = None
    bezel_wall: float | None = None
    length: float = 0.0
    width: float = 0.0
    depth: float = 0.0


def _cut_data(cut: str, length: float, width: float, grow: float = 0.0) -> tuple:
    mesh = gem_cuts.cut_mesh(cut, length, width, grow)
    return MeshData(np.array(mesh.verts), list(mesh.faces)), mesh


def _outline(cut: str, length: float, width: float, n: int, z: float, offset: float = 0.0):
    return np.array(
        [(*gem_cuts.outline_point(cut, i / n, length + 2 * offset, width + 2 * offset), z) for i in range(n)]
    )


def prong_angles(cut: str, count: int) -> list[float]:
    """Outline parameters (0..1) of the prongs: corners for square-ish cuts, the tips first
    for pointed cuts, so points are protected."""
    start = 0.25 if (cut in ("pear", "marquise") or count != 4) else 0.125
    return [(start + k / count) % 1.0 for k in range(count)]


def build_head(gem: Gem, setting: Setting, crest_z: float) -> Head:
    length, width = gem.dimensions()
    stone0, cut = _cut_data(gem.cut, length, width)
    girdle_z = crest_z + CULET_CLEARANCE - cut.culet_z
    head = Head(stone=stone0.translated((0, 0, girdle_z)), girdle_z=girdle_z)
    head.length, head.width, head.depth = length, width, cut.depth
    seat, _ = _cut_data(gem.cut, length, width, SEAT_CLEARANCE)
    head.cutters.append(seat.translated((0, 0, girdle_z)))
    if setting.type == "bezel":
        _bezel(head, gem.cut, cut, crest_z)
    else:
        _prongs(head, gem.cut, cut, setting.prongs, crest_z)
    return head


def _prongs(head: Head, cut_name: str, cut, count: int, crest_z: float) -> None:
    d = max(MIN_PRONG, 0.15 * cut.width)
    head.prong_diameter = d
    r = d / 2
    z = head.girdle_z
    knee_z = z - cut.girdle_top - 0.15
    tip_z = z + cut.girdle_top + 0.4 * cut.crown_height
    base_z = crest_z - SINK
    off = 0.3 * d  # prong axis outside the stone: the seat bites 0.2 d + clearance
    # Along the sloping pavilion the same clearance, measured square to the facet, needs a
    # wider horizontal step.
    slope = math.atan2(cut.pavilion_depth, cut.width / 2)
    off_pav = off / math.sin(slope)
    # the prongs follow the pavilion (fancy cuts are full there) down to a foot in the shank
    belly = gem_cuts.STYLES[cut_name].belly
    mid_z = z - cut.girdle_top - cut.pavilion_depth / 2
    L, W = cut.length, cut.width
    for t in prong_angles(cut_name, count):
        gx, gy = gem_cuts.outline_point(cut_name, t, L + 2 * off, W + 2 * off)
        kx, ky = gem_cuts.outline_point(cut_name, t, L + 2 * off_pav, W + 2 * off_pav)
        mx, my = gem_cuts.outline_point(cut_name, t, L * belly + 2 * off_pav, W * belly + 2 * off_pav)
        base = (gx * 0.12, gy * 0.12, base_z)
        path = [base, (mx, my, mid_z), (kx, ky, knee_z), (gx, gy, tip_z)]
        head.metal.append(rod(path, [r * 0.9, r, r, r * 0.95]))
    # a wire ring at mid-pavilion joins the prongs and stiffens the basket
    ring = _outline(cut_name, L * belly, W * belly, 64, mid_z, off_pav)
    head.metal.append(tube_loop(ring, GALLERY_WIRE / 2))
    head.top_z = tip_z + r


def _bezel(head: Head, cut_name: str, cut, crest_z: float) -> None:
    wall = BEZEL_WALL
    head.bezel_wall = wall
    z = head.girdle_z
    n = 64
    lip = max(0.5, 0.6 * cut.crown_height)  # rim above the girdle, burnished over it
    top = z + cut.girdle_top + lip
    grow = wall + SEAT_CLEARANCE
    # along the pavilion the wall is measured square to the facet: widen it horizontally
    slope = math.atan2(cut.pavilion_depth, cut.width / 2)
    foot = grow / math.sin(slope)
    culet = z + cut.culet_z
    rings = [
        _outline(cut_name, cut.length, cut.width, n, top, grow),
        _outline(cut_name, cut.length, cut.width, n, z - cut.girdle_top, grow),
        _outline(cut_name, cut.length * 0.5, cut.width * 0.5, n, (z - cut.girdle_top + culet) / 2, foot),
        _outline(cut_name, 0, 0, n, culet, foot),
        _outline(cut_name, 0, 0, n, crest_z - SINK, foot),
    ]
    head.metal.append(loft(rings))
    # open the top: the girdle outline (plus clearance) up through the rim
    open_rings = [
        _outline(cut_name, cut.length, cut.width, n, z, SEAT_CLEARANCE),
        _outline(cut_name, cut.length, cut.width, n, top + 1.0, SEAT_CLEARANCE),
    ]
    head.cutters.append(loft(open_rings))
    head.top_z = max(top, z + cut.girdle_top + cut.crown_height)
