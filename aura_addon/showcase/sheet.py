"""A drawing sheet as a list of vector primitives in paper millimetres (y down), written as
SVG (true to scale when printed at 100 %) and as PNG (with Pillow, if it is installed).

The SVG needs nothing but Python; Pillow is in the project's environment and must be
bundled with the extension for PNGs inside Blender (see `pillow_available`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np

INK = "#111111"
THIN = 0.18  # mm: dimension and extension lines (ISO 128 thin line)
THICK = 0.35  # mm: visible outlines (ISO 128 wide line)
ARROW = 2.2  # mm: arrowhead length
TEXT = 3.5  # mm: lettering height (ISO 3098)


def pillow_available() -> bool:
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Sheet:
    width: float  # paper mm
    height: float
    lines: list = field(default_factory=list)  # (x1, y1, x2, y2, width_mm)
    polygons: list = field(default_factory=list)  # (points, filled)
    texts: list = field(default_factory=list)  # (x, y, text, size_mm, anchor, bold, angle)

    def line(self, p, q, width: float = THIN) -> None:
        self.lines.append((float(p[0]), float(p[1]), float(q[0]), float(q[1]), width))

    def segments(self, segs: np.ndarray, width: float = THICK) -> None:
        for (x1, y1), (x2, y2) in segs.tolist():
            self.lines.append((x1, y1, x2, y2, width))

    def rect(self, x, y, w, h, width: float = THIN) -> None:
        corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
            self.line(a, b, width)

    def text(self, x, y, text: str, size=TEXT, anchor="start", bold=False, angle=0) -> None:
        """`anchor`: start | middle | end, along the baseline through (x, y); `angle` 90
        turns the text to read upward (for vertical dimensions)."""
        self.texts.append((float(x), float(y), str(text), size, anchor, bold, angle))

    def arrow(self, tip, tail) -> None:
        """A filled arrowhead at `tip`, pointing away from `tail`."""
        tip, tail = np.asarray(tip, float), np.asarray(tail, float)
        d = tip - tail
        d /= max(np.linalg.norm(d), 1e-9)
        n = np.array([-d[1], d[0]])
        base = tip - d * ARROW
        pts = [tip, base + n * ARROW * 0.18, base - n * ARROW * 0.18]
        self.polygons.append(([tuple(map(float, p)) for p in pts], True))

    def dimension(self, p, q, offset: float, text: str, *, text_beyond: bool = False) -> None:
        """A linear dimension between paper points p and q: extension lines from the points
        out to a dimension line `offset` mm away (perpendicular; + is to the right of p->q as seen on the sheet),
        arrowheads (inside, or outside when the span is short) and the value along the line,
        reading from the bottom or the right of the sheet (ISO 129). With `text_beyond` the
        value goes past q's end instead (for spans too short to letter)."""
        p, q = np.asarray(p, float), np.asarray(q, float)
        length = float(np.linalg.norm(q - p))
        d = (q - p) / max(length, 1e-9)
        n = np.array([-d[1], d[0]])
        a, b = p + n * offset, q + n * offset
        if abs(offset) > 1.0:  # extension lines: a small gap at the object, a little past
            out = n * math.copysign(1.0, offset)
            self.line(p + out, a + out * 1.5)
            self.line(q + out, b + out * 1.5)
        tail = 2.5 * ARROW
        if length >= 3 * ARROW:
            self.line(a, b)
            self.arrow(a, b)
            self.arrow(b, a)
        else:  # short span: arrows outside, pointing in
            self.line(a - d * tail, b + d * tail)
            self.arrow(a, a - d)
            self.arrow(b, b + d)
        horizontal = abs(d[0]) >= abs(d[1])
        if text_beyond:
            end = b + d * (tail + 1.0)
            if horizontal:
                self.text(end[0], end[1] + TEXT / 2, text, anchor="start" if d[0] > 0 else "end")
            else:
                self.text(end[0], end[1] + (TEXT if d[1] > 0 else 0.0), text, anchor="middle")
            return
        mid = (a + b) / 2
        if horizontal:
            self.text(mid[0], mid[1] - 1.0, text, anchor="middle")
        else:
            self.text(mid[0] - 1.0, mid[1], text, anchor="middle", angle=90)

    # output ------------------------------------------------------------------------------
    def svg(self) -> str:
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:g}mm" '
            f'height="{self.height:g}mm" viewBox="0 0 {self.width:g} {self.height:g}">',
            f'<rect width="{self.width:g}" height="{self.height:g}" fill="white"/>',
            f'<g stroke="{INK}" stroke-linecap="round">',
        ]
        for x1, y1, x2, y2, w in self.lines:
            out.append(
                f'<line x1="{x1:.3f}" y1="{y1:.3f}" x2="{x2:.3f}" y2="{y2:.3f}" stroke-width="{w:g}"/>'
            )
        out.append("</g>")
        for pts, filled in self.polygons:
            path = " ".join(f"{x:.3f},{y:.3f}" for x, y in pts)
            fill = INK if filled else "none"
            out.append(f'<polygon points="{path}" fill="{fill}" stroke="none"/>')
        for x, y, text, size, anchor, bold, angle in self.texts:
            weight = ' font-weight="bold"' if bold else ""
            turn = f' transform="rotate({-angle:g} {x:.3f} {y:.3f})"' if angle else ""
            out.append(
                f'<text x="{x:.3f}" y="{y:.3f}" font-family="Inter, DejaVu Sans, Arial, sans-serif" '
                f'font-size="{size:g}" text-anchor="{anchor}" fill="{INK}"{weight}{turn}>'
                f"{escape(text)}</text>"
            )
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def png(self, path, dpi: int = 150, supersample: int = 2, font_path=None) -> Path:
        """Raster the sheet with Pillow (drawn large, then reduced: smooth lines), lettered
        in the font at `font_path` (Pillow's own when None)."""
        from PIL import Image, ImageDraw, ImageFont

        k = dpi / 25.4 * supersample  # pixels per paper mm while drawing
        size = (round(self.width * k), round(self.height * k))
        image = Image.new("L", size, 255)
        draw = ImageDraw.Draw(image)
        for x1, y1, x2, y2, w in self.lines:
            draw.line([(x1 * k, y1 * k), (x2 * k, y2 * k)], fill=0, width=max(1, round(w * k)))
        for pts, filled in self.polygons:
            draw.polygon([(x * k, y * k) for x, y in pts], fill=0 if filled else None, outline=0)
        fonts = {}
        anchors = {"start": "ls", "middle": "ms", "end": "rs"}
        for x, y, text, tsize, anchor, _bold, angle in self.texts:
            px = max(6, round(tsize * k * 1.35))  # cap height ~ 0.72 em
            if px not in fonts:
                fonts[px] = (
                    ImageFont.truetype(str(font_path), px)
                    if font_path
                    else ImageFont.load_default(size=px)
                )
            if angle:
                _turned_text(image, x * k, y * k, text, fonts[px], anchors[anchor], angle)
            else:
                draw.text((x * k, y * k), text, fill=0, font=fonts[px], anchor=anchors[anchor])
        image = image.resize(
            (round(self.width * dpi / 25.4), round(self.height * dpi / 25.4)), Image.LANCZOS
        )
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, dpi=(dpi, dpi))
        return path


def _turned_text(image, x: float, y: float, text: str, font, anchor: str, angle: int) -> None:
    """Pillow draws level text only: letter a tile, turn it, and stamp it in black."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    tile = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(tile).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    turned = tile.rotate(angle, expand=True)
    # where the anchor point lands: a quarter turn left maps tile (u, v) to (v, width - u)
    u, v = -left, -top
    if angle == 90:
        ax, ay = v, tile.width - u
    elif angle == -90:
        ax, ay = tile.height - v, u
    else:
        raise ValueError(f"text angle {angle} is not supported; use 0, 90 or -90")
    image.paste(0, (round(x - ax), round(y - ay)), turned)
