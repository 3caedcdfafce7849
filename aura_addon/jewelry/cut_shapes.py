"""The shapes of the cuts in a unit frame (width 1 along X, length = the cut's ratio along
Y, heights in widths): girdle outlines, facet patterns and proportions, built with
`facets`. `gem_cuts` is the API; this module needs numpy, so it loads only when a stone is
built (the intent parser imports `gem_cuts` without numpy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from . import facets as fx
from .gem_cuts import STYLES, mesh_volume, unknown_cut

# Outlines ----------------------------------------------------------------------------


def _arc(centre, radius, a0, a1, n=48):
    return [(centre[0] + radius * math.cos(a), centre[1] + radius * math.sin(a))
            for a in np.linspace(a0, a1, n)]  # fmt: skip


def _ray(boundary, centre, direction):
    """Where a ray from `centre` leaves a closed boundary (star-shaped about centre)."""
    b = np.asarray(boundary, float) - centre
    e = np.roll(b, -1, axis=0) - b
    d = np.asarray(direction, float)
    den = d[0] * e[:, 1] - d[1] * e[:, 0]
    ok = np.abs(den) > 1e-15
    s = np.where(ok, (b[:, 0] * e[:, 1] - b[:, 1] * e[:, 0]) / np.where(ok, den, 1), -1)
    u = np.where(ok, (b[:, 0] * d[1] - b[:, 1] * d[0]) / np.where(ok, den, 1), -1)
    hit = ok & (s > 0) & (u >= -1e-9) & (u <= 1 + 1e-9)
    best = np.where(hit, s, np.inf).argmin()
    return centre + s[best] * d, e[best] / np.linalg.norm(e[best])


def _sample(boundary, centre, hw, hl, angles):
    """Points of a boundary in the directions `angles` (degrees) from the centre, on the
    outline scaled to a circle; tangents along the boundary there."""
    pts, tans = [], []
    for a in angles:
        r = math.radians(a)
        p, t = _ray(boundary, np.asarray(centre, float), (hw * math.cos(r), hl * math.sin(r)))
        pts.append(p)
        tans.append(t)
    return pts, tans


def _pear_boundary(hl):
    """A round end (radius 1/2) at -Y and two arcs meeting in a point at +Y."""
    yc = -hl + 0.5
    r = (0.25 + (hl - yc) ** 2) / 1.0  # arc through the tip, tangent to the round end
    top = math.asin((hl - yc) / r)
    right = _arc((0.5 - r, yc), r, 0.0, top)
    left = [(-x, y) for x, y in reversed(right)]
    bottom = _arc((0.0, yc), 0.5, math.pi, 2 * math.pi, 96)
    return bottom[:-1] + right[:-1] + left[:-1]


def _marquise_boundary(hl):
    r = (hl**2 + 0.25) / 1.0  # two arcs through both tips
    a = math.asin(hl / r)
    right = _arc((0.5 - r, 0.0), r, -a, a, 96)
    return right[:-1] + [(-x, -y) for x, y in right[:-1]]


def _heart_boundary(hl):
    """Point at +Y: two round lobes (cleft between them at -Y), sides bowing to the point."""
    rl, cx = 0.3, 0.2  # lobe radius and centre: the lobes overlap, leaving the cleft
    cy = -hl + rl  # lobe centres: the lobes' far edge at y = -hl
    tip = np.array([0.0, hl])
    join = math.radians(20.0)  # where a side leaves its lobe, above the lobe's widest point
    j = np.array([cx + rl * math.cos(join), cy + rl * math.sin(join)])
    lobe_dir = np.array([-math.sin(join), math.cos(join)])  # the lobe's tangent there
    half_tip = math.radians(50.0)
    tip_dir = np.array([math.sin(half_tip), -math.cos(half_tip)])  # from the tip downward
    # the side: a quadratic curve tangent to the lobe at j and to the tip's line at the tip
    mat = np.array([lobe_dir, -tip_dir]).T
    s = np.linalg.solve(mat, tip - j)
    ctrl = j + s[0] * lobe_dir
    side = [tuple((1 - f) ** 2 * j + 2 * f * (1 - f) * ctrl + f * f * tip)
            for f in np.linspace(0, 1, 48)]  # fmt: skip
    cleft_a = math.atan2(-math.sqrt(rl * rl - cx * cx), -cx)  # lobe angle at the cleft
    lobe = _arc((cx, cy), rl, cleft_a, join, 96)
    right = lobe[:-1] + side[:-1]
    left = [(-x, y) for x, y in reversed(right[1:])]
    return right + [tuple(tip)] + left


def _trillion_boundary():
    """A triangle with gently bowed sides, apex at +Y; its centre (the centroid) at 0."""
    corners = [np.array([math.cos(math.radians(a)), math.sin(math.radians(a))])
               for a in (90, 210, 330)]  # fmt: skip
    sag = 0.14  # bow of a side, of the corner radius
    pts = []
    for k in range(3):
        a, b = corners[k], corners[(k + 1) % 3]
        mid = (a + b) / 2
        out = mid / np.linalg.norm(mid)
        half = np.linalg.norm(b - a) / 2
        r = (half**2 + sag**2) / (2 * sag)
        centre = mid + out * (sag - r)
        a0 = math.atan2(*(a - centre)[::-1])
        a1 = math.atan2(*(b - centre)[::-1])
        if a1 < a0:
            a1 += 2 * math.pi
        pts += _arc(centre, r, a0, a1, 64)[:-1]
    return pts


# Cuts, unit frame --------------------------------------------------------------------


@dataclass
class Unit:
    facets: fx.Facets
    girdle: list  # (x, y) of the girdle polygon, CCW
    params: list  # outline parameter t of each girdle point
    points: tuple = ()  # t of sharp points
    corners: tuple = ()  # t of corners


CORNERS = (0.125, 0.375, 0.625, 0.875)  # square cuts: the corners (or cut corners' middles)


def _even_t(n: int) -> list:
    """Outline parameters of a polygon's n corners listed from just below +X: evenly
    spread, so a side's middle sits at t = 0, 0.25, ... and a corner (or a cut corner's
    middle) at t = 0.125, 0.375, ... whatever the ratio, and sampling the outline at any
    multiple of n points walks the polygon exactly."""
    return [((2 * i - 1) / (2 * n)) % 1.0 for i in range(n)]


def _brilliant_cut(pick, p: fx.Brilliant, centre=(0.0, 0.0), mains=8, **unit) -> Unit:
    """A brilliant on an outline: mains and halves at equal steps round the scaled circle
    (a trillion's six mains from its apex at 90 degrees)."""
    start = 90.0 if mains == 6 else 0.0
    angles = [start + 360.0 * k / (2 * mains) for k in range(2 * mains)]
    pts, tans = pick(angles)
    f = fx.brilliant(pts, tans[0::2], centre, p)
    return Unit(f, [tuple(q) for q in pts], [(a / 360.0) % 1.0 for a in angles], **unit)


def _on_curve(boundary, centre, hw, hl, axis=False):
    def pick(angles):
        pts, tans = _sample(boundary, centre, hw, hl, angles)
        if axis:  # every main sits on a symmetry axis: tangents square to it
            for i, a in enumerate(angles):
                r = math.radians(a)
                tans[i] = np.array([-math.sin(r), math.cos(r)])
        for i, a in enumerate(angles):  # mirror-exact points on the axes
            if abs(math.cos(math.radians(a))) < 1e-12:
                pts[i][0] = 0.0
                tans[i] = np.array([1.0, 0.0])
            if abs(math.sin(math.radians(a))) < 1e-12:
                tans[i] = np.array([0.0, 1.0])
        return pts, tans

    return pick


def _circle(hl):
    def pick(angles):
        r = [math.radians(a) for a in angles]
        pts = [np.array([0.5 * math.cos(a), hl * math.sin(a)]) for a in r]
        tans = [np.array([-0.5 * math.sin(a), hl * math.cos(a)]) for a in r]
        return pts, tans

    return pick


def _superellipse(hl, exponent):
    def point(a):
        c, s = math.cos(a), math.sin(a)
        e = 2.0 / exponent
        return np.array([0.5 * math.copysign(abs(c) ** e, c), hl * math.copysign(abs(s) ** e, s)])

    def pick(angles):
        pts, tans = [], []
        for a in angles:
            r = math.radians(a)
            pts.append(point(r))
            d = point(r + 1e-5) - point(r - 1e-5)
            tans.append(d / np.linalg.norm(d))
        return pts, tans

    return pick


def _octagon(hw, hl, k):
    """A rectangle with its corners cut by k (both legs)."""
    return [(hw, -hl + k), (hw, hl - k), (hw - k, hl), (-hw + k, hl), (-hw, hl - k),
            (-hw, -hl + k), (-hw + k, -hl), (hw - k, -hl)]  # fmt: skip


# Proportions (fractions of the width). Round: Tolkowsky / GIA Excellent: table 56 %, crown
# angle 34.5 deg, pavilion angle 40.75 deg, thin-medium girdle 3 %, stars 50 %, lower
# halves 77 %: total depth 61 %.
ROUND = fx.Brilliant(
    table=0.56,
    crown=0.5 * (1 - 0.56) * math.tan(math.radians(34.5)),
    girdle=0.03,
    pavilion=0.5 * math.tan(math.radians(40.75)),
)


def _step_rows(base, angles, reach, z0, sign):
    """(share of the way, z) of each ring of a step row set: each row goes `reach` share
    further, at its own angle (degrees) over a run of `base` (half width) per share."""
    rows, z, s = [], z0, 0.0
    for angle, share in zip(angles, reach, strict=True):
        z += sign * share * base * math.tan(math.radians(angle))
        s += share
        rows.append((s, z))
    return rows


def _step_cut(hw, hl, corner, table, crown_angles, pavilion_angles, girdle) -> Unit:
    """A step cut: three crown rows to the table, rows down to a keel of length L - W."""
    g = _octagon(hw, hl, corner) if corner else [(hw, -hl), (hw, hl), (-hw, hl), (-hw, -hl)]
    t_poly = fx.inset(g, (1 - table) * hw)
    keel = max(hl - hw, 0.0)
    bottom = [(0.0, keel if y > 0 else -keel) for _, y in g]
    zg = girdle / 2
    n_c, n_p = len(crown_angles), len(pavilion_angles)
    crown = _step_rows((1 - table) * hw, crown_angles, [1 / n_c] * n_c, zg, 1)
    pav = _step_rows(hw, pavilion_angles, [1 / n_p] * n_p, -zg, -1)
    f = fx.step(g, t_poly, bottom, crown, pav, girdle)
    # corners: the middles of the cut corners, or the rectangle's corners
    return Unit(f, g, _even_t(len(g)), corners=CORNERS)


CHEVRON_RIDGE = [(0.25, 0.32), (0.5, 0.6), (0.75, 0.83)]


def _princess() -> Unit:
    """Square: two crown steps to a 68 % table; a pavilion main from each girdle edge down to
    a V, three rows of chevrons below it (crown ~12 %, pavilion ~58 %, depth ~72 %)."""
    h = 0.5
    g = [(h, -h), (h, h), (-h, h), (-h, -h)]
    girdle = 0.03
    zg = girdle / 2
    table = 0.68
    crown = _step_rows((1 - table) * h, (40.0, 28.0), (0.5, 0.5), zg, 1)
    t_poly = fx.inset(g, (1 - table) * h)
    f = fx.Facets()
    top = [[f.add(fx._xyz((1 - s) * np.array(a) + s * b, z)) for a, b in zip(g, t_poly, strict=True)]
           for s, z in crown]  # fmt: skip
    up = [f.add((x, y, zg)) for x, y in g]
    dn = [f.add((x, y, -zg)) for x, y in g]
    f.girdle_top = up
    f.face("table", *top[-1])
    rings = [up, *top]
    for r in range(len(rings) - 1):
        for i in range(4):
            j = (i + 1) % 4
            f.face("crown_step", rings[r][i], rings[r][j], rings[r + 1][j], rings[r + 1][i])
    for i in range(4):
        j = (i + 1) % 4
        f.face(fx.GIRDLE, up[i], dn[i], dn[j], up[j])
    pavilion = 0.58
    fx.chevron_pavilion(f, dn, -zg - pavilion, CHEVRON_RIDGE, [0.55, 0.36, 0.18])
    return Unit(f, g, _even_t(4), corners=CORNERS)


@cache
def unit(cut: str, culet: bool = False) -> Unit:
    """The cut at width 1 and its standard ratio, in the unit frame: the girdle polygon's
    bounding box exactly 1 x ratio, centred (an affine map keeps every facet flat)."""
    u = _build(cut, culet)
    g = np.asarray(u.girdle)
    lo, hi = g.min(axis=0), g.max(axis=0)
    scale = np.array([1.0, STYLES[cut].ratio]) / (hi - lo)
    mid = (lo + hi) / 2
    u.facets.verts = [((x - mid[0]) * scale[0], (y - mid[1]) * scale[1], z)
                      for x, y, z in u.facets.verts]  # fmt: skip
    u.girdle = [tuple((np.asarray(p) - mid) * scale) for p in u.girdle]
    return u


def _build(cut: str, culet: bool) -> Unit:
    if cut not in STYLES:
        raise unknown_cut(cut)
    if culet and cut != "round":
        raise ValueError("gem.culet: an open culet is built for the round brilliant only")
    hl = STYLES[cut].ratio / 2
    # Fancy brilliants: depth 58-62 % (oval, pear, marquise, heart), cushion 64-70 %, radiant
    # 68-74 %; tables 55-70 %; elongated pavilions meet on a short keel (the culet line
    # whose "bow-tie" ovals, pears and marquises show), and the stones with corners or points
    # carry medium to thick girdles, as cut. No pavilion is bent: each stone is these
    # proportions, and its carat is what the volume gives.
    if cut in ("round", "oval"):  # the oval: the round brilliant drawn out along Y
        p = replace(ROUND, culet=0.04 if culet else 0.0, keel=0.08 * hl if cut == "oval" else 0.0)
        return _brilliant_cut(_circle(hl), p)
    if cut == "cushion":  # antique cushion: depth 66 %, table 66 %, open culet, girdle 4.5 %
        p = fx.Brilliant(0.66, 0.16, 0.045, 0.47, culet=0.12)
        return _brilliant_cut(_superellipse(hl, 4.5), p)
    if cut == "pear":  # depth 60 %, table 55 %
        b = _pear_boundary(hl)
        centre = (0.0, -hl + 0.5)
        p = fx.Brilliant(0.55, 0.14, 0.03, 0.43, keel=0.1 * hl)
        pick = _on_curve(b, centre, 0.5, hl)
        return _brilliant_cut(pick, p, centre, points=(0.25,))
    if cut == "marquise":  # depth 60 %, table 55 %
        b = _marquise_boundary(hl)
        p = fx.Brilliant(0.55, 0.14, 0.03, 0.43, keel=0.25 * hl)
        return _brilliant_cut(_on_curve(b, (0, 0), 0.5, hl), p, points=(0.25, 0.75))
    if cut == "heart":  # depth 61.5 %, table 55 %, medium-thick girdle (4.5 %)
        b = _heart_boundary(hl)
        centre = (0.0, float(np.mean(np.asarray(b)[:, 1])) + 0.08)
        p = fx.Brilliant(0.55, 0.14, 0.045, 0.43, keel=0.25 * hl)
        pick = _on_curve(b, centre, 0.5, hl)
        return _brilliant_cut(pick, p, centre, points=(0.25,))
    if cut == "trillion":  # curved trilliant: shallow (depth 53 %), thick girdle at the points
        raw = np.asarray(_trillion_boundary())
        scale = 1.0 / (raw[:, 0].max() - raw[:, 0].min())
        shift = -(raw[:, 1].max() + raw[:, 1].min()) / 2
        b = [((x) * scale, (y + shift) * scale) for x, y in raw]
        centre = (0.0, shift * scale)
        p = fx.Brilliant(0.6, 0.13, 0.06, 0.34)
        pick = _on_curve(b, centre, 1.0, 1.0, axis=True)
        apexes = (0.25, 0.25 + 1 / 3, 0.25 + 2 / 3)
        return _brilliant_cut(pick, p, centre, mains=6, points=apexes)
    if cut == "radiant":  # cut-cornered 1.2:1 rectangle, depth 72 %: mains on the edges' middles
        corners = [np.array(v) for v in _octagon(0.5, hl, 0.12)]
        pts, tans = [], []
        for i in range(8):
            a, b = corners[i], corners[(i + 1) % 8]
            along = (b - a) / np.linalg.norm(b - a)
            # a hair of bow (1 % of the edge) keeps each kite apart from the upper girdles
            # beside it: on a dead-straight edge they would be one plane
            bow = 0.01 * np.linalg.norm(b - a) * np.array([along[1], -along[0]])
            pts += [(a + b) / 2 + bow, b]
            tans.append(along)
        p = fx.Brilliant(0.7, 0.13, 0.05, 0.54, keel=hl - 0.5)
        f = fx.brilliant(pts, tans, (0, 0), p)
        t = [i / 16 for i in range(16)]  # a corner at 1/16, a cut corner's middle at 1/8
        return Unit(f, [tuple(q) for q in pts], t, corners=CORNERS)
    if cut == "princess":
        return _princess()
    if cut == "emerald":  # 1.5:1, depth 66 %, table 62 %: three rows of steps each side
        return _step_cut(0.5, hl, 0.15, 0.62, (45, 35, 25), (50, 44, 38), 0.03)
    if cut == "asscher":  # square, big cut corners, depth 66 %, table 60 %
        return _step_cut(0.5, 0.5, 0.2, 0.6, (45, 35, 25), (50, 44, 38), 0.03)
    if cut == "baguette":  # 2:1, depth 66 %: two crown rows, two pavilion rows
        return _step_cut(0.5, hl, 0.0, 0.62, (40, 28), (48, 42), 0.03)
    raise unknown_cut(cut)


@dataclass(frozen=True)
class Solid:
    verts: tuple  # (x, y, z) in the unit frame
    faces: tuple  # outward
    kinds: tuple
    girdle_half: float
    crown: float
    pavilion: float


@cache
def solid(cut: str, culet: bool = False) -> Solid:
    """The unit cut's faces turned outward, and its heights."""
    f = unit(cut, culet).facets
    verts = np.array(f.verts, float)
    faces = fx.orient(f.faces)
    if mesh_volume(f.verts, faces) < 0:
        faces = [tuple(reversed(fc)) for fc in faces]
    zg = float(verts[f.girdle_top[0], 2])
    top, bottom = float(verts[:, 2].max()), float(verts[:, 2].min())
    points = tuple(tuple(float(c) for c in v) for v in verts)
    return Solid(points, tuple(faces), tuple(f.kinds), zg, top - zg, -bottom - zg)
