"""The band's own sections, measured on the fused mesh every few degrees round the ring.

At each angle a ray leaves the finger's axis (the Y axis) in the ring's middle plane: where
it enters the metal is the band's inner surface; where it leaves again is its outer surface.
Only the band counts: a section whose inner or outer surface belongs to a head or a motif
(the faces carry the part they came from, see `fuse.PART_ATTR`) is where something stands on
the band, so it is left out rather than measured as a thick band. The width is measured
across the ring (along Y) from the middle of each measured section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from mathutils import Vector

from .fuse import PART_BAND

STEP_DEG = 5.0
_EPS = 1e-4


@dataclass
class Section:
    angle_deg: float  # 0 at the top (+Z), clockwise seen from +Y
    thickness_mm: float | None  # None where a head or motif stands on the band
    width_mm: float | None
    position_mm: list[float]  # the middle of the section
    faces: list[int] = field(default_factory=list)  # triangles of the band hit by the rays


def _through(tree, origin: Vector, direction: Vector):
    """(entry hit, exit hit) of the metal along a ray from outside it, or None."""
    enter = tree.ray_cast(origin, direction)
    if enter[0] is None:
        return None
    leave = tree.ray_cast(enter[0] + direction * _EPS, direction)
    if leave[0] is None:
        return None
    return enter, leave


def sections(tree, tri_parts: np.ndarray, step_deg: float = STEP_DEG) -> list[Section]:
    """The band's thickness and width at every `step_deg` round the ring."""
    out = []
    for k in range(round(360 / step_deg)):
        angle = k * step_deg
        a = math.radians(angle)
        radial = Vector((math.sin(a), 0.0, math.cos(a)))
        hits = _through(tree, Vector((0.0, 0.0, 0.0)), radial)
        if hits is None:
            out.append(Section(angle, None, None, [0.0, 0.0, 0.0]))
            continue
        (inner, _n1, f_in, d_in), (outer, _n2, f_out, d_out) = hits
        middle = (inner + outer) / 2
        position = [round(c, 3) for c in middle]
        if tri_parts[f_in] != PART_BAND or tri_parts[f_out] != PART_BAND:
            out.append(Section(angle, None, None, position, [f_in, f_out]))
            continue
        thickness = (outer - inner).length
        width, faces = None, [f_in, f_out]
        ahead = tree.ray_cast(middle, Vector((0.0, 1.0, 0.0)))
        behind = tree.ray_cast(middle, Vector((0.0, -1.0, 0.0)))
        if ahead[0] is not None and behind[0] is not None:
            if tri_parts[ahead[2]] == PART_BAND and tri_parts[behind[2]] == PART_BAND:
                width = ahead[3] + behind[3]
                faces += [ahead[2], behind[2]]
        out.append(Section(angle, thickness, width, position, faces))
    return out
