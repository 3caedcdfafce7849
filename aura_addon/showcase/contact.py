"""The contact sheet: every view on one PNG, each with its label, under a title line."""

from __future__ import annotations

import math
from pathlib import Path

LABEL_PX = 30
TITLE_PX = 56
PAD = 8


def contact_sheet(
    views: list[tuple[str, str]],
    path,
    title: str,
    subtitle: str = "",
    columns: int | None = None,
    font_path=None,
) -> Path:
    """`views`: (label, image path) in order. Cells take the size of the largest image."""
    from PIL import Image, ImageDraw, ImageFont

    images = [(label, Image.open(p).convert("RGB")) for label, p in views]
    if not images:
        raise ValueError("contact sheet: no views to put on it")
    cell_w = max(im.width for _, im in images)
    cell_h = max(im.height for _, im in images)
    cols = columns or min(4, len(images))
    rows = math.ceil(len(images) / cols)
    width = cols * cell_w + (cols + 1) * PAD
    height = TITLE_PX + rows * (cell_h + LABEL_PX + PAD) + PAD
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)

    def font(px: int):
        return (
            ImageFont.truetype(str(font_path), px) if font_path else ImageFont.load_default(size=px)
        )

    draw.text((PAD * 2, 8), title, fill=(20, 20, 20), font=font(26))
    if subtitle:
        draw.text((PAD * 2, 36), subtitle, fill=(90, 90, 90), font=font(15))
    label_font = font(16)
    for i, (label, im) in enumerate(images):
        r, c = divmod(i, cols)
        x = PAD + c * (cell_w + PAD)
        y = TITLE_PX + r * (cell_h + LABEL_PX + PAD)
        sheet.paste(im, (x + (cell_w - im.width) // 2, y + (cell_h - im.height) // 2))
        draw.rectangle([x, y, x + cell_w - 1, y + cell_h - 1], outline=(225, 225, 225))
        draw.text(
            (x + cell_w // 2, y + cell_h + LABEL_PX // 2),
            label,
            fill=(40, 40, 40),
            font=label_font,
            anchor="mm",
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path
