"""Accent stones along the band: pavé, channel and bar rows, as JewelCraft distributes stones
along a curve and Matrix builds its pavé and eternity bands.

The row sits on a setting strip swept along the covered arc: a ribbon of metal as wide as
the stones need (their width, the seat clearance and a rim of casting wall each side), its
top STRIP_RISE over the band's crest and its foot sunk into the band, so it follows the
band's outer surface (tapers included) and unites with it. Each stone stands on the strip
with its table tangent to it and its length along the row; it gets a seat cutter (the stone
grown by the seat clearance) and a light hole under it through to the finger.

- pavé: a trough over the row clears the metal between the girdles down to where the seats'
  pavilions leave a casting wall between them; beads (micro-prongs) stand at every junction,
  one each side of the row, each one gripping the two stones it stands between.
- channel: the trough has a groove at the girdle and lips over it: the strip's rims are the
  rails and their lips grip every stone along its sides.
- bar: the trough as for pavé, and a bar across the row between every two stones (and at
  each end), notched by the two seats.

Frame of a stone at angle theta round the finger (theta = 0 at the top, +Z): its local z is
radial, its local y (the cut's length) runs along the band, its local x is -Y (across).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..jewelry import gem_cuts
from ..jewelry.bill import StoneLot
from ..jewelry.process import ProcessProfile
from ..jewelry.spec import Accents, Shank, SpecError
from .meshdata import MeshData, concat, loft
from .shank import SEGMENTS, taper_weight

SEAT_CLEARANCE = 0.05  # mm round the girdle, as the centre stone's seat
COVERAGE_DEG = {"shoulders": 55.0, "half": 90.0, "three-quarter": 135.0}  # from the top
STRIP_RISE = 0.3  # mm the setting strip stands over the band's crest (never flush: no
# coplanar faces for the boolean, and the row reads as set on the band)
STRIP_SINK = 0.6  # mm the strip's foot reaches into the band
SET_DEPTH = 0.1  # mm from the strip's top down to a pavé or bar stone's girdle
HEAD_GAP = 0.4  # mm between the head's metal and the nearest accent's girdle
STEP_DEG = 1.5  # sweep step round the finger
LOOP_SECTIONS = 241  # all round: a prime, a third of a step off the top, so no section of
# the strip lies in the plane of a section of the shank (coplanar edges pinch the boolean)
BEAD_RISE = 0.6  # mm a bead's wire rises over the girdle before its round top: the
# crown notch leaves a casting wall of metal over the stone
BAR_RISE = 0.8  # over the girdle: the crown notch leaves a casting wall over the stone
HOLE_SHARE = 0.75  # light holes opened to ~75 % of the stone's width (MJSA) where the wall
# between neighbouring holes allows
HOLE_SEGMENTS = 16
# A light hole through a domed (comfort) inside meets it at a slant: it opens into a 45 deg
# countersink at the finger, deep enough that the slant leaves no knife edge at its rim.


@dataclass
class Row:
    """What an accent row adds to the ring, and where things are for the checks."""

    def hole_arc(self) -> tuple[float, float]:
        """The arc round the finger (radians, from < to) where its light holes open."""
        if self.closed:
            return (0.0, 2 * math.pi)
        a = sorted(self.angles)
        pad = 0.06  # a stone's half width and its countersink, as an angle
        return (a[0] - pad, a[-1] + pad)

    stones: list[MeshData] = field(default_factory=list)  # one closed mesh per stone
    metal: list[MeshData] = field(default_factory=list)  # the setting strip
    cutters: list[MeshData] = field(default_factory=list)  # the trough over the row
    holders: list[MeshData] = field(default_factory=list)  # beads or bars, after the trough
    seats: list[MeshData] = field(default_factory=list)  # seats and light holes, cut last
    lot: StoneLot | None = None
    angles: list[float] = field(default_factory=list)  # stone centres round the finger
    girdle_radius: list[float] = field(default_factory=list)  # girdle centre, per stone
    beads: list[tuple[np.ndarray, np.ndarray, float]] = field(default_factory=list)
    # (a point on the bead's axis at girdle height, the axis, the design diameter)
    gap_mm: float = 0.0  # between neighbouring girdles, as laid out
    floor_depth: float = 0.0  # trough floor below the seats' girdle band
    hole_diameter: float = 0.0
    closed: bool = False  # all round the finger (eternity)


def frame(theta: float) -> np.ndarray:
    """Rotation (columns: local x, y, z in the world) of a stone at angle theta."""
    s, c = math.sin(theta), math.cos(theta)
    return np.array([[0.0, c, s], [-1.0, 0.0, 0.0], [0.0, -s, c]])


def place(verts: np.ndarray, theta: float, radius: float) -> np.ndarray:
    """Local points (origin at the girdle centre) to the world at theta, girdle at radius."""
    return (np.asarray(verts) + [0.0, 0.0, radius]) @ frame(theta).T


def band_crest(shank: Shank, inner_diameter: float, theta) -> np.ndarray:
    """Radius of the band's outer crest at theta (the taper thickens the top)."""
    w = taper_weight(np.asarray(theta, dtype=float))
    return inner_diameter / 2 + shank.thickness_mm + (shank.thickness_top - shank.thickness_mm) * w


