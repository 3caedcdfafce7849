"""The head: the stone, its seat cutter, and the metal that holds it, as a bench jeweler
builds it.

A prong head is a basket: tapered claws (thicker at the foot than at the tip) lean in from
the girdle toward the band, following the stone, and grow out of the band itself (no plate
under them); gallery rails under the girdle tie them together; each tip bends over the crown
to grip inside the girdle, clear of the table. A bezel is a tapered wall whose lip rises
over 50-75 % of the crown. Sizes scale with the stone and are heavier in platinum.

Frame: the stone's table faces +Z, its girdle centred on the Z axis at `girdle_z`; the band
(finger along Y) has its crest at `crest_z` straight under the stone. `build_head` makes a
head for any stone at the top of any band; `Head.transformed` moves it (side stones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..jewelry import gem_cuts
from ..jewelry.process import LOST_WAX, ProcessProfile
from ..jewelry.spec import Gem, Setting
from . import claws
from .meshdata import MeshData, concat, loft, tube_loop

SEAT_CLEARANCE = 0.05  # mm around the girdle (a stone must drop into its seat)
NOTCH = 0.2  # share of a prong the seat notch takes at the girdle (limit: a third)
TIP_CLEAR = 0.03  # mm between a claw tip and the seat's crown (bent down at setting)
CULET_GAP = {"low": 0.15, "medium": 0.9, "high": 2.0}  # culet above the band's crest, mm
FOOT_DEPTH = 0.45  # mm a claw's foot goes into the band
POINT_TURN = math.radians(50)  # the outline turns more than this at a point or corner
HEAVY_METALS = ("platinum",)  # platinum prongs are ~20 % heavier (DESIGN.md: 1.8-2.2 mm)
BEZEL_LIP = 0.62  # of the crown height the bezel's lip rises over the girdle (50-75 %)


@dataclass
class Band:
    """Where the head stands: the band's crest height, its top width and thickness."""

    crest_z: float
    width: float = 2.2
    thickness: float = 1.7

    def surface_z(self, x) -> np.ndarray:
        """Height of the band's outer surface above the finger axis at x (the band is round)."""
        return np.sqrt(np.maximum(self.crest_z**2 - np.asarray(x, dtype=float) ** 2, 0.0))


@dataclass
class Prong:
    """Where a claw runs, for the measurements: its axis from the band to the tip centre."""

    axis: np.ndarray  # (k, 3) polyline, band end first
    girdle: np.ndarray  # (3,) the stone's girdle point this claw holds
    out: np.ndarray  # (3,) horizontal, away from the stone
    style: str  # round | flat | v | double
    label: str


@dataclass
class Head:
    stone: MeshData
    metal: list[MeshData] = field(default_factory=list)
    cutters: list[MeshData] = field(default_factory=list)
    prongs: list[Prong] = field(default_factory=list)
    girdle_z: float = 0.0
    top_z: float = 0.0  # highest point of metal or stone
    bezel: bool = False
    crown_height: float = 0.0
    girdle_thickness: float = 0.0
    length: float = 0.0
    width: float = 0.0
    depth: float = 0.0
    rail_z: list[float] = field(default_factory=list)

    def transformed(self, matrix) -> Head:
        """The head moved by a 4x4 matrix (a side stone's place round the band)."""
        m = np.asarray(matrix, dtype=float)

        def move(p):
            return np.asarray(p) @ m[:3, :3].T + m[:3, 3]

        def mesh(d: MeshData) -> MeshData:
            return MeshData(move(d.verts), d.faces)

        out = Head(**{k: getattr(self, k) for k in self.__dataclass_fields__})
        out.stone = mesh(self.stone)
        out.metal = [mesh(d) for d in self.metal]
        out.cutters = [mesh(d) for d in self.cutters]
        out.prongs = [
            Prong(move(p.axis), move(p.girdle), p.out @ m[:3, :3].T, p.style, p.label)
            for p in self.prongs
        ]
        return out


