"""The design in the scene: which objects make it up, building and rebuilding it in place,
and re-checking its metal. Operators use these; only objects Aura made are ever touched
(those carrying the spec custom property in the "Aura" collection).
"""

from __future__ import annotations

import json
from pathlib import Path

import bmesh
import bpy

from . import pipeline
from .geometry import checks, prong_checks, scene
from .jewelry import process
from .jewelry.materials import METALS
from .jewelry.spec import DesignSpec, SpecError
from .tasks import UserError

REPORT_PROP = "aura_report"  # the last build/check report (JSON) on the metal object
MOTIF_PROP = "aura_motif"  # the motif mesh file the design was built with
GAP_MM = 8.0  # between designs laid side by side


def metal_of(obj) -> bpy.types.Object | None:
    """The metal object of the design `obj` belongs to (stones are parented to their metal)."""
    if obj is None or scene.SPEC_PROP not in obj:
        return None
    role = obj.get(scene.ROLE_PROP)
    if role == "metal":
        return obj
    parent = obj.parent
    if role == "stone" and parent is not None and parent.get(scene.ROLE_PROP) == "metal":
        return parent
    return None


def current(context) -> bpy.types.Object | None:
    """The design to act on: the active object's, else the one the panel last built."""
    metal = metal_of(getattr(context, "active_object", None))
    if metal is not None:
        return metal
    return metal_of(context.scene.aura.design)


def require_current(context) -> bpy.types.Object:
    metal = current(context)
    if metal is None:
        raise UserError("No Aura design here yet: Build Ring first (or select an Aura ring)")
    return metal


def stones_of(metal) -> list[bpy.types.Object]:
    return [c for c in metal.children if c.get(scene.ROLE_PROP) == "stone"]


def spec_of(metal) -> DesignSpec:
    try:
        return DesignSpec.from_json(metal[scene.SPEC_PROP])
    except SpecError as exc:
        raise UserError(f"{metal.name} carries a design spec Aura cannot read: {exc}") from None


def report_of(metal) -> dict | None:
    text = metal.get(REPORT_PROP)
    return json.loads(text) if text else None


def result_of(metal) -> pipeline.BuildResult:
    """A BuildResult for objects already in the scene (for rebuild, check and export)."""
    return pipeline.BuildResult(spec_of(metal), metal, stones_of(metal), report_of(metal) or {})


def motif_file(settings) -> Path | None:
    """The motif mesh to build with, or None; a missing file is a UserError."""
    if not settings.has_motif or not settings.motif_path:
        return None
    path = Path(bpy.path.abspath(settings.motif_path))
    if not path.is_file():
        raise UserError(f"Motif mesh {path} is missing: Generate the motif again")
    return path


def build(context, spec: DesignSpec, motif: Path | None, replace=None) -> pipeline.BuildResult:
    """Build a new design, or with `replace` (a BuildResult) update that design in place."""
    if motif is None and spec.motif is not None:
        spec = spec.copy()
        spec.motif = None  # a motif is part of the design only once its mesh exists
    coll = None
    if replace is not None and replace.metal.users_collection:
        coll = replace.metal.users_collection[0]
    coll = coll or scene.aura_collection(context.scene)
    result = pipeline.build(spec, motif, collection=coll, name=spec.name or None, replace=replace)
    metal = result.metal
    for stone in result.stones:
        if stone.parent is not metal:
            stone.parent = metal  # moving the ring moves its stone
    if replace is None:
        _lay_beside_others(metal, result.report, coll)
    metal[MOTIF_PROP] = str(motif) if motif else ""
    keep(context, metal, result.report)
    return result


def _lay_beside_others(metal, report: dict, coll) -> None:
    """A second design goes next to the first rather than inside it (the mesh stays centred)."""
    others = [o for o in coll.objects if o is not metal and o.get(scene.ROLE_PROP) == "metal"]
    if not others:
        return
    right = max(o.location.x + _half_width(o) for o in others)
    metal.location.x = right + GAP_MM + _half_width(metal, report)


def _half_width(obj, report: dict | None = None) -> float:
    report = report or report_of(obj) or {}
    bounds = report.get("bounds_mm")
    if bounds:
        return (bounds[1][0] - bounds[0][0]) / 2
    return max(obj.dimensions.x / 2, 12.0)


def keep(context, metal, report: dict) -> None:
    """Store the report on the design and show it in the panel; make it the current design."""
    metal[REPORT_PROP] = json.dumps(report)
    settings = context.scene.aura
    settings.design = metal
    settings.store_report(report)


def recheck(result: pipeline.BuildResult) -> tuple[dict, list[int]]:
    """Measure the metal as it is now (it may have been edited) and update its report.
    Returns (report, thin face indices)."""
    spec = result.spec
    report = dict(result.report)
    stats = checks.mesh_stats(result.metal.data)
    found = checks.evaluate(
        stats,
        expected_diameter=spec.size.inner_diameter_mm,
        shank_thickness=min(spec.shank.thickness_mm, spec.shank.thickness_top),
    )
    thin = list(stats.thin_faces)
    hd = pipeline.build_parts(spec)[3] if spec.gem is not None else None
    if hd is not None:  # prongs and stones measured again on the metal as it is now
        head_found, head_figures, faces = prong_checks.check_head(
            result.metal.data, hd, stats.inner_diameter_mm, process.profile(spec.process.profile)
        )
        found += head_found
        report["head"] = head_figures
        thin = sorted(set(thin) | set(faces))
    metal = METALS[spec.metal]
    report.update(
        spec=spec.to_dict(),
        inner_diameter_mm=_r(stats.inner_diameter_mm),
        design_inner_diameter_mm=round(spec.size.inner_diameter_mm, 4),
        volume_mm3=round(stats.volume_mm3, 3),
        weight_g=round(metal.weight_g(stats.volume_mm3), 3),
        metal={"name": metal.name, "label": metal.label, "density_g_cm3": metal.density},
        watertight=stats.non_manifold_edges == 0,
        shells=stats.shells,
        min_wall_mm=_r(stats.min_wall_mm),
        bounds_mm=stats.bounds_mm,
        checks=[c.__dict__ for c in found],
        passed=all(c.passed for c in found),
    )
    report.setdefault("timings_s", {})
    result.report = report
    return report, thin


def _r(value, digits: int = 4):
    return None if value is None else round(value, digits)


def select_faces(context, metal, faces: list[int]) -> int:
    """Select exactly `faces` on the metal (object mode) and make it the active, selected
    object. Returns how many faces are selected."""
    bm = bmesh.new()
    try:
        bm.from_mesh(metal.data)
        bm.faces.ensure_lookup_table()
        for face in bm.faces:
            face.select_set(False)
        picked = [bm.faces[i] for i in faces if 0 <= i < len(bm.faces)]
        for face in picked:
            face.select_set(True)
        bm.select_mode = {"FACE"}
        bm.to_mesh(metal.data)
    finally:
        bm.free()
    for obj in context.selected_objects:
        obj.select_set(False)
    if metal.name in context.view_layer.objects:
        metal.select_set(True)
        context.view_layer.objects.active = metal
    return len(picked)


def failing_summary(report: dict) -> str:
    failed = [c for c in report.get("checks", []) if not c.get("passed")]
    if not failed:
        return f"All {len(report.get('checks', []))} checks passed"
    parts = [f"{c['name']} {c.get('value')} (needs {c.get('threshold')})" for c in failed]
    return f"{len(failed)} check(s) failed: " + "; ".join(parts)