def sweep(thetas, sections, closed: bool) -> MeshData:
    """A solid swept round the finger: `sections[i]` is a closed (radius, y) polygon at
    thetas[i]; a closed sweep joins the last section to the first, an open one is capped."""
    rings = [
        np.column_stack([sec[:, 0] * math.sin(t), sec[:, 1], sec[:, 0] * math.cos(t)])
        for t, sec in zip(thetas, sections, strict=True)
    ]
    if not closed:
        return loft(rings)
    n, m = len(rings[0]), len(rings)
    faces = []
    for k in range(m):
        a, b = k * n, ((k + 1) % m) * n
        faces += [(a + i, b + i, b + (i + 1) % n, a + (i + 1) % n) for i in range(n)]
    return MeshData(np.vstack(rings), faces).outward()


def _arc(start: float, end: float) -> np.ndarray:
    steps = max(2, math.ceil(math.degrees(end - start) / STEP_DEG))
    return np.linspace(start, end, steps + 1)


def _chord_angle(length: float, radius: float) -> float:
    return 2 * math.asin(min(0.999, length / (2 * radius)))


@dataclass
class _Layout:
    angles: list[float]
    runs: list[tuple[float, float]]  # arcs of stone centres (first, last); empty if closed
    closed: bool
    where: str


def _layout(acc: Accents, length: float, radius: float, head_half: float | None) -> _Layout:
    """Stone centres round the finger: packed from the head outward on both shoulders, or
    centred on the top, or evenly all round (eternity)."""
    pitch = _chord_angle(length + acc.gap_mm, radius)
    stone = _chord_angle(length, radius)
    full = acc.coverage == "full"
    if head_half is None and full:
        cap = int(2 * math.pi / pitch)
        # an even count: metal (a junction), not a light hole, at the top and the bottom
        n = _count(acc, cap - cap % 2 if acc.count is None else cap, "all round the band")
        angles = [2 * math.pi * (k + 0.5) / n for k in range(n)]
        return _Layout(angles, [], True, "all round the band (eternity)")
    if head_half is None:
        reach = math.radians(COVERAGE_DEG[acc.coverage])
        cap = int((2 * reach - stone) / pitch) + 1
        if acc.count is None and cap > 1:  # even: metal, not a light hole, at the very top
            cap -= cap % 2
        n = _count(acc, cap, f"{acc.coverage} of the band")
        angles = [(k - (n - 1) / 2) * pitch for k in range(n)]
        return _Layout(angles, [(angles[0], angles[-1])], False, f"{acc.coverage}, over the top")
    first = head_half + stone / 2
    if full:  # from one side of the head round the bottom to the other, at the row's own
        # pitch, centred on the bottom (any spare room is left beside the head)
        span = 2 * math.pi - 2 * first
        cap = int(span / pitch) + 1
        n = _count(acc, cap - cap % 2 if acc.count is None else cap, "round the band from the head")
        angles = [math.pi + (k - (n - 1) / 2) * pitch for k in range(n)]
        where = "round the band from the head (full eternity)"
        return _Layout(angles, [(angles[0], angles[-1])], False, where)
    last = math.radians(COVERAGE_DEG[acc.coverage]) - stone / 2
    cap = max(0, int((last - first) / pitch) + 1) if last >= first else 0
    per_side = _count(acc, 2 * cap, f"the two {acc.coverage} shoulders", pairs=True) // 2
    right = [first + k * pitch for k in range(per_side)]
    left = [-a for a in reversed(right)]
    runs = [(left[0], left[-1]), (right[0], right[-1])]
    return _Layout(left + right, runs, False, f"both shoulders ({acc.coverage}), from the head")