def _cut_data(cut: str, length: float, width: float, grow: float = 0.0):
    mesh = gem_cuts.cut_mesh(cut, length, width, grow)
    return MeshData(np.array(mesh.verts, dtype=float), list(mesh.faces)), mesh


def _outward(cut: str, t: float, length: float, width: float, eps: float = 1e-4) -> np.ndarray:
    """Unit direction straight out of the outline at t (the bisector at a corner)."""
    p, a, b = (
        np.array(gem_cuts.outline_point(cut, s, length, width)) for s in (t, t - eps, t + eps)
    )
    tangent = (p - a) / np.linalg.norm(p - a) + (b - p) / np.linalg.norm(b - p)
    out = np.array([tangent[1], -tangent[0]])  # the outline runs counter-clockwise
    return out / np.linalg.norm(out)


@cache
def points_of(cut: str, length: float, width: float, samples: int = 360) -> tuple[float, ...]:
    """Outline parameters of the stone's points and sharp corners (pear, marquise, heart tips;
    princess and trillion corners), found from the outline's own turning, for any cut."""
    ts = np.arange(samples) / samples
    p = np.array([gem_cuts.outline_point(cut, t, length, width) for t in ts])
    chord = np.roll(p, -1, axis=0) - p
    chord /= np.linalg.norm(chord, axis=1, keepdims=True)
    before = np.roll(chord, 1, axis=0)
    cross = before[:, 0] * chord[:, 1] - before[:, 1] * chord[:, 0]
    turn = np.arctan2(cross, (before * chord).sum(axis=1))  # at each sample
    pair = turn + np.roll(turn, -1)  # a corner between two samples shares its turn
    found: list[int] = []
    for k in np.flatnonzero(np.maximum(turn, pair) > POINT_TURN):
        k = int(k) if turn[k] >= turn[(k + 1) % samples] else (int(k) + 1) % samples
        if found and ((k - found[-1]) % samples <= 2 or (found[0] - k) % samples <= 2):
            continue
        found.append(k)
    out = []
    for k in found:  # the point itself: the outline's extreme along its bisector
        bis = np.array([chord[k][1] + before[k][1], -(chord[k][0] + before[k][0])])
        fine = ts[k] + np.linspace(-1.5, 1.5, 61) / samples
        q = np.array([gem_cuts.outline_point(cut, t % 1.0, length, width) for t in fine])
        out.append(float(fine[int(np.argmax(q @ bis))] % 1.0))
    return tuple(sorted(out))


