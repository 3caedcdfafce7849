"""Keyword motifs for the procedural backend, each a closed solid built from signed distances.

Orientation of every motif: it lies in the XY plane with its front (the face a viewer sees)
towards +Z and its natural "up" along +Y (a heart's point at -Y, a crown's spikes at +Y).
Sizes are in arbitrary units about 2 across; the cleanup scales to ``size_mm`` afterwards.

Each builder takes (rng, resolution, on_slab) and returns a trimesh; ``rng`` gives small,
deterministic per-seed variations in proportion, so the motif stays recognisable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import trimesh

from ai_server.backends import sdf

Builder = Callable[[np.random.Generator, int, Callable[[float], None] | None], trimesh.Trimesh]


def _vary(rng: np.random.Generator, value: float, amount: float = 0.08) -> float:
    return value * (1.0 + amount * rng.uniform(-1.0, 1.0))


def _box(lo, hi):
    return ((lo[0], lo[1], lo[2]), (hi[0], hi[1], hi[2]))


# ---------------------------------------------------------------- flat, pillowed outlines


def _heart_outline(points: int = 100) -> np.ndarray:
    """The classic parametric heart, about 2 wide, point at (0, -1), dip at (0, 0.29)."""
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return np.stack([x, y], axis=1) / 17.0


def heart(rng, resolution, on_slab):
    outline = _heart_outline()
    crown = _vary(rng, 0.2)

    def field(x, y, z):
        d2 = sdf.polygon(x, y, outline)
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.07, crown, 0.5), 0.06)

    return sdf.mesh_field(field, _box((-1, -1.05, -0.32), (1, 0.72, 0.32)), resolution, on_slab)


def _star_outline(points: int, outer: float, inner: float) -> np.ndarray:
    angles = np.pi / 2 + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def star(rng, resolution, on_slab):
    outline = _star_outline(5, 1.0, _vary(rng, 0.45, 0.1))

    def field(x, y, z):
        d2 = sdf.polygon(x, y, outline)
        # linear rise to the centre: the bevelled ridges of a faceted star
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.05, 0.26, 0.4, 1.0), 0.03)

    return sdf.mesh_field(field, _box((-1, -0.85, -0.34), (1, 1.02, 0.34)), resolution, on_slab)


def _petals(x, y, count, distance, length, width, offset_deg=0.0, fillet=0.05):
    d2 = None
    for i in range(count):
        angle = offset_deg + 90 + 360 * i / count
        a = np.radians(angle)
        petal = sdf.ellipse(x, y, distance * np.cos(a), distance * np.sin(a), length, width, angle)
        d2 = petal if d2 is None else sdf.smooth_union(d2, petal, fillet)
    return d2


def flower(rng, resolution, on_slab):
    count = int(rng.choice([5, 5, 6]))
    width = _vary(rng, 0.27)

    def field(x, y, z):
        d2 = sdf.smooth_union(
            _petals(x, y, count, 0.52, 0.47, width), sdf.circle(x, y, 0, 0, 0.3), 0.05
        )
        petals = sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.06, 0.1, 0.3), 0.05)
        centre = sdf.ellipsoid(x, y, z, 0, 0, 0.04, 0.3, 0.3, 0.26)
        return sdf.smooth_union(petals, centre, 0.04)

    return sdf.mesh_field(
        field, _box((-1.02, -1.02, -0.3), (1.02, 1.02, 0.34)), resolution, on_slab
    )


def rose(rng, resolution, on_slab):
    cup = _vary(rng, 0.28)
    layers = (  # (petal distance, length, width, angular offset, height, half-thickness)
        (0.55, 0.45, 0.34, 0.0, 0.0, 0.07),
        (0.36, 0.34, 0.26, 36.0, 0.16, 0.07),
        (0.19, 0.22, 0.17, 12.0, 0.32, 0.07),
    )

    def field(x, y, z):
        bowl = cup * (x * x + y * y)  # petals curl up towards their tips
        result = None
        for distance, length, width, offset, height, half in layers:
            d2 = _petals(x, y, 5, distance, length, width, offset, fillet=0.04)
            layer = sdf.rounded_extrusion(
                d2, z - height - bowl, sdf.domed_height(d2, half, 0.04, 0.15), 0.05
            )
            result = layer if result is None else sdf.smooth_union(result, layer, 0.05)
        bud = sdf.ellipsoid(x, y, z, 0, 0, 0.42, 0.17, 0.17, 0.2)
        return sdf.smooth_union(result, bud, 0.05)

    return sdf.mesh_field(
        field, _box((-1.02, -1.02, -0.12), (1.02, 1.02, 0.68)), resolution, on_slab
    )


def leaf(rng, resolution, on_slab):
    half_width = _vary(rng, 0.42)
    radius = (1 + half_width**2) / (2 * half_width)  # arcs through the tips (0, +-1)
    veins = [
        ((0.0, y0), (side * 0.34, y0 + 0.32)) for y0 in (-0.55, -0.2, 0.15) for side in (-1, 1)
    ]

    def field(x, y, z):
        d2 = sdf.intersect(
            sdf.circle(x, y, half_width - radius, 0, radius),
            sdf.circle(x, y, radius - half_width, 0, radius),
        )
        bend = 0.25 * x * x  # cupped along the midrib
        half = sdf.domed_height(d2, 0.04, 0.06, 0.25)
        body = sdf.rounded_extrusion(d2, z - bend, half, 0.03)
        top = bend + half
        for p0, p1 in veins:
            groove = np.sqrt(sdf.capsule(x, y, p0, p1, 0.0) ** 2 + (z - top) ** 2) - 0.035
            body = sdf.subtract(body, groove)
        midrib = (
            np.sqrt(sdf.capsule(x, y, (0, -0.95), (0, 0.85), 0.0) ** 2 + (z - top + 0.02) ** 2)
            - 0.05
        )
        stem = np.sqrt(sdf.capsule(x, y, (0, -1.3), (0, -0.8), 0.0) ** 2 + (z - 0.05) ** 2) - 0.06
        return sdf.union(body, midrib, stem)

    return sdf.mesh_field(field, _box((-0.5, -1.38, -0.14), (0.5, 1.02, 0.26)), resolution, on_slab)


def moon(rng, resolution, on_slab):
    bite_x = _vary(rng, 0.38)

    def field(x, y, z):
        d2 = sdf.subtract(sdf.circle(x, y, 0, 0, 1.0), sdf.circle(x, y, bite_x, 0.16, 0.84))
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.06, 0.16, 0.22), 0.05)

    return sdf.mesh_field(
        field, _box((-1.02, -1.02, -0.24), (0.5, 1.02, 0.24)), resolution, on_slab
    )


def crown(rng, resolution, on_slab):
    tips = [(-0.9, 0.45), (-0.45, 0.72), (0.0, _vary(rng, 0.95, 0.05)), (0.45, 0.72), (0.9, 0.45)]
    band = np.array([(-1.0, -0.7), (1.0, -0.7), (1.0, -0.25), (-1.0, -0.25)])
    spikes = [np.array([(tx - 0.26, -0.3), (tx + 0.26, -0.3), (tx, ty)]) for tx, ty in tips]

    def field(x, y, z):
        d2 = sdf.polygon(x, y, band)
        for spike in spikes:
            d2 = sdf.smooth_union(d2, sdf.polygon(x, y, spike), 0.04)
        body = sdf.rounded_extrusion(d2, z, 0.11, 0.05)
        for tx, ty in tips:
            body = sdf.smooth_union(body, sdf.sphere(x, y, z, tx, ty + 0.08, 0, 0.12), 0.03)
        for jx in (-0.55, 0.0, 0.55):
            body = sdf.union(body, sdf.ellipsoid(x, y, z, jx, -0.47, 0.08, 0.13, 0.13, 0.1))
        return body

    return sdf.mesh_field(field, _box((-1.02, -0.72, -0.2), (1.02, 1.12, 0.2)), resolution, on_slab)


def paw(rng, resolution, on_slab):
    spread = _vary(rng, 1.0, 0.05)
    toes = [(-0.62, 0.18, 20.0), (-0.22, 0.55, 5.0), (0.22, 0.55, -5.0), (0.62, 0.18, -20.0)]

    def field(x, y, z):
        heel = sdf.smooth_union(
            sdf.circle(x, y, 0, -0.38, 0.4),
            sdf.union(sdf.circle(x, y, -0.3, -0.55, 0.27), sdf.circle(x, y, 0.3, -0.55, 0.27)),
            0.15,
        )
        toe_pads = sdf.union(
            *(sdf.ellipse(x, y, tx * spread, ty, 0.25, 0.19, 90 + angle) for tx, ty, angle in toes)
        )
        pads = sdf.union(heel, toe_pads)
        backing = sdf.smooth_union(heel, toe_pads, 0.45) - 0.1  # one plate joins all pads
        plate = sdf.rounded_extrusion(backing, z + 0.06, 0.06, 0.03)
        domes = sdf.rounded_extrusion(pads, z, sdf.domed_height(pads, 0.1, 0.1, 0.2), 0.05)
        return sdf.union(plate, domes)

    return sdf.mesh_field(
        field, _box((-0.98, -0.9, -0.14), (0.98, 0.86, 0.22)), resolution, on_slab
    )


def butterfly(rng, resolution, on_slab):
    lift = _vary(rng, 30.0, 0.15)

    def field(x, y, z):
        wings = None
        for side in (-1, 1):
            upper = sdf.ellipse(x, y, side * 0.5, 0.28, 0.55, 0.37, side * lift)
            lower = sdf.ellipse(x, y, side * 0.38, -0.4, 0.37, 0.25, -side * 40)
            pair = sdf.smooth_union(upper, lower, 0.05)
            pair = sdf.subtract(pair, sdf.circle(x, y, side * 0.66, 0.38, 0.11))
            pair = sdf.subtract(pair, sdf.circle(x, y, side * 0.45, -0.48, 0.07))
            wings = pair if wings is None else sdf.union(wings, pair)
        wings3d = sdf.rounded_extrusion(wings, z, sdf.domed_height(wings, 0.05, 0.06, 0.2), 0.04)
        body = np.sqrt(sdf.capsule(x, y, (0, -0.62), (0, 0.42), 0.0) ** 2 + z * z) - 0.11
        antennae = None
        for side in (-1, 1):
            stalk = sdf.capsule(x, y, (0, 0.4), (side * 0.32, 0.9), 0.05)
            knob = sdf.circle(x, y, side * 0.32, 0.9, 0.08)
            part = sdf.union(stalk, knob)
            antennae = part if antennae is None else sdf.union(antennae, part)
        return sdf.union(wings3d, body, sdf.rounded_extrusion(antennae, z, 0.05, 0.03))

    return sdf.mesh_field(field, _box((-1.1, -0.8, -0.13), (1.1, 1.0, 0.13)), resolution, on_slab)


def cross(rng, resolution, on_slab):
    arm = _vary(rng, 0.62, 0.05)
    outline = np.array(
        [
            (-0.17, -1.0),
            (0.17, -1.0),
            (0.17, 0.2),
            (arm, 0.2),
            (arm, 0.54),
            (0.17, 0.54),
            (0.17, 1.0),
            (-0.17, 1.0),
            (-0.17, 0.54),
            (-arm, 0.54),
            (-arm, 0.2),
            (-0.17, 0.2),
        ]
    )

    def field(x, y, z):
        d2 = sdf.polygon(x, y, outline)
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.06, 0.12, 0.17, 1.0), 0.03)

    return sdf.mesh_field(field, _box((-0.7, -1.02, -0.2), (0.7, 1.02, 0.2)), resolution, on_slab)


def _clover(leaves: int):
    def build(rng, resolution, on_slab):
        stem_end = (_vary(rng, 0.15), -0.95)
        outlines = []
        for i in range(leaves):
            # leaf i points along a + 90 deg; the stem leaves between the two lowest leaves
            a = 2 * np.pi * i / leaves + (np.pi / leaves if leaves % 2 == 0 else 0.0)
            c, s = np.cos(a), np.sin(a)
            heart = _heart_outline(48) * 0.34 + [0.0, 0.34]  # point at the centre, lobes out
            outlines.append(heart @ np.array([[c, s], [-s, c]]))

        def field(x, y, z):
            d2 = sdf.circle(x, y, 0, 0, 0.1)
            for outline in outlines:
                d2 = sdf.smooth_union(d2, sdf.polygon(x, y, outline), 0.04)
            body = sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.05, 0.07, 0.15), 0.04)
            stem = np.sqrt(sdf.capsule(x, y, (0, 0), stem_end, 0.0) ** 2 + z * z) - 0.065
            return sdf.union(body, stem)

        return sdf.mesh_field(
            field, _box((-0.68, -1.03, -0.14), (0.68, 0.68, 0.14)), resolution, on_slab
        )

    return build


def drop(rng, resolution, on_slab):
    t = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    sharpness = _vary(rng, 1.6, 0.1)
    outline = np.stack([0.62 * np.sin(t) * np.abs(np.sin(t / 2)) ** sharpness, np.cos(t)], axis=1)

    def field(x, y, z):
        d2 = sdf.polygon(x, y, outline)
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.06, 0.2, 0.35), 0.05)

    return sdf.mesh_field(field, _box((-0.5, -1.02, -0.28), (0.5, 1.02, 0.28)), resolution, on_slab)


def shell(rng, resolution, on_slab):
    ribs = int(rng.choice([9, 11, 13]))
    hinge = np.array([0.0, -0.85])
    phi = np.radians(np.linspace(28, 152, 100))
    edge = 1.75 * (1 + 0.025 * np.cos(ribs * 2 * (phi - np.pi / 2)))
    outline = np.vstack(
        [hinge, np.stack([edge * np.cos(phi), edge * np.sin(phi)], 1) * [0.62, 1] + hinge]
    )

    def field(x, y, z):
        d2 = sdf.polygon(x, y, outline)
        ears = sdf.polygon(
            x, y, np.array([(-0.42, -0.85), (0.42, -0.85), (0.3, -0.55), (-0.3, -0.55)])
        )
        d2 = sdf.smooth_union(d2, ears, 0.04)
        angle = np.arctan2(y - hinge[1], x - hinge[0])
        reach = np.clip(
            (np.hypot(x - hinge[0], y - hinge[1]) - 0.35) / 0.5, 0, 1
        )  # none at the hinge
        fluting = 0.05 * reach * np.abs(np.cos(ribs * (angle - np.pi / 2)))  # radial ribs
        half = sdf.domed_height(d2, 0.05, 0.14, 0.4) + fluting * np.clip(-d2 / 0.1, 0, 1)
        return sdf.rounded_extrusion(d2, z, half, 0.04)

    return sdf.mesh_field(
        field, _box((-1.02, -0.9, -0.26), (1.02, 0.92, 0.26)), resolution, on_slab
    )


def snowflake(rng, resolution, on_slab):
    branch = _vary(rng, 0.3, 0.15)

    def field(x, y, z):
        d2 = sdf.circle(x, y, 0, 0, 0.2)
        for i in range(6):
            a = np.pi / 2 + i * np.pi / 3
            ux, uy = np.cos(a), np.sin(a)
            d2 = sdf.union(d2, sdf.capsule(x, y, (0, 0), (ux, uy), 0.075))
            for at, length in ((0.5, branch), (0.78, branch * 0.55)):
                base = (at * ux, at * uy)
                for turn in (-np.pi / 4, np.pi / 4):
                    tip = (base[0] + length * np.cos(a + turn), base[1] + length * np.sin(a + turn))
                    d2 = sdf.union(d2, sdf.capsule(x, y, base, tip, 0.055))
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.05, 0.07, 0.07, 1.0), 0.025)

    return sdf.mesh_field(field, _box((-1.0, -1.08, -0.13), (1.0, 1.08, 0.13)), resolution, on_slab)


def bolt(rng, resolution, on_slab):
    kink = _vary(rng, 0.1, 0.3)
    outline = np.array(
        [
            (0.3, 1.0),
            (0.12, 1.0),
            (-0.45, -kink),
            (-0.05, -kink),
            (-0.2, -1.0),
            (0.45, 0.15),
            (0.05, 0.15),
        ]
    )

    def field(x, y, z):
        d2 = sdf.polygon(x, y, outline)
        return sdf.rounded_extrusion(d2, z, sdf.domed_height(d2, 0.05, 0.14, 0.15, 1.0), 0.03)

    return sdf.mesh_field(field, _box((-0.52, -1.02, -0.2), (0.52, 1.02, 0.2)), resolution, on_slab)


# ---------------------------------------------------------------- swept tubes


def infinity(rng, resolution, on_slab):
    t = np.linspace(0, 2 * np.pi, max(96, 3 * resolution), endpoint=False)
    s = np.sin(t)
    # lemniscate of Bernoulli; the strands pass over and under at the crossing (z = +-0.22)
    curve = np.stack([np.cos(t) / (1 + s**2), s * np.cos(t) / (1 + s**2), 0.22 * s], axis=1)
    return sdf.tube(curve, _vary(rng, 0.15, 0.1), sides=24)


def knot(rng, resolution, on_slab):
    t = np.linspace(0, 2 * np.pi, max(120, 4 * resolution), endpoint=False)
    curve = np.stack(
        [np.sin(t) + 2 * np.sin(2 * t), np.cos(t) - 2 * np.cos(2 * t), -np.sin(3 * t)], axis=1
    )
    return sdf.tube(curve / 3.0, _vary(rng, 0.14, 0.1), sides=24)  # strands stay >= 0.4 apart


# ---------------------------------------------------------------- anything else


def organic(rng, resolution, on_slab):
    """A seeded smooth body: a chain of overlapping blobs (so it is one piece), gently rippled."""
    count = int(rng.integers(4, 8))
    centres, radii = [np.zeros(3)], [rng.uniform(0.4, 0.55)]
    for _ in range(count - 1):
        radius = rng.uniform(0.22, 0.45)
        direction = rng.normal(size=3) * [1.0, 1.0, 0.45]  # flatter than deep: wearable
        direction /= np.linalg.norm(direction)
        anchor = int(rng.integers(len(centres)))
        centres.append(centres[anchor] + direction * 0.7 * (radii[anchor] + radius))
        radii.append(radius)
    centres, radii = np.array(centres), np.array(radii)
    phases = rng.uniform(0, 2 * np.pi, size=3)
    lo = (centres - radii[:, None]).min(axis=0) - 0.15
    hi = (centres + radii[:, None]).max(axis=0) + 0.15

    def field(x, y, z):
        body = None
        for (cx, cy, cz), r in zip(centres, radii, strict=True):
            ball = sdf.sphere(x, y, z, cx, cy, cz, r)
            body = ball if body is None else sdf.smooth_union(body, ball, 0.2)
        ripple = np.sin(5 * x + phases[0]) * np.sin(5 * y + phases[1]) * np.sin(5 * z + phases[2])
        return body + 0.025 * ripple

    return sdf.mesh_field(field, (tuple(lo), tuple(hi)), resolution, on_slab)


# ---------------------------------------------------------------- keywords

MOTIFS: dict[str, Builder] = {
    "heart": heart,
    "star": star,
    "flower": flower,
    "rose": rose,
    "leaf": leaf,
    "moon": moon,
    "infinity": infinity,
    "crown": crown,
    "knot": knot,
    "paw": paw,
    "butterfly": butterfly,
    "cross": cross,
    "clover": _clover(4),
    "shamrock": _clover(3),
    "drop": drop,
    "shell": shell,
    "snowflake": snowflake,
    "bolt": bolt,
}

# word -> motif; a more specific motif ("rose", "clover") wins over a general one in the same
# prompt ("flower", "leaf"): "a four-leaf clover" is a clover, "a rose flower" a rose.
_SYNONYMS = {
    "heart": ["heart", "hearts", "love", "valentine"],
    "star": ["star", "stars", "starry"],
    "flower": ["flower", "flowers", "floral", "daisy", "blossom", "blossoms", "petal", "petals"],
    "rose": ["rose", "roses", "rosebud"],
    "leaf": ["leaf", "leaves", "leafy", "foliage", "vine", "vines", "ivy", "laurel", "fern"],
    "moon": ["moon", "crescent", "lunar"],
    "infinity": ["infinity", "eternity", "infinite"],
    "crown": ["crown", "tiara", "coronet"],
    "knot": ["knot", "knots", "celtic", "trefoil", "knotted"],
    "paw": ["paw", "paws", "pawprint", "dog", "cat", "puppy", "kitten"],
    "butterfly": ["butterfly", "butterflies", "moth"],
    "cross": ["cross", "crucifix"],
    "clover": ["clover", "quatrefoil"],
    "shamrock": ["shamrock"],
    "drop": ["drop", "teardrop", "raindrop", "droplet", "tear"],
    "shell": ["shell", "seashell", "scallop", "seashells"],
    "snowflake": ["snowflake", "snowflakes", "snow", "frost"],
    "bolt": ["bolt", "lightning", "thunderbolt"],
}
_SPECIFIC = {"rose", "clover", "shamrock", "butterfly", "snowflake"}
_WORD_TO_MOTIF = {word: motif for motif, words in _SYNONYMS.items() for word in words}


def pick_motif(prompt: str | None) -> str | None:
    """The motif a prompt asks for, or None (-> the organic shape)."""
    words = re.findall(r"[a-z]+", (prompt or "").lower())
    found = []
    for i, word in enumerate(words):
        motif = _WORD_TO_MOTIF.get(word)
        if motif is None:
            continue
        if motif == "rose" and i + 1 < len(words) and words[i + 1] == "gold":
            continue  # "rose gold" is a metal, not a flower
        found.append((motif not in _SPECIFIC, i, motif))
    return min(found)[2] if found else None