def _clear_of_shank(layout: _Layout) -> _Layout:
    """Turn the stones a hair (each shoulder away from the top, to keep them mirrored) where
    a stone or a gap between stones would lie in the plane of a section of the shank: their
    cutters' edges would run in the shank's faces, and the boolean pinches there."""
    step = 2 * math.pi / SEGMENTS
    a = np.array(layout.angles)
    marks = list(a) + list((a[1:] + a[:-1]) / 2)

    def clear(shift):
        moved = [a + math.copysign(shift, a) if not layout.closed else a + shift for a in marks]
        return min(abs((a / step) - round(a / step)) for a in moved) * step

    for k in range(12):
        shift = k * step / 24
        if clear(shift) > step / 10:
            break
    if layout.closed:
        angles = [a + shift for a in layout.angles]
    else:
        angles = [a + math.copysign(shift, a) for a in layout.angles]
    runs = [(f + math.copysign(shift, f), t + math.copysign(shift, t)) for f, t in layout.runs]
    return _Layout(angles, runs, layout.closed, layout.where)


def _count(acc: Accents, cap: int, where: str, pairs: bool = False) -> int:
    if cap < (2 if pairs else 1):
        raise SpecError(
            "accents.size_mm", acc.size_mm, f"stones this size do not fit {where}: choose "
            "smaller stones or a wider coverage"
        )  # fmt: skip
    if acc.count is None:
        return cap
    if acc.count > cap:
        raise SpecError(
            "accents.count", acc.count, f"at most {cap} stones of {acc.size_mm:g} mm with a "
            f"{acc.gap_mm:g} mm gap fit {where}"
        )  # fmt: skip
    if pairs and acc.count % 2:
        raise SpecError(
            "accents.count", acc.count, "an even number: beside a centre stone the stones go "
            "in pairs, one each side"
        )  # fmt: skip
    return acc.count


def _bead_offset(cut_name: str, length: float, width: float, half_pitch: float, reach: float):
    """Across-the-row offset of a bead standing half a pitch along the row from a stone's
    centre, whose axis is `reach` from the girdle outline (a bead of radius r gripping g
    stands r - g from it)."""
    outline = np.array(
        [gem_cuts.outline_point(cut_name, i / 96, length, width) for i in range(96)]
    )[:, ::-1]  # (along the row, across): the cut's length runs along the row
    lo, hi = 0.0, width + reach
    for _ in range(40):
        mid = (lo + hi) / 2
        d = np.linalg.norm(outline - [half_pitch, mid], axis=1).min()
        inside = abs(mid) < width / 2 and abs(half_pitch) < length / 2
        if d < reach or inside:
            lo = mid
        else:
            hi = mid
    return hi