def prong_params(cut: str, count: int, length: float, width: float) -> list[float]:
    """Outline parameters (0..1) of the prongs: on the points and corners first (they are
    protected), the rest shared out over the longest stretches between them."""
    corners = list(points_of(cut, length, width))
    if len(corners) > count:
        step = len(corners) / count
        corners = [corners[int(k * step)] for k in range(count)]
    if not corners:
        start = 0.125 if count == 4 else 0.25  # 4 prongs on the diagonals, else one at the tip
        return [(start + k / count) % 1.0 for k in range(count)]
    params = sorted(corners)
    while len(params) < count:
        gaps = [((params[(i + 1) % len(params)] - p) % 1.0 or 1.0, i) for i, p in enumerate(params)]
        span, i = max(gaps)
        # split the longest stretch evenly among the prongs still to place in stretches that long
        share = sum(1 for g, _ in gaps if abs(g - span) < 1e-9)
        left = count - len(params)
        pieces = 1 + max(1, left // share) if left >= share else 2
        new = [(params[i] + span * k / pieces) % 1.0 for k in range(1, pieces)]
        params = sorted(params + new[: count - len(params)])
    return params


@dataclass
class _Sizes:
    base: float  # claw diameters, mm
    girdle: float
    tip: float
    grip: float  # how far the tip reaches inside the girdle
    rail: float  # gallery rail radius
    gap: float  # the investment's gap


def _sizes(width: float, metal: str, profile: ProcessProfile, tips: str) -> _Sizes:
    """Claw sizes for a stone `width` mm across: a 1 ct round (6.5 mm) gets ~1.6 mm at the
    base in gold, tips over the casting minimum; platinum is heavier (DESIGN.md, Stuller)."""
    heavy = 1.2 if metal.startswith(HEAVY_METALS) else 1.0
    margin = 0.1
    tip = max(profile.min_prong_mm + margin, 0.16 * width) * heavy
    # the notch leaves (1 - NOTCH) of the section at the girdle
    girdle = max((profile.min_prong_mm + margin) / (1 - NOTCH), 0.23 * width) * heavy
    base = max(girdle + 0.12, 0.25 * width * heavy)
    grip = max(profile.min_grip_mm + 0.17, 0.05 * width)
    rail = max(profile.min_wall_mm / 2 + 0.06, 0.08 * width)
    if tips == "double":
        rail = max(rail, girdle / 2 + 0.05)  # the claw pair stands in the rail
    return _Sizes(base, girdle, tip, grip, rail, profile.gap_for(metal))


def build_head(
    gem: Gem,
    setting: Setting,
    band: Band | float,
    *,
    metal: str = "gold_18k_yellow",
    profile: ProcessProfile = LOST_WAX,
    shoulders: str = "plain",
) -> Head:
    """The stone, its seat and the head's metal, standing on the band's crest."""
    if not isinstance(band, Band):
        band = Band(float(band))
    length, width = gem.dimensions()
    stone0, cut = _cut_data(gem.cut, length, width)
    culet_gap = CULET_GAP[setting.height]
    girdle_z = band.crest_z + culet_gap - cut.culet_z
    head = Head(stone=stone0.translated((0, 0, girdle_z)), girdle_z=girdle_z)
    head.length, head.width, head.depth = length, width, cut.depth
    head.crown_height, head.girdle_thickness = cut.crown_height, cut.girdle_thickness
    seat, _seat_cut = _cut_data(gem.cut, length, width, SEAT_CLEARANCE)
    seat = seat.translated((0, 0, girdle_z))
    if setting.type == "bezel":
        head.cutters.append(seat)
        _bezel(head, gem.cut, cut, band, profile)
    else:
        arches = setting.head == "cathedral" or shoulders == "cathedral"
        _basket(head, gem.cut, cut, seat, setting, band, metal, profile, arches)
    stone_top = girdle_z + cut.table_z
    head.top_z = max([stone_top] + [float(m.verts[:, 2].max()) for m in head.metal])
    return head


def _bvh(mesh: MeshData) -> BVHTree:
    return BVHTree.FromPolygons([Vector(v) for v in mesh.verts], mesh.faces)


def _tip_height(tree: BVHTree, x: float, y: float, z0: float, reach: float) -> float:
    """Lowest height over (x, y) where a tip of this reach stays TIP_CLEAR off the seat."""
    z = z0
    for step in (0.2, 0.02):  # coarse, then back one coarse step and fine
        for _ in range(200):
            _loc, _n, _i, d = tree.find_nearest(Vector((x, y, z)))
            if d is not None and d >= reach + TIP_CLEAR:
                break
            z += step
        if step > 0.02 and z > z0:
            z = max(z0, z - step)
    return z


def _basket(
    head, cut_name, cut, seat, setting: Setting, band: Band, metal, profile, arches
) -> None:
    L, W = cut.length, cut.width
    size = _sizes(min(L, W), metal, profile, setting.tips)
    seat_tree = _bvh(seat)
    zg = head.girdle_z
    girdle_bottom = zg - cut.girdle_top
    pavilion = cut.pavilion_depth
    # rails: one just under the girdle; a high head gets a second one lower down
    rails = [girdle_bottom - max(0.25 * pavilion, size.rail + 0.35) - 0.037]
    low_rail = (rails[0] + band.crest_z) / 2
    spacing = 2 * size.rail + max(0.4, size.gap)
    if setting.height == "high" and rails[0] - low_rail >= spacing:
        if low_rail - size.rail - band.crest_z >= size.gap + 0.3:
            rails.append(low_rail)
    head.rail_z = rails
    points = points_of(cut_name, L, W)
    legs = []
    for k, t in enumerate(prong_params(cut_name, setting.prongs, L, W)):
        p2 = np.array(gem_cuts.outline_point(cut_name, t, L, W))
        out2 = _outward(cut_name, t, L, W)
        at_point = any(min(abs(t - c), 1 - abs(t - c)) < 2e-3 for c in points)
        style = "v" if at_point else setting.tips
        legs.append(_claw(head, k, p2, out2, style, size, seat_tree, zg, band, rails[0]))
    prisms = _bvh(concat(head.cutters))
    for z in rails:
        head.metal.append(_rail(cut_name, L, W, legs, z, size.rail, seat_tree, prisms))
    if arches:
        head.metal += cathedral_arches(head.metal[-len(rails)], rails[0], size.rail, band)


def _half_extent(style: str, r: float) -> float:
    return r * 1.25 if style == "v" else r


def _section(style: str, r: float, flat: float = 0.0) -> np.ndarray:
    if style == "v":
        return claws.diamond(r * 1.25)
    if style == "flat":  # a tab: wider across as it nears the tip
        return claws.circle(r, r * (1 + 0.5 * flat))
    return claws.circle(r)


def _notch(seat_tree: BVHTree, p2, out2, half_width: float, depth: float) -> tuple[MeshData, float]:
    """The bearing a setter cuts into a claw, as a prism: a flat wall square to `out` just
    outside the seat's girdle, and two planes over and under it as steep as the seat's crown
    and pavilion anywhere across the claw (so the stone stays inside). Planes, not the stone's
    facets: a facet's edge running out across a round wire leaves knife-thin teeth.
    Returns the prism and how deep below the girdle its pavilion plane reaches the claw."""
    side = np.array([-out2[1], out2[0], 0.0])
    wall = p2 + out2 * (SEAT_CLEARANCE + 0.005)
    hits = {}
    for up in (True, False):
        zs = []
        for u in np.linspace(-half_width, half_width, 7):
            for d in (0.005, 0.03, 0.08, 0.15, 0.3, 0.5, 0.8)[: 3 + int(depth / 0.25)]:
                x, y = wall + side[:2] * u - out2 * d
                start = Vector((x, y, 1e3 if up else -1e3))
                hit = seat_tree.ray_cast(start, Vector((0, 0, -1 if up else 1)))[0]
                if hit is not None:
                    zs.append((d, u, hit.z))
        hits[up] = zs
    # the seat's girdle band, just inside its wall at the claw
    top, bottom = -math.inf, math.inf
    for inset in (0.02, 0.05, 0.1, 0.2):  # a sharp point of a coarse seat may need a step in
        x, y = p2 + out2 * (SEAT_CLEARANCE - inset)
        up = seat_tree.ray_cast(Vector((x, y, 1e3)), Vector((0, 0, -1)))[0]
        down = seat_tree.ray_cast(Vector((x, y, -1e3)), Vector((0, 0, 1)))[0]
        if up is not None and down is not None:
            top, bottom = up.z, down.z
            break
    crown = max([(z - top) / d for d, _u, z in hits[True]] + [0.3]) + 0.02
    pavilion = max([(bottom - z) / d for d, _u, z in hits[False]] + [0.3]) + 0.02
    profile = [(0.0, top), (0.0, bottom), (-depth, bottom - depth * pavilion),
               (-depth, top + depth * crown)]  # fmt: skip
    rings = []
    for u in (-half_width, half_width):
        rings.append(np.array([[*(wall + out2 * o + side[:2] * u), z] for o, z in profile]))
    return loft(rings), pavilion


def _claw(head, k, p2, out2, style, size: _Sizes, seat_tree, zg, band: Band, rail_z):
    """One prong position: the leg from the band, upright through its seat at the girdle,
    and the claw bending over the crown. Returns the leg's axis (band end first)."""
    out3 = np.array([out2[0], out2[1], 0.0])
    side = np.array([-out2[1], out2[0], 0.0])
    r_b, r_g, r_t = size.base / 2, size.girdle / 2, size.tip / 2
    e_g, e_t = _half_extent(style, r_g), _half_extent(style, r_t)
    across = e_g + 0.12
    if style == "double":
        across += r_g + size.gap / 2 + 0.05
    prism, pavilion = _notch(seat_tree, p2, out2, across, 2 * e_g * NOTCH + 0.3)
    head.cutters.append(prism)
    prism_tree = _bvh(prism)
    # the claw's axis at the girdle: the seat notches NOTCH of its depth out of it
    bite = 2 * e_g * NOTCH
    s_g = SEAT_CLEARANCE + e_g - bite
    girdle_pt = np.array([*(p2 + out2 * s_g), zg])
    # upright where the seat cuts it (below the girdle until the pavilion plane runs out)
    below = max(0.6, bite * pavilion + 0.3)
    low = girdle_pt - [0, 0, below]
    high = girdle_pt + [0, 0, 0.25]
    # the tip reaches `grip` inside the girdle, clear of the seat all the way up to it
    tip_xy = p2 + out2 * (e_t - size.grip)
    reach = e_t * (1.25 if style == "flat" else 1)
    tip_z = _tip_height(prism_tree, tip_xy[0], tip_xy[1], high[2] + 0.3, reach)
    for _ in range(60):
        tip = np.array([*tip_xy, tip_z])
        rise = tip_z - high[2]
        bend = claws.bezier(high, high + [0, 0, 0.45 * rise], tip - [0, 0, 0.45 * rise], tip, 7)
        radii_bend = np.linspace(e_g, reach, len(bend))
        clear = all(
            (prism_tree.find_nearest(Vector(q))[3] or 9) >= r + TIP_CLEAR * 0.5
            for q, r in zip(bend[2:], radii_bend[2:], strict=True)
            if (q[:2] - p2) @ out2 < r + SEAT_CLEARANCE
        )
        if clear:
            break
        tip_z += 0.05
    # the foot: the basket narrows toward the band and stands inside it; the leg turns
    # upright lower down where the stone's pavilion is full (it must pass clear of it)
    half_w = band.width / 2
    for _ in range(8):
        fx = low[0] * 0.55
        fy = float(np.clip(low[1] * 0.55, -(half_w - r_b), half_w - r_b)) if half_w > r_b else 0
        tilt = math.atan2(math.hypot(low[0] - fx, low[1] - fy), low[2] - band.crest_z)
        depth = min(FOOT_DEPTH + r_b * math.sin(tilt), band.thickness - 0.4)
        foot = np.array([fx, fy, float(band.surface_z(fx)) - depth])
        # the leg: straight from the foot, turning upright on a curve wider than the wire
        turn = min(1.4, 0.45 * (low[2] - foot[2]))
        leg = claws.bezier(foot, foot + (low - foot) * 0.35, low - [0, 0, turn], low, 8)
        radii_leg = np.linspace(r_b, r_g, len(leg))
        if all((seat_tree.find_nearest(Vector(q))[3] or 9) > r + 0.05
               for q, r in zip(leg[1:-2], radii_leg[1:-2], strict=True)):  # fmt: skip
            break
        low = low - [0, 0, 0.25]
    upright = np.linspace(low, high, 4)[1:-1]
    label = f"prong {k + 1} at ({p2[0]:+.1f}, {p2[1]:+.1f}) mm"
    girdle3 = np.array([*p2, zg])
    if style == "double":
        # one leg up to the rail, then two parallel claws a gap apart standing in the rail
        rail_pt = _at_height(leg, rail_z)
        below = leg[leg[:, 2] < rail_z - 0.05]
        stem = np.vstack([below, [rail_pt]])
        radii = np.linspace(r_b, r_g + 0.02, len(stem))
        head.metal.append(claws.sweep(stem, [claws.circle(r) for r in radii], side, 0.0, 1.0))
        offset = side * (r_g + size.gap / 2 + 0.05)
        above = leg[leg[:, 2] > rail_z + 0.05]
        for sign in (1, -1):
            path = np.vstack([[rail_pt], above, upright, bend]) + sign * offset
            radii = np.concatenate(
                [np.full(len(path) - len(bend), r_g), np.linspace(r_g, r_t, len(bend))]
            )
            head.metal.append(claws.sweep(path, [claws.circle(r) for r in radii], side, 1.0))
            head.prongs.append(
                Prong(path, girdle3 + sign * offset, out3, style, f"{label}, claw {'ab'[sign < 0]}")
            )
        return leg
    path = np.vstack([leg, upright, bend])
    n_leg = len(leg)
    radii = np.concatenate([np.linspace(r_b, r_g, n_leg), np.full(len(upright), r_g),
                            np.linspace(r_g, r_t, len(bend))])  # fmt: skip
    flat = np.concatenate([np.zeros(n_leg + len(upright)), np.linspace(0, 1, len(bend))])
    sections = [_section(style, r, f) for r, f in zip(radii, flat, strict=True)]
    cap = 0.55 if style == "flat" else 1.0  # a tab's top is flatter than a round claw's
    head.metal.append(claws.sweep(path, sections, side, 0.0, cap))
    head.prongs.append(Prong(path, girdle3, out3, style, label))
    return leg


def _at_height(leg: np.ndarray, z: float) -> np.ndarray:
    """The point of a leg's axis (rising from the band) at height z."""
    return np.array([np.interp(z, leg[:, 2], leg[:, i]) for i in range(3)])


def _rail(cut_name, L, W, legs, z: float, radius: float, seat_tree, prisms) -> MeshData:
    """A gallery rail at height z: through every leg, its distance from the centre blended
    between the legs by angle, never nearer the stone than its radius and a little more, and
    smoothed, so it turns gently even where the stone has a point (a tight turn folds a tube)."""
    n = 90
    theta = np.linspace(-np.pi, np.pi, n, endpoint=False) + np.pi / n
    points = [_at_height(leg, z) for leg in legs]
    angles = np.array([math.atan2(p[1], p[0]) for p in points])
    radii = np.array([math.hypot(p[0], p[1]) for p in points])
    order = np.argsort(angles)
    a, r = angles[order], radii[order]
    a_ext = np.concatenate([a - 2 * np.pi, a, a + 2 * np.pi])
    r_ext = np.concatenate([r, r, r])
    want = np.interp(theta, a_ext, r_ext)
    for k, th in enumerate(theta):  # clear of the stone's pavilion at this height
        direction = Vector((math.cos(th), math.sin(th), 0.0))
        for tree, margin in ((seat_tree, 0.15), (prisms, 0.1)):
            for dz, reach in ((0.0, radius), (0.7 * radius, 0.72 * radius)):  # its top too
                hit = tree.ray_cast(Vector((0.0, 0.0, z + dz)), direction)[0]
                if hit is not None:
                    want[k] = max(want[k], math.hypot(hit.x, hit.y) + reach + margin)
    window = 5  # a circular moving maximum, then a moving mean: bulges, never dents
    padded = np.concatenate([want[-window:], want, want[:window]])
    want = np.array([padded[k : k + 2 * window + 1].max() for k in range(n)])
    padded = np.concatenate([want[-window:], want, want[:window]])
    want = np.convolve(padded, np.ones(2 * window + 1) / (2 * window + 1), mode="valid")
    path = np.column_stack([want * np.cos(theta), want * np.sin(theta), np.full(n, z)])
    return tube_loop(path, radius, segments=11)  # odd: no level edge along its top or bottom


def cathedral_arches(rail: MeshData, rail_z: float, rail_r: float, band: Band) -> list[MeshData]:
    """Two arches rising from the band's shoulders into the gallery rail, one each side
    across the finger: they leave the band square to it and meet the rail from below."""
    arches = []
    width = min(0.42 * band.width, 0.95)  # half width along the finger
    thick = max(rail_r, 0.5)  # half thickness
    near_axis = np.abs(rail.verts[:, 1]) < 0.3
    for sign in (1.0, -1.0):
        x_rail = float((rail.verts[near_axis, 0] * sign).max()) - rail_r  # the rail's axis
        end = np.array([sign * (x_rail - 0.1 * rail_r), 0.0, rail_z - 0.2 * rail_r])
        x_start = x_rail + 2.4
        theta = math.asin(min(x_start / band.crest_z, 0.9))
        normal = np.array([sign * math.sin(theta), 0.0, math.cos(theta)])
        start = normal * (band.crest_z - min(0.6, band.thickness / 2))
        path = claws.bezier(start, start + normal * 1.6, end + [sign * 1.2, 0, -0.9], end, 12)
        f = np.linspace(0, 1, len(path))
        sections = [claws.circle(thick, width + (rail_r * 0.9 - width) * k) for k in f]
        arches.append(claws.sweep(path, sections, (0.0, 1.0, 0.0), 0.0, 1.0))
    return arches


def _outline(cut: str, length: float, width: float, n: int, z, grow: float = 0.0) -> np.ndarray:
    """The outline offset `grow` mm outward (at a corner, far enough along its bisector that
    both sides stand `grow` off), at height z (a number, or one per point)."""
    pts = []
    eps = 1e-4
    for i in range(n):
        t = i / n
        p, a, b = (
            np.array(gem_cuts.outline_point(cut, s, length, width)) for s in (t, t - eps, t + eps)
        )
        ta = (p - a) / np.linalg.norm(p - a)
        tb = (b - p) / np.linalg.norm(b - p)
        half = math.acos(float(np.clip(np.dot(ta, tb), -1, 1))) / 2
        pts.append(p + _outward(cut, t, length, width) * grow / max(math.cos(half), 0.62))
    pts = np.array(pts)
    return np.column_stack([pts, np.broadcast_to(z, (n,))])


def _bezel(head: Head, cut_name: str, cut, band: Band, profile: ProcessProfile) -> None:
    """A tapered bezel: a wall over the casting minimum at the lip, heavier at the girdle,
    narrowing into the band; its lip rises BEZEL_LIP of the crown over the girdle."""
    head.bezel = True
    L, W = cut.length, cut.width
    zg = head.girdle_z
    wall_lip = max(profile.min_wall_mm + 0.12, 0.14 * min(L, W))
    wall_girdle = wall_lip + 0.3
    n = 96
    top = zg + cut.girdle_top + BEZEL_LIP * cut.crown_height
    lip = _outline(cut_name, L, W, n, top, SEAT_CLEARANCE + wall_lip)
    girdle = _outline(cut_name, L, W, n, zg, SEAT_CLEARANCE + wall_girdle)
    mid_z = zg - cut.girdle_top - 0.45 * cut.pavilion_depth
    mid = _outline(cut_name, L, W, n, mid_z, SEAT_CLEARANCE + wall_girdle) * [0.9, 0.9, 1]
    # the base: squeezed into the band's width, following the band's round top, sunk into it
    base = mid.copy()
    half = max(band.width / 2 - 0.45, 0.3)
    base[:, 1] *= min(1.0, half / max(np.abs(base[:, 1]).max(), 1e-9))
    base[:, 0] *= 0.8
    base[:, 2] = band.surface_z(base[:, 0]) - min(0.9, band.thickness - 0.5)
    between = [mid + (base - mid) * f for f in (0.25, 0.5, 0.75)]  # small faces where it
    head.metal.append(loft([lip, girdle, mid, *between, base]))  # meets the band's round top
    # the opening over the stone, a hair outside the seat's girdle band
    grow = SEAT_CLEARANCE + 0.02
    opening = [_outline(cut_name, L, W, n, h, grow) for h in (zg, top + 1.0)]
    head.cutters.append(loft(opening))
