"""Text engraved inside the band, and the metal's fineness stamp.

The text is a Blender text object (the built-in font or a given .ttf/.otf) turned into a
mesh, welded into closed letters, then bent onto the band's inner surface: its reading
direction runs round the finger, its height across the band, and its depth straight into
the metal, following the inside's own shape (a comfort band's dome included). Each cutter
starts a little inside the finger's room so the boolean cuts clean through the surface.

Depth and letter height default to castable figures (process profile: letters at least
0.5 mm deep; RW Manufacturing: about 1.75 mm tall) and never go deeper than a third of the
band. Text too long for the room inside is a SpecError that names the limit in characters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import bmesh
import bpy
import numpy as np

from ..jewelry.process import ProcessProfile
from ..jewelry.spec import Engraving, Shank, SpecError
from .meshdata import MeshData
from .scene import mesh_arrays
from .shank import profile

LETTER_HEIGHT = 1.75  # mm, RW Manufacturing / MJSA: legible after casting and polish
STAMP_HEIGHT = 1.2  # mm: a fineness mark is smaller than a message
EDGE_MARGIN = 0.65  # mm of band kept clear beside the letters: a casting wall (0.6) and a hair
ENTRY = 0.3  # mm the cutter reaches into the finger's room
GAP_MM = 2.0  # mm kept free between the text and the stamp beside it
NUDGE = 0.0137  # mm
SPAN_MM = 0.5  # longest edge of a letter before it is bent: its chord is 0.004 mm short


@dataclass
class Cut:
    """An engraved text: its cutter and what the report states about it."""

    text: str
    cutter: MeshData
    height_mm: float
    depth_mm: float
    centre_angle: float  # radians round the finger, 0 at the top
    length_mm: float  # along the inner surface
    max_characters: int
    samples: list[tuple[float, float]] = field(default_factory=list)  # (angle, y) in letters


def _font(path: str):
    if not path:
        return bpy.data.fonts.load("<builtin>", check_existing=True)
    if not Path(path).is_file():
        raise SpecError("engraving.font", path, "a .ttf or .otf file that exists, or ''")
    try:
        return bpy.data.fonts.load(str(Path(path).resolve()), check_existing=True)
    except RuntimeError:
        raise SpecError(
            "engraving.font", path, "a font file Blender can read (.ttf, .otf)"
        ) from None


def _text_mesh(text: str, font_path: str, height: float) -> MeshData:
    """The letters' mesh (cached: a size run stamps the same mark on every ring)."""
    if font_path and not Path(font_path).is_file():
        raise SpecError("engraving.font", font_path, "a .ttf or .otf file that exists, or ''")
    key = (text, font_path, Path(font_path).stat().st_mtime if font_path else 0.0, height)
    if key not in _TEXT_CACHE:
        if len(_TEXT_CACHE) > 64:
            _TEXT_CACHE.clear()
        _TEXT_CACHE[key] = _letters(text, font_path, height)
    cached = _TEXT_CACHE[key]
    return MeshData(cached.verts.copy(), cached.faces)


_TEXT_CACHE: dict = {}


def _letters(text: str, font_path: str, height: float) -> MeshData:
    """Closed letters, 1 unit high (em), extruded +-0.5, in the text's own plane (x along
    the line, y up, z through)."""
    curve = bpy.data.curves.new("aura_engraving", "FONT")
    obj = None
    mesh = None
    try:
        curve.body = text
        curve.font = _font(font_path)
        curve.size = 1.0
        curve.extrude = 0.5
        curve.align_x = "CENTER"
        obj = bpy.data.objects.new("aura_engraving", curve)
        mesh = bpy.data.meshes.new_from_object(obj)
        bm = bmesh.new()
        bm.from_mesh(mesh)
        bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-5)  # one closed solid per letter
        # short triangles only: bent round the finger, a long flat one would cut a chord
        # (shallower in its middle than at its corners)
        ys = [v.co.y for v in bm.verts]
        limit = SPAN_MM / height * (max(ys) - min(ys)) if ys else 1.0
        for _ in range(8):
            bmesh.ops.triangulate(bm, faces=bm.faces[:])
            long = [e for e in bm.edges if e.calc_length() > limit]
            if not long:
                break
            bmesh.ops.subdivide_edges(bm, edges=long, cuts=1, use_grid_fill=False)
        bmesh.ops.triangulate(bm, faces=bm.faces[:])
        bm.to_mesh(mesh)
        bm.free()
        verts, tris = mesh_arrays(mesh)
        return MeshData(verts, [tuple(t) for t in tris.tolist()])
    finally:
        if obj is not None:
            bpy.data.objects.remove(obj)
        if mesh is not None:
            bpy.data.meshes.remove(mesh)
        bpy.data.curves.remove(curve)