def build_row(
    acc: Accents,
    shank: Shank,
    inner_diameter: float,
    process: ProcessProfile,
    head_extent: float | None = None,
    plan_only: bool = False,
) -> Row:
    """The accent row. `head_extent`: half the centre head's width across the ring (mm),
    or None for a band without a centre stone."""
    length, width = gem_cuts.dimensions_for_size(acc.cut, acc.size_mm)
    cut = gem_cuts.cut_mesh(acc.cut, length, width)
    seat = gem_cuts.cut_mesh(acc.cut, length, width, SEAT_CLEARANCE)
    wall = process.min_wall_mm
    grip = process.min_grip_mm
    clr = SEAT_CLEARANCE
    r_in = inner_diameter / 2
    g = cut.girdle_thickness

    # where the girdle's top sits under the strip's top
    lip = wall + 0.15 if acc.layout == "channel" else 0.0  # channel: rails' lips over it
    below_top = SET_DEPTH
    if acc.layout == "channel":
        # the lips' flat underside clears the seat's crown where they reach over the girdle,
        # so no crown notch thins them between two stones
        slope = cut.crown_height / (width / 2 * (1 - cut.table_fraction))
        below_top = lip + seat.girdle_top - cut.girdle_top + (grip + 2 * clr) * slope + 0.03

    gap = acc.gap_mm
    bar = wall + 2 * (grip + clr) + 0.05  # bar along the row: wall left between two notches
    if acc.layout == "bar":
        gap = max(gap, bar - 2 * grip)

    # the pavilions of neighbouring seats part by `rate` mm per mm of depth on each side;
    # the trough's floor lies where the metal left between them is a casting wall
    rate = (1 - cut.pavilion_scale(0.5)) * width / cut.pavilion_depth
    floor_depth = max(0.05, (wall + 0.1 - (gap - 2 * clr)) / (2 * rate))
    floor_below_top = below_top + g + clr + floor_depth  # strip top -> trough floor
    # under the floor, a casting wall over the finger (a comfort inside domes up at the
    # trough's edge): the strip stands as far over the band's crest as that needs
    half_w = width / 2 + clr + 0.02  # the trough's half width: clear of the seat's girdle
    dome = 0.22 * shank.thickness_mm * (half_w / (shank.width_mm / 2)) ** 2
    dome = dome if shank.profile == "comfort" else 0.0
    lift = max(STRIP_RISE, floor_below_top + wall + 0.1 + dome - shank.thickness_mm)

    def top(theta):
        return band_crest(shank, inner_diameter, theta) + lift

    laid = Accents(**{**acc.__dict__, "gap_mm": gap})
    r_ref = float(top(0.0)) - below_top - g / 2
    head_half = None
    if head_extent is not None:
        head_half = math.asin(min(0.95, (head_extent + HEAD_GAP) / r_ref))
    layout = _clear_of_shank(_layout(laid, length, r_ref, head_half))
    row = Row(angles=layout.angles, closed=layout.closed)
    row.lot = StoneLot(
        "accent", layout.where, acc.cut, acc.stone, length, width, cut.depth, len(layout.angles)
    )
    if plan_only:  # the count and the place, for a live preview: no meshes
        return row
    angles = np.array(layout.angles)
    radii = top(angles) - below_top - g / 2
    row.girdle_radius = radii.tolist()
    spread = np.diff(angles)
    row.gap_mm = (
        float((2 * radii[0] * np.sin(spread.min() / 2)) - length) if len(angles) > 1 else gap
    )
    if layout.closed and len(angles) > 1:
        wrap = 2 * math.pi - (angles[-1] - angles[0])
        row.gap_mm = min(row.gap_mm, 2 * radii[0] * math.sin(wrap / 2) - length)

    row.floor_depth = floor_depth

    stone_verts = np.array(cut.verts)
    seat_verts = np.array(seat.verts)
    for a, r in zip(angles, radii, strict=True):
        row.stones.append(MeshData(place(stone_verts, a, r), list(cut.faces)))
    pairs = list(zip(angles, radii, strict=True))
    seats = [MeshData(place(seat_verts, a, r), list(seat.faces)) for a, r in pairs]

    # light holes: as wide as the wall between neighbouring holes at the finger allows
    hole = HOLE_SHARE * width
    if len(angles) > 1:
        pitch_in = 2 * r_in * math.sin(float(np.abs(spread).min()) / 2)
        hole = min(hole, pitch_in - wall - 0.1)
    hole = max(hole, process.min_detail_mm)
    row.hole_diameter = hole
    ring = np.linspace(0, 2 * math.pi, HOLE_SEGMENTS, endpoint=False)
    circle = np.column_stack([np.cos(ring), np.sin(ring), np.zeros(HOLE_SEGMENTS)])
    rim = hole / 2  # the opening at the finger
    edge = 0.22 * shank.thickness_mm if shank.profile == "comfort" else 0.0  # the dome's
    a_in = shank.width_mm / 2  # rise at the band's edge; the inside's slope at the rim:
    slope = 2 * edge * rim / a_in**2
    sink = 0.7 * slope + 0.02
    off = edge * (rim / a_in) ** 2  # the inside at the rim stands this far off r_in
    hole_r = max(0.15, rim - sink)
    holes = []
    for a, r in zip(angles, radii, strict=True):
        z_top, z_rim = -g / 2, r_in + off - r  # from the girdle band to the finger side
        z_neck = z_rim + (rim - hole_r)  # 45 deg from the rim to the hole's own width
        cut = loft([circle * hole_r + [0, 0, z_top], circle * hole_r + [0, 0, z_neck],
                    circle * (rim + 0.6) + [0, 0, z_rim - 0.6]])  # fmt: skip
        holes.append(MeshData(place(cut.verts, a, r), cut.faces))

    # the strip and the trough, along each run (or all round)
    rim = wall + 0.1
    strip_half = half_w + rim
    stone_half = _chord_angle(length, float(radii.min())) / 2
    if layout.closed:
        arcs = [(0.0, 2 * math.pi)]
    else:
        arcs = list(layout.runs)
    strips, troughs = [], []
    for first, last in arcs:
        if layout.closed:
            thetas = (np.arange(LOOP_SECTIONS) + 0.3) * 2 * math.pi / LOOP_SECTIONS
            t_thetas = thetas + math.pi / LOOP_SECTIONS  # half a step off the strip's
        else:
            # pavé: the end beads stand in the trough as every other bead does, except
            # beside the head (the trough must not cut into its plate)
            past = clr + (gap / 2 + 1.0 if acc.layout == "pave" else 0.0)
            lo = past if head_half is None or abs(first) > abs(last) else clr
            hi = past if head_half is None or abs(last) > abs(first) else clr
            if head_half is not None and acc.coverage == "full":
                lo = hi = clr
            start = first - stone_half - (lo + rim) / r_ref
            end = last + stone_half + (hi + rim) / r_ref
            if head_half is not None:  # run on under the head's plate: no end face near it
                start = 0.05 if abs(first) < abs(last) else start
                end = -0.05 if abs(last) < abs(first) else end
                if acc.coverage == "full":
                    start, end = 0.05, 2 * math.pi - 0.05
            thetas = _arc(start, end)
            t_thetas = _arc(first - stone_half - lo / r_ref, last + stone_half + hi / r_ref)
        sections = []
        for t in thetas:
            crest = float(top(t))
            # the strip's side stands square past the trough's floor (a casting wall of rim
            # all the way down), then narrows into the band, short of the finger
            flare = min(crest - (wall + 0.1), crest - floor_below_top - 0.1)
            foot = max(r_in + 0.3, min(crest - lift - STRIP_SINK, flare - 0.4))
            flare = max(flare, foot + 0.1)
            band_half = (shank.width_mm + (shank.width_top - shank.width_mm)
                         * float(taper_weight(t))) / 2  # fmt: skip
            base_half = min(strip_half, max(0.3, band_half - 0.1))
            sections.append(np.array([(foot, -base_half), (flare, -strip_half), (crest, -strip_half),
                                      (crest, strip_half), (flare, strip_half), (foot, base_half)]))  # fmt: skip
        strips.append(sweep(thetas, sections, layout.closed))
        t_sections = []
        for t in t_thetas:
            crest = float(top(t))
            floor = crest - floor_below_top
            if acc.layout == "channel":
                groove = crest - lip  # the lip's underside, over the girdle band's top
                inner = width / 2 - grip  # the lips reach over the girdle by the grip
                sec = [(floor, -half_w), (groove, -half_w), (groove, -inner), (crest + 1, -inner),
                       (crest + 1, inner), (groove, inner), (groove, half_w), (floor, half_w)]  # fmt: skip
            else:
                sec = [(floor, -half_w), (crest + 1, -half_w), (crest + 1, half_w), (floor, half_w)]
            t_sections.append(np.array(sec))
        troughs.append(sweep(t_thetas, t_sections, layout.closed))

    row.metal += strips
    row.cutters += troughs
    row.seats += [concat(seats), concat(holes)]
    if acc.layout == "pave":
        _beads(row, acc, length, width, process, floor_below_top, top, layout)
    elif acc.layout == "bar":
        _bars(row, bar, strip_half, floor_below_top, top, layout, below_top, g)
    return row


