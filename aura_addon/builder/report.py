"""The build report: the ONE place a report is made.

`measure(mesh, spec, parts)` measures a built metal mesh as it is now and assembles the
report the panel, the batch script, the spec sheet and the tests read. Every figure about
the metal (inner diameter and circumference, nearest sizes, volume, weight, walls,
triangles) comes from the mesh; `Parts` carries what only the build knows (its bill of
stones, the prong wire), so a re-check after a mesh edit gives the same report a build
would.

A new measured entry is one line in `measure`; a new check goes into `checks.casting_checks`
(or is appended to `found` here) and shows up in the report, the panel and the batch table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..geometry import checks
from ..jewelry import process, sizes
from ..jewelry.materials import METALS
from ..jewelry.spec import DesignSpec


@dataclass
class Parts:
    """What the build made besides the metal mesh, for the report."""

    gems: list[dict] = field(default_factory=list)  # the bill of stones


def parts_of(spec: DesignSpec, hd) -> Parts:
    """The report's view of the parts: the head `hd` (geometry.head.Head) or None."""
    if spec.gem is None or hd is None:
        return Parts()
    g = spec.gem
    dims = [round(hd.length, 3)] if g.cut == "round" else [round(hd.length, 3), round(hd.width, 3)]
    stone = {
        "cut": g.cut,
        "stone": g.stone,
        "size_mm": dims,
        "depth_mm": round(hd.depth, 3),
        "carat": round(g.carat_weight(), 3),
        "count": 1,
    }
    return Parts(gems=[stone])


def judge(mesh, spec: DesignSpec) -> checks.Measured:
    """Every check of the metal as it is now, against the spec's process profile and metal."""
    return checks.casting_checks(
        mesh,
        expected_diameter=spec.size.inner_diameter_mm,
        profile=process.profile(spec.process.profile),
        metal_name=spec.metal,
    )


def measure(mesh, spec: DesignSpec, parts: Parts, *, name: str) -> tuple[dict, list[int]]:
    """The report of the metal `mesh` (a bpy Mesh, millimetres) built from `spec`, and the
    faces of the failing places (for Select Failing). Every check is measured on the mesh
    against the spec's process profile (geometry.checks.casting_checks)."""
    design = spec.size.inner_diameter_mm
    measured = judge(mesh, spec)
    stats = measured.stats
    diameter = stats.inner_diameter_mm
    metal = METALS[spec.metal]
    report = {
        "name": name,
        "spec": spec.to_dict(),
        "inner_diameter_mm": _r(diameter),
        "design_inner_diameter_mm": round(design, 4),
        "inner_circumference_mm": _r(diameter * math.pi if diameter else None),
        "size": {
            "spec": spec.size.label,
            # the sizes this ring IS, from its measured inside (the design's when unmeasurable)
            "nearest": {k: v.as_dict() for k, v in sizes.nearest_sizes(diameter or design).items()},
        },
        "metal": {"name": metal.name, "label": metal.label, "density_g_cm3": metal.density},
        "volume_mm3": round(stats.volume_mm3, 3),
        "weight_g": round(metal.weight_g(stats.volume_mm3), 3),
        "watertight": stats.non_manifold_edges == 0,
        "shells": stats.shells,
        "bounds_mm": stats.bounds_mm,
        "triangles": stats.triangles,
        **measured.figures,
        "checks": [c.__dict__ for c in measured.checks],
        "passed": measured.passed,
        "gems": parts.gems,
    }
    return report, measured.failing_faces


def _r(value, digits: int = 4):
    return None if value is None else round(value, digits)
