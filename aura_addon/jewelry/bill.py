"""The bill of stones: every stone of a design, grouped by where it sits, with its cut,
material, size, count and carats (each and in total) — the JSON a jeweler's stock database
takes. Carats come from the cut's own geometry (gem_cuts.carat_of), the same figures the
built stone meshes have. Pure Python, no bpy.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import gem_cuts
from .materials import STONES


@dataclass(frozen=True)
class StoneLot:
    """Stones of one cut, material and size set in one place of the ring."""

    role: str  # centre | side | halo | accent
    where: str  # in words, for the bench: "centre head", "left and right shoulders"...
    cut: str
    stone: str
    length: float  # mm (round: the diameter)
    width: float
    depth: float
    count: int

    @property
    def carat_each(self) -> float:
        return gem_cuts.carat_of(self.cut, self.stone, self.length, self.width)


def bill(lots: list[StoneLot]) -> dict:
    """{"items": one row per lot, "count": all stones, "carat_total": all carats}."""
    items = []
    for lot in lots:
        if lot.count <= 0:
            continue
        size = [round(lot.length, 3)]
        if lot.cut != "round":
            size.append(round(lot.width, 3))
        each = lot.carat_each
        items.append(
            {
                "role": lot.role,
                "where": lot.where,
                "cut": lot.cut,
                "stone": lot.stone,
                "stone_label": STONES[lot.stone].label,
                "size_mm": size,
                "depth_mm": round(lot.depth, 3),
                "count": lot.count,
                "carat": round(each, 4),  # each stone
                "carat_total": round(each * lot.count, 4),
            }
        )
    return {
        "items": items,
        "count": sum(i["count"] for i in items),
        "carat_total": round(sum(i["carat_total"] for i in items), 4),
    }