def _junctions(layout: _Layout) -> list[float]:
    """Angles between neighbouring stones, and half a pitch past the ends of each run."""
    a = layout.angles
    if layout.closed:
        return [(a[i] + (a[(i + 1) % len(a)] + (2 * math.pi if i == len(a) - 1 else 0))) / 2
                for i in range(len(a))]  # fmt: skip
    out = []
    for first, last in layout.runs:
        run = [t for t in a if first - 1e-9 <= t <= last + 1e-9]
        step = (run[1] - run[0]) if len(run) > 1 else 0.0
        if len(run) > 1:
            out.append(run[0] - step / 2)
            out += [(run[i] + run[i + 1]) / 2 for i in range(len(run) - 1)]
            out.append(run[-1] + step / 2)
    return out


def _beads(row, acc, length, width, process, floor_below_top, top, layout) -> None:
    """Shared beads: at each junction one bead each side of the row, gripping both stones.

    A round bead notched by two seats ends in a knife-thin tip between them (at JewelCraft's
    0.2 mm gap the web is 0.1-0.3 mm: a setter raises such beads by hand, a casting cannot
    fill them). So each bead is a round wire cut flat on its side toward the row, where the
    metal left between the two seats is a micro-prong's casting minimum; its round side
    stands on the rim, and its flat side reaches over both girdles by the grip."""
    if len(row.angles) < 2:
        return
    need = process.min_bead_mm + 0.05  # metal between the two notches
    radius = need / 2 + process.min_grip_mm + SEAT_CLEARANCE + 0.02
    seat = (length + 2 * SEAT_CLEARANCE, width + 2 * SEAT_CLEARANCE)
    outline = np.array(  # the seat's girdle as (along the row, across)
        [gem_cuts.outline_point(acc.cut, i / 720, *seat) for i in range(720)]
    )[:, ::-1]
    blocks = []
    for t in _junctions(layout):
        step = min(abs(t - a) for a in row.angles)
        crest = float(top(t))
        half = (crest - SET_DEPTH) * math.sin(step)  # to each stone's centre, at the girdle
        clip = _clip_line(outline, half, need / 2)
        centre = clip + 0.15
        shape = _d_shape(radius, centre, clip)  # (along, across), across > 0
        foot, high = crest - floor_below_top - 0.2, crest - SET_DEPTH + BEAD_RISE
        for side in (-1.0, 1.0):
            flat = np.column_stack([-side * shape[:, 1], shape[:, 0]])  # local x, y
            if side < 0:
                flat = flat[::-1]
            mid = flat.mean(axis=0)
            rings = [np.column_stack([flat, np.full(len(flat), z)]) for z in (foot, high)]
            dome = mid + (flat - mid) * 0.55
            rings.append(np.column_stack([dome, np.full(len(flat), high + radius * 0.55)]))
            local = loft(rings)
            blocks.append(MeshData(local.verts @ frame(t).T, local.faces))
            axis = frame(t)[:, 2]
            row.beads.append((np.array([0.0, side * centre, 0.0]) + axis * (crest - SET_DEPTH),
                              axis, 2 * radius))  # fmt: skip
    row.holders.append(concat(blocks))


