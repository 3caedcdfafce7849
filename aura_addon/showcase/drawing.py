"""The technical sheet: orthographic front, side and top line drawings on A3, to a standard
scale, with the key dimensions written on them, and a column of the figures a bench
jeweler needs. Every number is measured from the model (see measure.py).

Third-angle projection: the top view above the front, the right side view to its right.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from . import lines
from .measure import ring_matrix
from .sheet import THICK, Sheet, pillow_available

PAGE_MM = (420.0, 297.0)  # A3 landscape
SCALES = (10, 5, 2, 1)  # ISO 5455 enlargement scales, largest first
VIEW_AREA = (10.0, 10.0, 288.0, 277.0)  # x, y, width, height on the sheet
INFO_X = 304.0  # the column of figures on the right
GAP = 26.0  # paper mm around each view for its dimensions
METAL_CREASE_DEG = 40.0  # wider than the wire and tube facets, narrower than real edges
STONE_CREASE_DEG = 15.0
SAMPLE_PAPER_MM = 0.3  # visibility is checked every 0.3 mm of paper along an edge


def lettering_font() -> Path | None:
    """Blender's own interface font (it has Ø and ³), or None for Pillow's default."""
    import bpy

    path = Path(bpy.utils.system_resource("DATAFILES", path="fonts")) / "Inter.woff2"
    return path if path.is_file() else None


def _mm(value: float) -> str:
    return f"{value:.2f}"


def choose_scale(extent_mm: tuple[float, float, float]) -> int:
    """The largest standard scale at which the three views and their dimensions fit."""
    wx, ly, hz = extent_mm
    _, _, area_w, area_h = VIEW_AREA
    for scale in SCALES:
        if 3 * GAP + scale * (wx + ly) <= area_w and 3 * GAP + scale * (ly + hz) <= area_h:
            return scale
    return SCALES[-1]


class Layout:
    """Where each view sits on the sheet, and the model-to-paper mapping of each."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, scale: int):
        self.lo, self.hi, self.s = lo, hi, scale
        wx, ly, hz = (hi - lo) * scale
        area_x, area_y, area_w, area_h = VIEW_AREA
        left = area_x + (area_w - (3 * GAP + wx + ly)) / 2
        top = area_y + (area_h - (3 * GAP + ly + hz)) / 2
        self.front_x0 = left + GAP
        self.top_y0 = top + GAP
        self.front_y0 = top + 2 * GAP + ly
        self.side_x0 = left + 2 * GAP + wx
        self.size = (wx, ly, hz)

    def front(self, x, z):
        return np.array(
            [self.front_x0 + self.s * (x - self.lo[0]), self.front_y0 + self.s * (self.hi[2] - z)]
        )

    def side(self, y, z):
        return np.array(
            [self.side_x0 + self.s * (y - self.lo[1]), self.front_y0 + self.s * (self.hi[2] - z)]
        )

    def top(self, x, y):
        return np.array(
            [self.front_x0 + self.s * (x - self.lo[0]), self.top_y0 + self.s * (self.hi[1] - y)]
        )

    def place(self, view: str, segs: np.ndarray) -> np.ndarray:
        """2D view segments (model mm, from lines.visible_segments) onto the sheet."""
        to_sheet = {"front": self.front, "side": self.side, "top": self.top}[view]
        flat = segs.reshape(-1, 2)
        return to_sheet(flat[:, 0], flat[:, 1]).T.reshape(-1, 2, 2)


