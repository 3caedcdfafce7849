"""Process profiles: the minimums a piece must meet to be made by a given process.

The spec's `process.profile` picks one; every measured check takes its threshold from here
and the report states the thresholds it used. Figures are the trade's published minimums
(DESIGN.md, "Casting and printing"), each cited beside it. Pure Python, no bpy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .spec import PROCESSES


@dataclass(frozen=True)
class ProcessProfile:
    name: str
    label: str
    min_wall_mm: float  # inscribed sphere anywhere in the metal
    min_prong_mm: float  # a centre stone's claw at its narrowest section
    min_bead_mm: float  # beads and micro-prongs of accent stones
    min_grip_mm: float  # how far a claw reaches over the girdle
    max_notch_fraction: float  # the seat notch takes at most this share of a prong
    min_gap_mm: float  # facing metal surfaces the investment must fill
    min_gap_platinum_mm: float
    min_band_mm: float  # band thickness, measured round the ring
    min_detail_mm: float  # design elements (rails, ribs)
    min_culet_clearance_mm: float  # culet above the finger's room
    min_engraving_depth_mm: float
    min_engraving_stroke_mm: float

    def as_dict(self) -> dict:
        return asdict(self)

    def gap_for(self, metal_name: str) -> float:
        """Platinum's investment needs a wider gap (Stuller: 0.8 mm)."""
        return self.min_gap_platinum_mm if metal_name.startswith("platinum") else self.min_gap_mm


LOST_WAX = ProcessProfile(
    name="lost-wax",
    label="Lost-wax casting",
    min_wall_mm=0.8,  # Gemwares CAD requirements: surfaces at least 0.8 mm
    min_prong_mm=1.0,  # flo2-cad casting rules: each prong >= 1.0 mm at its narrowest; Shapeways
    min_bead_mm=0.6,  # Gemwares: prongs at least 0.6 mm (beads of micro-pave)
    min_grip_mm=0.15,  # Stuller: each prong grips at least 0.15 mm over the girdle
    max_notch_fraction=1 / 3,  # trade practice: a seat cuts no deeper than 25-33 % of a prong
    min_gap_mm=0.3,  # Stuller CAD/CAM best practices: investment fills gaps >= 0.3 mm
    min_gap_platinum_mm=0.8,  # Stuller: 0.8 mm in platinum
    min_band_mm=1.2,  # trade references: thinner shanks bend in wear
    min_detail_mm=0.5,  # Stuller: design elements at least 0.5 mm
    min_culet_clearance_mm=0.5,  # Stuller: culet at least 0.5 mm above the finger rail
    min_engraving_depth_mm=0.5,  # Gemwares; RW Manufacturing
    min_engraving_stroke_mm=0.3,  # Gemwares: letters at least 0.3 mm wide
)

# Direct metal printing (laser powder-bed fusion, DMLS/SLM, of the alloy itself): no
# investment to fill, but gaps must stay open in the powder bed, and supports and polishing
# take their share of thin walls. Figures from published DMLS design rules:
DIRECT_METAL = ProcessProfile(
    name="direct-metal",
    label="Direct metal printing",
    # 3D Hubs / arti90 DMLS table: supported walls 0.4 mm, unsupported 1.0 mm; Layer X DMLS
    # rules: 0.8 mm recommended for walls taller than 10 mm; polishing removes 0.2-0.25 mm
    min_wall_mm=0.8,
    min_prong_mm=1.0,  # 3D Hubs / arti90 DMLS table: minimum pin diameter 1 mm
    min_bead_mm=0.6,  # Layer X DMLS rules: pins and rods at least 0.5 mm; beads keep 0.6
    min_grip_mm=0.15,  # Stuller: a claw's grip over the girdle (the stone is set after printing)
    max_notch_fraction=1 / 3,  # as cast: the seat takes at most a third of a prong
    min_gap_mm=0.5,  # Nice Rapid DMLM guidelines: gaps under 0.5 mm fuse shut in the powder
    min_gap_platinum_mm=0.5,  # ...whatever the alloy: no investment, so no platinum rule
    min_band_mm=1.2,  # trade references: thinner shanks bend in wear, however made
    min_detail_mm=0.5,  # Nice Rapid DMLM guidelines: walls and posts at least 0.5 mm
    min_culet_clearance_mm=0.5,  # Stuller: culet at least 0.5 mm above the finger rail
    min_engraving_depth_mm=0.5,  # Gemwares; RW Manufacturing
    min_engraving_stroke_mm=0.4,  # Layer X DMLS rules: engraved detail at least 0.4 mm
)

PROFILES = {p.name: p for p in (LOST_WAX, DIRECT_METAL)}
assert tuple(PROFILES) == PROCESSES, "spec.PROCESSES and the profiles must name the same set"


def profile(name: str) -> ProcessProfile:
    return PROFILES[name]