def _clip_line(outline: np.ndarray, half: float, least: float) -> float:
    """The least offset across the row at which two seats `2 * half` apart (centre to centre,
    along the row) leave at least `2 * least` of metal between them."""
    for y in np.arange(0.0, outline[:, 1].max() + 0.01, 0.005):
        near = outline[np.abs(outline[:, 1] - y) < 0.01]
        if len(near) == 0 or half - float(near[:, 0].max()) >= least:
            return float(y)
    return float(outline[:, 1].max())


def _d_shape(radius: float, centre: float, clip: float, n: int = 20) -> np.ndarray:
    """A circle round (0, centre) cut flat at across = clip: (along, across) points."""
    k = math.asin(max(-1.0, min(1.0, (clip - centre) / radius)))  # where the flat meets it
    angles = np.linspace(k, math.pi - k, n)  # the round side, away from the row
    return np.column_stack([radius * np.cos(angles), centre + radius * np.sin(angles)])


def _bars(row, bar, strip_half, floor_below_top, top, layout, below_top, g) -> None:
    """A bar across the row at every junction, from the trough floor up over the girdles."""
    blocks = []
    for t in _junctions(layout):
        if len(row.angles) < 2:
            break
        crest = float(top(t))
        foot = crest - floor_below_top - 0.2
        high = crest - below_top + BAR_RISE
        rect = np.array([(-strip_half, -bar / 2), (strip_half, -bar / 2),
                         (strip_half, bar / 2), (-strip_half, bar / 2)])  # fmt: skip
        local = loft([np.column_stack([rect, np.full(4, z)]) for z in (foot, high)])
        blocks.append(MeshData(local.verts @ frame(t).T, local.faces))
    if blocks:
        row.holders.append(concat(blocks))