def make_drawing(result, dims: dict, png_path=None, svg_path=None, dpi: int = 150) -> dict:
    """Draw the sheet; write the SVG always and the PNG when Pillow is there. Returns the
    stated figures (as written on the sheet) and the paths written."""
    lo, hi = (np.array(b, dtype=float) for b in dims["bounds_mm"])
    scale = choose_scale(tuple(hi - lo))
    layout = Layout(lo, hi, scale)
    sheet = Sheet(*PAGE_MM)
    sheet.rect(5, 5, PAGE_MM[0] - 10, PAGE_MM[1] - 10, THICK)
    parts = [lines.part_from_object(result.metal, METAL_CREASE_DEG, np.eye(4))]
    parts += [
        lines.part_from_object(s, STONE_CREASE_DEG, ring_matrix(result, s)) for s in result.stones
    ]
    step = SAMPLE_PAPER_MM / scale
    for proj in (lines.FRONT, lines.SIDE, lines.TOP):
        segs = lines.visible_segments(parts, proj, step)
        sheet.segments(layout.place(proj.name, segs), THICK)
    stated = _dimension_views(sheet, layout, result, dims)
    stated["scale"] = f"{scale}:1"
    _info_column(sheet, result, dims, stated)
    written = {}
    if svg_path is not None:
        Path(svg_path).parent.mkdir(parents=True, exist_ok=True)
        Path(svg_path).write_text(sheet.svg(), encoding="utf-8")
        written["svg"] = str(svg_path)
    if png_path is not None and pillow_available():
        written["png"] = str(sheet.png(png_path, dpi=dpi, font_path=lettering_font()))
    return {"stated": stated, "files": written, "texts": [t[2] for t in sheet.texts]}


def _dimension_views(sheet: Sheet, lay: Layout, result, dims: dict) -> dict:
    """Dimension lines on the views; returns the values written, as numbers."""
    wx, ly, hz = lay.size
    radius = dims["inner_diameter_mm"] / 2
    size_label = result.report["size"]["spec"]
    stated = {
        "inner_diameter_mm": round(dims["inner_diameter_mm"], 2),
        "size": size_label,
        "shank_width_mm": round(dims["shank_width_mm"], 2),
        "shank_thickness_mm": round(dims["shank_thickness_mm"], 2),
        "head_height_mm": round(dims["head_height_mm"], 2),
        "overall_width_mm": round(dims["overall_mm"]["width_x"], 2),
        "overall_height_mm": round(dims["overall_mm"]["height_z"], 2),
    }
    # front: the inner diameter across the hole, the thickness under the finger, and on
    # the left the head height (finger to top) and the overall height
    sheet.dimension(
        lay.front(-radius, 0),
        lay.front(radius, 0),
        0.0,
        f"Ø{_mm(stated['inner_diameter_mm'])} ({size_label})",
    )
    sheet.dimension(
        lay.front(0, dims["inner_bottom_z_mm"]),
        lay.front(0, dims["outer_bottom_z_mm"]),
        0.0,
        _mm(stated["shank_thickness_mm"]),
        text_beyond=True,
    )
    p, q = lay.front(0, dims["inner_top_z_mm"]), lay.front(0, dims["top_z_mm"])
    sheet.dimension(p, q, -(p[0] - lay.front_x0) - 8, f"head {_mm(stated['head_height_mm'])}")
    p, q = lay.front(0, lay.lo[2]), lay.front(0, lay.hi[2])
    sheet.dimension(p, q, -(p[0] - lay.front_x0) - 18, _mm(stated["overall_height_mm"]))
    # top: the overall width, below the view (the front view's foot holds the thickness)
    p, q = lay.top(lay.lo[0], lay.lo[1]), lay.top(lay.hi[0], lay.lo[1])
    sheet.dimension(p, q, 10, _mm(stated["overall_width_mm"]))
    # side: the shank's width under the finger
    half = dims["shank_width_mm"] / 2
    p, q = lay.side(-half, lay.lo[2]), lay.side(half, lay.lo[2])
    sheet.dimension(p, q, 10, _mm(stated["shank_width_mm"]))
    _view_titles(sheet, lay)
    if dims["stones"]:
        stone = dims["stones"][0]
        (s_lo, s_hi) = (np.array(b) for b in stone["bounds_mm"])
        girdle_z = stone["girdle_z_mm"]
        stated["stone_length_mm"] = round(stone["length_mm"], 2)
        stated["stone_width_mm"] = round(stone["width_mm"], 2)
        stated["carat"] = round(stone["carat"], 2)
        # side: the stone's length along the finger, at its girdle
        p, q = lay.side(s_lo[1], girdle_z), lay.side(s_hi[1], girdle_z)
        sheet.dimension(p, q, -(p[1] - lay.front_y0) - 10, _mm(stated["stone_length_mm"]))
        # top: the stone's width and its weight
        cy = (s_lo[1] + s_hi[1]) / 2
        p, q = lay.top(s_lo[0], cy), lay.top(s_hi[0], cy)
        text = f"{_mm(stated['stone_width_mm'])}  {stated['carat']:.2f} ct"
        sheet.dimension(p, q, -(p[1] - lay.top_y0) - 10, text)
    return stated


