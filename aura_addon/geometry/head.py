"""The head: the stone, its seat cutter, and the metal that holds it (prongs or a bezel).

The stone's table faces +Z; its girdle is centred on the Z axis at `girdle_z`, with the
culet CULET_CLEARANCE above the shank's crest so the pavilion never touches the finger.
Prong and bezel bases sink into the shank so the metal union is one body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..jewelry import gem_cuts
from ..jewelry.spec import Gem, Setting
from .meshdata import MeshData, loft, rod

SEAT_CLEARANCE = 0.05  # mm around the girdle (a stone must drop into its seat)
CULET_CLEARANCE = 0.6  # mm between the culet and the shank's crest: room for the base plate
MIN_PRONG = 0.95  # mm: casting minimum (0.8) plus the seat notch taken out of it
BEZEL_WALL = 1.0  # mm at the girdle; thinnest (0.6 casting minimum) where the seat corners come close
SINK = 0.5  # mm the head's foot goes into the shank
PLATE_GAP = 0.15  # mm between the base plate and the seat's culet
POINTS = {"pear": (0.25,), "marquise": (0.25, 0.75)}  # outline parameters of sharp points


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
    """A basket head: the metal stands outside the stone's girdle outline (prongs or a bezel
    wall) on a base plate under the culet that sinks into the shank. Only the girdle band
    and crown meet the seat cutter, so every head fuses into one clean solid."""
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


def _clear_of(tree: BVHTree, point, distance: float, iterations: int = 12) -> np.ndarray:
    """Move a point until it lies `distance` outside a cutter's surface."""
    x = Vector(point)
    for _ in range(iterations):
        loc, normal, _i, d = tree.find_nearest(x)
        away = x - loc
        if away.dot(normal) < 0:  # inside: jump out along the surface normal
            x = loc + normal * distance
            continue
        if abs(d - distance) < 1e-5:
            break
        x = loc + away.normalized() * distance if d > 1e-9 else loc + normal * distance
    return np.array(x)


def _girdle_ring(cut_name: str, cut, z: float, distance: float, params) -> np.ndarray:
    """Points around the girdle at `distance` from it, square to the outline (corners and
    points of pear and marquise included), at height z."""
    n = gem_cuts.STYLES[cut_name].segments * 3  # a multiple of every cut's corners
    wall = loft([_outline(cut_name, cut.length, cut.width, n, h) for h in (-1.0, 1.0)])
    tree = BVHTree.FromPolygons([Vector(v) for v in wall.verts], wall.faces)
    pts = []
    for t in params:
        gx, gy = gem_cuts.outline_point(cut_name, t, cut.length, cut.width)
        p = _clear_of(tree, (gx * 1.02, gy * 1.02, 0.0), distance)
        pts.append((p[0], p[1], z))
    return np.array(pts)


def _plate(head: Head, ring: np.ndarray, crest_z: float, top_z: float) -> None:
    """The base plate: from the shank up to just under the culet, its edge square so no
    thin wedge of metal forms at the rim."""
    flat = ring * [1, 1, 0]
    rings = [flat + [0, 0, top_z], flat + [0, 0, crest_z - SINK + 0.15]]
    rings.append(ring * [0.55, 0.55, 0] + [0, 0, crest_z - SINK])
    head.metal.append(loft(rings))


def _prongs(head: Head, cut_name: str, cut, count: int, crest_z: float) -> None:
    d = max(MIN_PRONG, 0.16 * cut.width)
    head.prong_diameter = d
    z = head.girdle_z
    plate_top = z + cut.culet_z - SEAT_CLEARANCE - PLATE_GAP
    tip_z = z + cut.girdle_top + 0.4 * cut.crown_height
    # the prong axis stands `off` outside the girdle, so the seat notches it by 0.15 d
    off = 0.35 * d + SEAT_CLEARANCE
    axes = _girdle_ring(cut_name, cut, 0.0, off, prong_angles(cut_name, count))
    pointed = POINTS.get(cut_name, ())
    for t, (x, y, _) in zip(prong_angles(cut_name, count), axes, strict=True):
        # a prong guarding a point is a heavier V-prong: the point sits in its notch
        r = d / 2 * (1.3 if any(abs(t - p) < 1e-6 for p in pointed) else 1.0)
        head.metal.append(rod([(x, y, plate_top - r), (x, y, tip_z)], [r, r * 0.95]))
    ring = _girdle_ring(cut_name, cut, 0.0, off, [i / 64 for i in range(64)])
    _plate(head, ring, crest_z, plate_top)
    head.top_z = tip_z + d * 0.65


def _bezel(head: Head, cut_name: str, cut, crest_z: float) -> None:
    wall = BEZEL_WALL
    head.bezel_wall = wall
    z = head.girdle_z
    n = gem_cuts.STYLES[cut_name].segments * 2
    lip = max(0.5, 0.6 * cut.crown_height)  # rim above the girdle, burnished over it
    top = z + cut.girdle_top + lip
    # open the top: the girdle outline up through the rim (a hair inside the seat's girdle
    # band so the two cutters share no faces)
    grow = SEAT_CLEARANCE - 0.02
    opening = [_outline(cut_name, cut.length, cut.width, n, h, grow) for h in (z, top + 1.0)]
    head.cutters.append(loft(opening))
    ring = _girdle_ring(cut_name, cut, 0.0, wall + SEAT_CLEARANCE, [i / n for i in range(n)])
    _plate(head, ring, crest_z, top)  # the cup: solid to the shank, the seat cut into it
    head.top_z = max(top, z + cut.girdle_top + cut.crown_height)
