"""The head: the stone, its seat cutter, and the metal that holds it (prongs or a bezel).

The stone's table faces +Z; its girdle is centred on the Z axis at `girdle_z`, with the
culet CULET_CLEARANCE above the shank's crest so the pavilion never touches the finger.
Prong and bezel bases sink into the shank so the metal union is one body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..jewelry import gem_cuts
from ..jewelry.spec import Gem, Setting
from .meshdata import MeshData, loft, post

SEAT_CLEARANCE = 0.05  # mm around the girdle (a stone must drop into its seat)
CULET_CLEARANCE = 0.6  # mm between the culet and the shank's crest: room for the base plate
MIN_PRONG = 0.95  # mm: casting minimum (0.8) plus the seat notch taken out of it
PRONG_BITE = 0.15  # notch the seat cuts into a prong, as a share of its diameter
PRONG_SIDE = 0.34  # mm from a prong's axis to every seat face that notches it: the metal
# beside the notch is twice this, over the 0.6 mm casting minimum with room for the 16-gon wire
PRONG_CAP = 0.66  # mm of metal over the crown notch, straight up at a prong's rim, round tip
# included: the rays from a flat crown facet leave through the top, not across the wire
BEZEL_WALL = 1.0  # mm at the girdle, well over the 0.6 casting minimum all round
SINK = 0.5  # mm the head's foot goes into the shank
OPENING_MARGIN = 0.02  # mm the bezel's opening stands outside the seat's girdle band
PLATE_GAP = 0.15  # mm between the base plate and the seat's culet
PLATE_SIDE = 0.15  # mm: the plate's square side ends this far above the foot's lowest point
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
        [
            (*gem_cuts.outline_point(cut, i / n, length + 2 * offset, width + 2 * offset), z)
            for i in range(n)
        ]
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
    seat, seat_cut = _cut_data(gem.cut, length, width, SEAT_CLEARANCE)
    head.cutters.append(seat.translated((0, 0, girdle_z)))
    if setting.type == "bezel":
        _bezel(head, gem.cut, cut, crest_z)
    else:
        _prongs(head, gem.cut, cut, seat_cut, setting.prongs, crest_z)
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
    return _bridged(np.array(pts))


def _bridged(ring: np.ndarray) -> np.ndarray:
    """The ring with any inward dent (a heart's cleft) bridged: each point moved out to the
    convex hull along its ray from the centre, so no crevice too narrow to cast forms."""
    xy = ring[:, :2]
    hull = _hull(xy)
    centre = xy.mean(axis=0)
    out = ring.copy()
    for i in range(len(xy)):
        d = xy[i] - centre
        for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
            e = b - a
            den = d[0] * e[1] - d[1] * e[0]
            if abs(den) < 1e-12:
                continue
            rel = a - centre
            s = (rel[0] * e[1] - rel[1] * e[0]) / den
            u = (rel[0] * d[1] - rel[1] * d[0]) / den
            if s > 0 and -1e-9 <= u <= 1 + 1e-9:
                out[i, :2] = centre + max(s, 1.0) * d
                break
    return out


def _hull(xy: np.ndarray) -> np.ndarray:
    """Convex hull of 2D points, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(map(tuple, xy))

    def half(points):
        chain = []
        for p in points:
            while (
                len(chain) >= 2
                and (
                    (chain[-1][0] - chain[-2][0]) * (p[1] - chain[-2][1])
                    - (chain[-1][1] - chain[-2][1]) * (p[0] - chain[-2][0])
                )
                <= 0
            ):
                chain.pop()
            chain.append(p)
        return chain[:-1]

    return np.array(half(pts) + half(pts[::-1]))


def _plate(head: Head, ring: np.ndarray, crest_z: float, top_z: float) -> None:
    """The base plate: from the shank up to just under the culet, its edge square so no
    thin wedge of metal forms at the rim."""
    flat = ring * [1, 1, 0]
    rings = [flat + [0, 0, top_z], flat + [0, 0, crest_z - SINK + PLATE_SIDE]]
    rings.append(ring * [0.55, 0.55, 0] + [0, 0, crest_z - SINK])
    head.metal.append(loft(rings))


def _outward(cut_name: str, t: float, length: float, width: float) -> np.ndarray:
    """Unit direction straight out of the outline at t: the normal on a side, the bisector at
    a corner or point (the mean of the two unit tangents is square to it either way)."""
    eps = 1e-4
    p, a, b = (
        np.array(gem_cuts.outline_point(cut_name, s, length, width)) for s in (t, t - eps, t + eps)
    )
    tangent = (p - a) / np.linalg.norm(p - a) + (b - p) / np.linalg.norm(b - p)
    out = np.array([tangent[1], -tangent[0]])  # the outline runs counter-clockwise
    return out / np.linalg.norm(out)


def _place_prong(
    seat: np.ndarray, point: np.ndarray, out: np.ndarray, radius: float, bite: float
) -> tuple[np.ndarray, float]:
    """Axis (x, y) and radius of a prong out from `point` on the seat's girdle polygon `seat`:
    the seat cuts a notch `bite` deep into it, and the line of every seat edge that cuts it
    stays PRONG_SIDE from its axis. The metal left beside a notch is twice that distance, so
    at corners and tight curves (where a neighbouring edge would slice off a thin sliver) the
    prong steps away from the offending edges and grows to keep its notch."""
    e = np.roll(seat, -1, axis=0) - seat
    length = np.linalg.norm(e, axis=1)
    e = e / length[:, None]

    def measure(c):
        rel = c - seat
        along = np.einsum("ij,ij->i", rel, e)
        across = rel - e * along[:, None]  # from each edge's line square to the axis
        to_edge = np.linalg.norm(rel - e * np.clip(along, 0, length)[:, None], axis=1)
        return to_edge, across

    c = point + out * (radius - bite)
    for _ in range(8):  # the axis distance to the seat that gives the wanted notch depth
        c = c + out * (radius - bite - measure(c)[0].min())
    for _ in range(200):
        to_edge, across = measure(c)
        to_line = np.linalg.norm(across, axis=1)
        short = (to_edge < radius + 0.01) & (to_line < PRONG_SIDE)
        if not short.any():
            break
        step = (across[short] / to_line[short, None]).sum(axis=0)
        c = c + 0.005 * step / np.linalg.norm(step)
        radius = max(radius, measure(c)[0].min() + bite)
    return c, radius


def _prongs(head: Head, cut_name: str, cut, seat, count: int, crest_z: float) -> None:
    d = max(MIN_PRONG, 0.16 * cut.width)
    head.prong_diameter = d
    z = head.girdle_z
    plate_top = z + cut.culet_z - SEAT_CLEARANCE - PLATE_GAP
    plate_low = crest_z - SINK + PLATE_SIDE  # lower edge of the plate's square side
    girdle = np.array(seat.girdle)  # the seat's girdle polygon
    pointed = POINTS.get(cut_name, ())
    posts = []
    for t in prong_angles(cut_name, count):
        # a prong guarding a point is a heavier V-prong: the point sits in its notch
        r = d / 2 * (1.3 if any(abs(t - p) < 1e-6 for p in pointed) else 1.0)
        point = np.array(gem_cuts.outline_point(cut_name, t, seat.length, seat.width))
        out = _outward(cut_name, t, seat.length, seat.width)
        posts.append(_place_prong(girdle, point, out, r, PRONG_BITE * d))
    # The notch meets a wire's rim about sqrt(r^2 - PRONG_SIDE^2) off its axis, where the
    # round tip (radius 0.95 r) adds little: the wire itself must rise the rest of PRONG_CAP.
    rise = 0.4 * cut.crown_height
    for _, r in posts:
        off_axis = np.sqrt(max(r * r - PRONG_SIDE**2, 0.0))
        rise = max(rise, PRONG_CAP - np.sqrt(max((0.95 * r) ** 2 - off_axis**2, 0.0)))
    tip_z = z + seat.girdle_top + rise
    for (x, y), r in posts:
        # the foot stands in the middle of the plate's side, clear of its top and lower edges
        head.metal.append(post(x, y, (plate_top + plate_low) / 2, tip_z, r, r * 0.95))
    off = 0.35 * d + SEAT_CLEARANCE
    ring = _girdle_ring(cut_name, cut, 0.0, off, [i / 64 for i in range(64)])
    _plate(head, ring, crest_z, plate_top)
    stone_top = z + cut.girdle_top + cut.crown_height
    head.top_z = max([stone_top] + [float(m.verts[:, 2].max()) for m in head.metal])


def _bezel(head: Head, cut_name: str, cut, crest_z: float) -> None:
    wall = BEZEL_WALL
    head.bezel_wall = wall
    z = head.girdle_z
    n = gem_cuts.STYLES[cut_name].segments * 2
    lip = max(0.5, 0.6 * cut.crown_height)  # rim above the girdle, burnished over it
    top = z + cut.girdle_top + lip
    # open the top: the girdle outline from mid-girdle up through the rim, a hair outside the
    # seat's girdle band (no shared faces, and no sliver of the seat's crown left as a ledge
    # under the rim)
    grow = SEAT_CLEARANCE + OPENING_MARGIN
    opening = [_outline(cut_name, cut.length, cut.width, n, h, grow) for h in (z, top + 1.0)]
    head.cutters.append(loft(opening))
    ring = _girdle_ring(cut_name, cut, 0.0, wall + SEAT_CLEARANCE, [i / n for i in range(n)])
    _plate(head, ring, crest_z, top)  # the cup: solid to the shank, the seat cut into it
    head.top_z = max(top, z + cut.girdle_top + cut.crown_height)