def inner_offset(shank: Shank, y: np.ndarray) -> np.ndarray:
    """How far the inside stands off the nominal inner radius at y across the band (a comfort
    band's inside domes toward its edges), at the bottom of the ring (no taper there): the
    nearest crossing of the profile's outline at each y."""
    uv = np.array(profile(shank.profile, shank.width_mm, shank.thickness_mm))
    (u0, v0), (u1, v1) = uv.T, np.roll(uv, -1, axis=0).T
    y = np.atleast_1d(np.asarray(y, dtype=float))[:, None]
    span = np.where(v1 != v0, v1 - v0, 1.0)
    f = (y - v0) / span
    crosses = (v1 != v0) & (f >= 0) & (f <= 1)
    u = np.where(crosses, u0 + (u1 - u0) * f, np.inf).min(axis=1)
    return np.where(np.isfinite(u), u, 0.0)


def engrave(
    text: str,
    shank: Shank,
    inner_diameter: float,
    process: ProcessProfile,
    *,
    font: str = "",
    height: float | None = None,
    depth: float | None = None,
    centre: float = math.pi,
    room_mm: float | None = None,
    field_name: str = "engraving",
) -> Cut:
    """A cutter for `text` inside the band, centred at angle `centre` (pi: the bottom)."""
    r_in = inner_diameter / 2
    band = min(shank.thickness_mm, shank.thickness_top)
    deepest = band / 3
    if depth is None:
        depth = min(max(process.min_engraving_depth_mm, 0.5), deepest)
    if depth > deepest + 1e-9:
        raise SpecError(
            f"{field_name}.depth_mm", depth, f"at most {deepest:.2f} mm: a third of the "
            f"{band:g} mm band (deeper engraving weakens it)"
        )  # fmt: skip
    if depth < process.min_engraving_depth_mm - 1e-9 and field_name == "engraving":
        raise SpecError(
            f"{field_name}.depth_mm", depth, f"at least {process.min_engraving_depth_mm:g} mm "
            f"for {process.label.lower()} (shallower letters fill with metal)"
        )  # fmt: skip
    fits = shank.width_mm - 2 * EDGE_MARGIN
    height = min(LETTER_HEIGHT, fits) if height is None else height
    if height > fits + 1e-9:
        raise SpecError(
            f"{field_name}.height_mm", height, f"at most {fits:.2f} mm: the {shank.width_mm:g} "
            f"mm band less {EDGE_MARGIN:g} mm each side"
        )  # fmt: skip

    letters = _text_mesh(text, font, height)
    lo, hi = letters.verts.min(axis=0), letters.verts.max(axis=0)
    scale = height / max(hi[1] - lo[1], 1e-9)
    v = letters.verts.copy()
    s = v[:, 0] * scale  # along the line, centred by the text object
    # centred across the band, a hair off: a stroke's edge exactly on the shank's own
    # vertex row (the profile's middle) would run in its faces and pinch the boolean
    y = (v[:, 1] - (lo[1] + hi[1]) / 2) * scale + NUDGE
    length = float(np.ptp(s))
    room = room_mm if room_mm is not None else math.pi * r_in
    if length > room:
        per_char = length / max(1, len(text))
        most = max(0, int(room / per_char))
        raise SpecError(
            f"{field_name}.text", text, f"too long for this band: at most {most} characters "
            f"at {height:.2f} mm letters ({room:.1f} mm of the inside is free)"
        )  # fmt: skip
    tris = np.array(letters.faces)
    # z in [-0.5, 0.5]: from inside the finger's room to the depth, along the inside's shape
    t = (v[:, 2] - lo[2]) / max(hi[2] - lo[2], 1e-9)
    # straight out from the finger, following the inside's own shape across the band
    radius = r_in + inner_offset(shank, y) + (-ENTRY + t * (ENTRY + depth))
    angle = centre - s / r_in  # read from the finger: left to right is -theta
    verts = np.column_stack([radius * np.sin(angle), y, radius * np.cos(angle)])
    cutter = MeshData(verts, letters.faces, detail=True).outward()
    # the letters' floors: centres of the fill triangles at full depth, where rays measure
    floor = tris[(t[tris] > 0.99).all(axis=1)]
    samples = [(float(angle[f].mean()), float(y[f].mean())) for f in floor]
    per_char = length / max(1, len(text))
    return Cut(text, cutter, height, depth, centre, length, int(room / per_char), samples)


