"""The shank: a profile swept around the finger (the Y axis), its inner surface exactly on
the ring size's diameter.

Profiles (cross-sections; u = outward from the inner surface, v = along the finger):
flat, comfort (court: domed inside and out), d (half-round, flat inside) and knife-edge
(a ridge with a narrow crest). An optional taper widens and thickens the top, under the head.

The sweep is a polygon of SEGMENTS sides; every radius is divided by cos(pi / SEGMENTS) so
that the flat faces, not the corners, sit on the nominal surface: a ring gauge touches the
faces, and the measured inner diameter equals the size's to well under 0.01 mm.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..jewelry.spec import Shank
from .meshdata import MeshData, ring_of_rings

SEGMENTS = 192
CURVE_POINTS = 12


def _curve(fn, a: float, n: int) -> list[tuple[float, float]]:
    """Sample u = fn(v) from v = -a to +a (n + 1 points)."""
    return [(fn(v), v) for v in np.linspace(-a, a, n + 1)]


def profile(kind: str, width: float, thickness: float) -> list[tuple[float, float]]:
    """Closed cross-section as (u, v) points: inner side from -v to +v, then back along the outer."""
    a, t = width / 2, thickness
    n = CURVE_POINTS
    if kind == "flat":
        rc = min(0.3, t / 4, a / 4)  # eased edges
        corners = (
            (rc, a - rc, 180),
            (t - rc, a - rc, 90),
            (t - rc, -a + rc, 0),
            (rc, -a + rc, -90),
        )
        pts = []
        for cu, cv, start in corners:
            for phi in np.radians(np.linspace(start, start - 90, 5)):
                pts.append((cu + rc * math.cos(phi), cv + rc * math.sin(phi)))
        return pts
    if kind == "comfort":
        dome_in, dome_out = 0.22 * t, 0.32 * t
        inner = _curve(lambda v: dome_in * (v / a) ** 2, a, n)
        outer = _curve(lambda v: t - dome_out * (v / a) ** 2, a, n)[::-1]
        return inner + outer
    if kind == "d":
        edge = 0.3 * t
        inner = _curve(lambda v: 0.0, a, n)
        outer = [
            (edge + (t - edge) * math.cos(th), a * math.sin(th))
            for th in np.linspace(math.pi / 2, -math.pi / 2, 2 * n + 1)
        ]
        return inner + outer
    if kind == "knife-edge":
        edge, crest = 0.5 * t, min(0.35, a / 4)
        inner = _curve(lambda v: 0.0, a, n)
        side = [(edge + (t - edge) * f, a - (a - crest) * f) for f in np.linspace(0, 1, n // 2 + 1)]
        outer = side + [(t, 0.0)] + [(u, -v) for u, v in reversed(side)]
        return inner + outer
    raise ValueError(f"shank.profile: {kind!r} is unknown")


TAPER_WIDTH = 1.45  # tapered shoulders: the band widens this much under the head
TAPER_THICKNESS = 1.15


def with_shoulders(shank: Shank) -> Shank:
    """The band as its shoulders shape it: tapered shoulders widen and thicken it under the
    head (unless the spec gives its own top width and thickness)."""
    if shank.shoulders != "tapered":
        return shank
    return replace(
        shank,
        top_width_mm=shank.top_width_mm or round(min(shank.width_mm * TAPER_WIDTH, 15.0), 3),
        top_thickness_mm=shank.top_thickness_mm
        or round(min(shank.thickness_mm * TAPER_THICKNESS, 6.0), 3),
    )


def taper_weight(theta: np.ndarray) -> np.ndarray:
    """1 at the top (theta = 0), falling smoothly to 0 at the bottom."""
    return ((1 + np.cos(theta)) / 2) ** 3


def shank_mesh(shank: Shank, inner_diameter: float) -> MeshData:
    r_in = inner_diameter / 2
    thetas = np.linspace(0, 2 * np.pi, SEGMENTS, endpoint=False)
    weights = taper_weight(thetas)
    corner = 1 / math.cos(math.pi / SEGMENTS)
    rings = []
    for theta, w in zip(thetas, weights, strict=True):
        width = shank.width_mm + (shank.width_top - shank.width_mm) * w
        thick = shank.thickness_mm + (shank.thickness_top - shank.thickness_mm) * w
        uv = np.array(profile(shank.profile, width, thick))
        r = (r_in + uv[:, 0]) * corner
        rings.append(np.column_stack([r * math.sin(theta), uv[:, 1], r * math.cos(theta)]))
    return ring_of_rings(rings)


def top_outer_radius(shank: Shank, inner_diameter: float) -> float:
    """Height of the shank's crest at the top of the ring, where the head is seated."""
    return inner_diameter / 2 + shank.thickness_top


def upright_top(shank: Shank) -> float:
    """How far out from the finger the top's cross-section keeps its upright sides: above
    this the profile rounds over into its crown (a motif's back sits below it)."""
    width, thick = shank.width_top, shank.thickness_top
    edge = [u for u, v in profile(shank.profile, width, thick) if abs(abs(v) - width / 2) < 1e-9]
    return max(edge) if edge else thick / 2