def _view_titles(sheet: Sheet, lay: Layout) -> None:
    wx, ly, hz = lay.size
    below = 2 * GAP / 3 + 3
    sheet.text(
        lay.front_x0 + wx / 2,
        lay.front_y0 + hz + below + 8,
        "FRONT (along the finger)",
        3.0,
        "middle",
    )
    sheet.text(lay.side_x0 + ly / 2, lay.front_y0 + hz + below + 8, "RIGHT SIDE", 3.0, "middle")
    sheet.text(lay.front_x0 - GAP + 2, lay.top_y0 + ly / 2, "TOP", 3.0, "start")


def _info_column(sheet: Sheet, result, dims: dict, stated: dict) -> None:
    report = result.report
    x, y = INFO_X, 20.0
    sheet.line((INFO_X - 4, 5), (INFO_X - 4, PAGE_MM[1] - 5), THICK)

    def put(text: str, size: float = 3.0, bold: bool = False, gap: float = 1.6) -> None:
        """A paragraph, wrapped to the column; `gap` is the space after it."""
        nonlocal y
        for line in textwrap.wrap(text, int(100 / (0.62 * size))) or [""]:
            sheet.text(x, y, line, size, "start", bold)
            y += size + 1.6
        y += gap - 1.6

    put("AURA  TECHNICAL SHEET", 5.0, True, 3)
    put(report.get("name") or "Aura ring", 3.5, True, 3)
    put(f"Scale {stated['scale']} on A3 landscape (print the SVG at 100 %)")
    put("Third-angle projection. Dimensions in mm, measured from the model.", gap=4)
    near = report["size"]["nearest"]
    put("SIZE", 3.5, True)
    put(
        f"{stated['size']}: inner Ø {_mm(stated['inner_diameter_mm'])} mm, circumference {_mm(dims['inner_circumference_mm'])} mm"
    )
    put("Nearest: " + ", ".join(v["label"] for v in near.values()), gap=4)
    put("METAL", 3.5, True)
    put(f"{report['metal']['label']}, {report['metal']['density_g_cm3']} g/cm³")
    put(f"Weight {report['weight_g']:.2f} g (volume {report['volume_mm3']:.1f} mm³)", gap=4)
    spec = result.spec
    put("SHANK", 3.5, True)
    put(
        f"{spec.shank.profile} profile, width {_mm(stated['shank_width_mm'])}, thickness {_mm(stated['shank_thickness_mm'])}"
    )
    put(f"Head height, finger to top: {_mm(stated['head_height_mm'])}", gap=4)
    if dims["stones"]:
        stone = dims["stones"][0]
        put("STONE", 3.5, True)
        put(
            f"{stone['cut']} {stone['stone']}, {_mm(stone['length_mm'])} x {_mm(stone['width_mm'])} x {_mm(stone['depth_mm'])} mm, {stated['carat']:.2f} ct, 1 stone",
            gap=4,
        )
    o = dims["overall_mm"]
    put("OVERALL", 3.5, True)
    put(f"{_mm(o['width_x'])} wide x {_mm(o['length_y'])} long x {_mm(o['height_z'])} high", gap=4)
    put("CHECKS", 3.5, True)
    for check in report["checks"]:
        put(
            f"{'pass' if check['passed'] else 'FAIL'}  {check['name']}: {check['value']}",
            2.8,
            gap=1.2,
        )
    y += 6
    _scale_bar(sheet, x, y, int(stated["scale"].split(":")[0]))


def _scale_bar(sheet: Sheet, x: float, y: float, scale: int) -> None:
    """A bar 10 model-mm long (5 at 10:1), to check a print's scale with a ruler."""
    model_mm = 5 if scale >= 10 else 10
    length = model_mm * scale
    sheet.line((x, y), (x + length, y), THICK)
    for k in range(model_mm + 1):
        tick = 2.0 if k % 5 == 0 else 1.0
        sheet.line((x + k * scale, y - tick), (x + k * scale, y))
    sheet.text(x, y + 5, f"{model_mm} mm of the ring at {scale}:1", 2.8)