def engravings(spec, process: ProcessProfile, fineness: str, busy=()) -> list[Cut]:
    """The spec's inside engraving, centred at the bottom, and the fineness stamp just
    after it (alone, a little off the bottom, so the band's bottom stays whole for gauging).
    `busy`: (from, to) angles of the inside taken by accents' light holes; text there is a
    clear error, a stamp there is left off (the report says so). Outside engraving is not
    built yet: a clear error."""
    r_in = spec.size.inner_diameter_mm / 2
    eng: Engraving | None = spec.engraving
    stamp = None
    band = min(spec.shank.thickness_mm, spec.shank.thickness_top)
    # no room for a castable mark in a band under 1.5 mm (a third of it under 0.5 mm)
    if spec.stamp and fineness and band / 3 >= process.min_engraving_depth_mm:
        height = min(STAMP_HEIGHT, spec.shank.width_mm - 2 * EDGE_MARGIN)
        stamp = engrave(fineness, spec.shank, spec.size.inner_diameter_mm, process,
                        height=height, field_name="stamp")  # fmt: skip
    text = None
    if eng is not None:
        if eng.where != "inside":
            raise SpecError("engraving.where", eng.where, "inside (outside is not built yet)")
        # the text has the lower half of the inside, less the stamp and the gap beside it
        room = math.pi * r_in - (stamp.length_mm + GAP_MM if stamp else 0.0)
        text = engrave(eng.text.strip(), spec.shank, spec.size.inner_diameter_mm, process,
                       font=eng.font, height=eng.height_mm, depth=eng.depth_mm, room_mm=room)  # fmt: skip
        if _clashes(text, busy, r_in):
            raise SpecError(
                "engraving.text", eng.text, "no room inside: the accents' light holes run "
                "where it would go; choose a smaller accent coverage"
            )  # fmt: skip
    if stamp is not None:
        before = text.length_mm / 2 if text else 0.0
        stamp = _turn(stamp, -(before + GAP_MM + stamp.length_mm / 2) / r_in)
        if _clashes(stamp, busy, r_in):
            stamp = None
    return [c for c in (text, stamp) if c is not None]


def _clashes(cut: Cut, busy, r_in: float) -> bool:
    """Does the cut reach into a busy arc (with GAP_MM to spare)?"""
    half = (cut.length_mm / 2 + GAP_MM) / r_in
    lo, hi = cut.centre_angle - half, cut.centre_angle + half
    for a, b in busy:
        for k in (-1, 0, 1):  # angles wrap round the finger
            if a + 2 * math.pi * k < hi and b + 2 * math.pi * k > lo:
                return True
    return False


def _turn(cut: Cut, delta: float) -> Cut:
    """The same cut turned round the finger by delta (radians)."""
    c, s = math.cos(delta), math.sin(delta)
    v = cut.cutter.verts
    verts = np.column_stack([v[:, 0] * c + v[:, 2] * s, v[:, 1], -v[:, 0] * s + v[:, 2] * c])
    cut.cutter = MeshData(verts, cut.cutter.faces, detail=True)
    cut.centre_angle += delta
    cut.samples = [(a + delta, y) for a, y in cut.samples]
    return cut


def measured_depths(mesh, cuts: list[Cut], shank: Shank, inner_diameter: float) -> list[float]:
    """Per cut, the depth of its letters in the built metal: rays from the finger's axis
    through the letters' floors, less the inside's own radius there (median of the rays
    that found a floor; 0 where none did)."""
    from mathutils import Vector
    from mathutils.bvhtree import BVHTree

    verts, tris = mesh_arrays(mesh)
    tree = BVHTree.FromPolygons(verts.tolist(), tris.tolist(), all_triangles=True)
    r_in = inner_diameter / 2
    out = []
    for cut in cuts:
        found = []
        samples = cut.samples[:: max(1, len(cut.samples) // 200)]
        offsets = inner_offset(shank, np.array([y for _a, y in samples]))
        for (angle, y), off in zip(samples, offsets, strict=True):
            direction = Vector((math.sin(angle), 0.0, math.cos(angle)))
            hit = tree.ray_cast(Vector((0.0, y, 0.0)), direction)
            if hit[0] is not None:
                found.append(hit[3] - r_in - float(off))
        out.append(float(np.median(found)) if found else 0.0)
    return out
