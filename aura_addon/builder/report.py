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
from ..jewelry.bill import StoneLot, bill
from ..jewelry.materials import METALS
from ..jewelry.spec import DesignSpec


@dataclass
class Parts:
    """What the build made besides the metal mesh, for the report: its stones (the bill) and
    its engraved texts (where the letters are, so their depth is measured on the mesh)."""

    lots: list[StoneLot] = field(default_factory=list)
    engraved: list = field(default_factory=list)  # geometry.engraving.Cut
    head: object | None = None  # geometry.head.Head: the stone and where its claws run


def parts_of(spec: DesignSpec, built) -> Parts:
    """The report's view of a build's parts (pipeline.RingParts)."""
    return Parts(
        lots=[lot for _suffix, lot, _meshes in built.stone_sets(spec)],
        engraved=list(built.engraved),
        head=built.head,
    )


def engraving_checks(mesh, spec: DesignSpec, engraved: list) -> list[checks.Check]:
    """Each engraved text is there, as deep as made, and no deeper than a third of the band:
    measured by rays from the finger's axis into the letters' floors."""
    if not engraved:
        return []
    from ..geometry import engraving

    depths = engraving.measured_depths(mesh, engraved, spec.shank, spec.size.inner_diameter_mm)
    third = min(spec.shank.thickness_mm, spec.shank.thickness_top) / 3
    out = []
    for cut, depth in zip(engraved, depths, strict=True):
        ok = cut.depth_mm - 0.05 <= depth <= third + 0.05
        out.append(
            checks.Check(
                f"engraving_depth {cut.text!r}", ok, round(depth, 3), round(cut.depth_mm, 3),
                f"letters' depth measured by rays, mm; at most a third of the band ({third:.2f})",
            )
        )  # fmt: skip
    return out


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
    found = measured.checks + engraving_checks(mesh, spec, parts.engraved)
    failing = set(measured.failing_faces)
    head_figures = None
    if parts.head is not None:  # claws, grip, seat notch, stone and culet, on this mesh
        from ..geometry import prong_checks

        profile = process.profile(spec.process.profile)
        head_found, head_figures, faces = prong_checks.check_head(
            mesh, parts.head, diameter, profile
        )
        found += head_found
        failing |= set(faces)
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
        "checks": [c.__dict__ for c in found],
        "passed": all(c.passed for c in found),
        "stones": bill(parts.lots),
        "engraving": [
            {
                "text": c.text,
                "height_mm": round(c.height_mm, 3),
                "depth_mm": round(c.depth_mm, 3),
                "length_mm": round(c.length_mm, 2),
                "max_characters": c.max_characters,
                "where": "inside the band, "
                + ("stamp" if i and spec.engraving else "at the bottom"),
            }
            for i, c in enumerate(parts.engraved)
        ],
    }
    report["head"] = head_figures
    report["gems"] = report["stones"]["items"]  # the older name of the same list
    return report, sorted(failing)


def _r(value, digits: int = 4):
    return None if value is None else round(value, digits)
