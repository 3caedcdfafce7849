"""Spec (+ optional motif mesh) -> ring objects -> checks -> files.

The one path that the panel's operators, the batch script and the tests all use.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import bpy
import numpy as np

from .geometry import checks, export, fuse, head, motif, prong_checks, scene, shank
from .geometry.meshdata import MeshData
from .jewelry import process, sizes
from .jewelry.materials import METALS
from .jewelry.spec import DesignSpec

MOTIF_SINK = 0.5  # of the motif's thickness set into the shank: its widest outline sits at the
# crest, so the two meet square, never in a knife-thin wedge


@dataclass
class BuildResult:
    spec: DesignSpec
    metal: bpy.types.Object
    stones: list[bpy.types.Object]
    report: dict
    thin_faces: list[int] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.report["passed"]


def _stone_list(spec: DesignSpec, hd: head.Head | None) -> list[dict]:
    if spec.gem is None or hd is None:
        return []
    g = spec.gem
    dims = [round(hd.length, 3)] if g.cut == "round" else [round(hd.length, 3), round(hd.width, 3)]
    return [
        {
            "cut": g.cut,
            "stone": g.stone,
            "size_mm": dims,
            "depth_mm": round(hd.depth, 3),
            "carat": round(g.carat_weight(), 3),
            "count": 1,
        }
    ]


def build_parts(spec: DesignSpec, motif_path=None):
    """Every part as mesh data: (shank, other metal parts, seat cutters, head or None)."""
    diameter = spec.size.inner_diameter_mm
    band_spec = shank.with_shoulders(spec.shank)
    base = shank.shank_mesh(band_spec, diameter)
    crest = shank.top_outer_radius(band_spec, diameter)
    parts: list[MeshData] = []
    cutters: list[MeshData] = []
    hd = None
    if spec.gem is not None:
        band = head.Band(crest, band_spec.width_top, band_spec.thickness_top)
        hd = head.build_head(spec.gem, spec.setting, band, metal=spec.metal,
                             profile=process.profile(spec.process.profile),
                             shoulders=spec.shank.shoulders)  # fmt: skip
        parts += hd.metal
        cutters += hd.cutters
    if motif_path is not None and spec.motif is not None:
        size = spec.motif.size_mm
        shape = motif.prepared(motif_path, size)
        beside = None
        if hd is not None:  # the head's half width across the ring
            beside = max(float(abs(p.verts[:, 0]).max()) for p in hd.metal)
        # ...but never so deep that it reaches into the finger's room
        room = spec.shank.thickness_top - 0.5
        sink = min(MOTIF_SINK * float(np.ptp(shape.verts[:, 2])), room)
        parts += motif.placements(shape, crest, beside, sink)
    return base, parts, cutters, hd


def build(
    spec: DesignSpec,
    motif_path=None,
    *,
    collection=None,
    name: str | None = None,
    solver: str | None = None,
    replace: BuildResult | None = None,
) -> BuildResult:
    """Build the ring into Blender objects and check it. With `replace`, the earlier build's
    objects get the new meshes in place (their transforms and materials are kept)."""
    t0 = time.perf_counter()
    spec.validate()
    coll = collection or scene.aura_collection()
    label = name or spec.name or "Aura ring"
    base, parts, cutters, hd = build_parts(spec, motif_path)
    t_parts = time.perf_counter()
    fused = fuse.fuse(base, parts, cutters, name=f"{label} metal", solver=solver)
    t_fuse = time.perf_counter()

    metal_obj = _place(replace.metal if replace else None, f"{label} metal", fused.mesh, coll)
    stone_objs = []
    if hd is not None:
        old = replace.stones[0] if replace and replace.stones else None
        stone_objs.append(
            _place(old, f"{label} stone", scene.new_mesh(f"{label} stone", hd.stone), coll)
        )
    if replace:
        for extra in replace.stones[len(stone_objs) :]:
            scene.remove_object(extra)
    spec_json = spec.to_json(indent=None)
    for obj, role in [(metal_obj, "metal")] + [(s, "stone") for s in stone_objs]:
        obj[scene.SPEC_PROP] = spec_json
        obj[scene.ROLE_PROP] = role

    stats = checks.mesh_stats(fused.mesh)
    t_checks = time.perf_counter()
    expected = spec.size.inner_diameter_mm
    results = checks.evaluate(
        stats,
        expected_diameter=expected,
        shank_thickness=min(spec.shank.thickness_mm, spec.shank.thickness_top),
    )
    thin = list(stats.thin_faces)
    head_figures = None
    if hd is not None:  # the prong and stone checks, measured on the fused metal
        found, head_figures, faces = prong_checks.check_head(
            fused.mesh, hd, stats.inner_diameter_mm, process.profile(spec.process.profile)
        )
        results += found
        thin = sorted(set(thin) | set(faces))
    t_head = time.perf_counter()
    metal = METALS[spec.metal]
    report = {
        "name": label,
        "spec": spec.to_dict(),
        "inner_diameter_mm": _r(stats.inner_diameter_mm),
        "design_inner_diameter_mm": round(expected, 4),
        "inner_circumference_mm": _r(
            stats.inner_diameter_mm * 3.141592653589793 if stats.inner_diameter_mm else None
        ),
        "size": {
            "spec": spec.size.label,
            "nearest": {k: v.as_dict() for k, v in sizes.nearest_sizes(expected).items()},
        },
        "metal": {"name": metal.name, "label": metal.label, "density_g_cm3": metal.density},
        "volume_mm3": round(stats.volume_mm3, 3),
        "weight_g": round(metal.weight_g(stats.volume_mm3), 3),
        "watertight": stats.non_manifold_edges == 0,
        "shells": stats.shells,
        "min_wall_mm": _r(stats.min_wall_mm),
        "bounds_mm": stats.bounds_mm,
        "triangles": len(fused.mesh.loops) - 2 * len(fused.mesh.polygons),  # n-gon: n - 2
        "solver": fused.solver,
        "checks": [c.__dict__ for c in results],
        "passed": all(c.passed for c in results),
        "gems": _stone_list(spec, hd),
        "head": head_figures,
        "timings_s": {
            "parts": round(t_parts - t0, 4),
            "fuse": round(t_fuse - t_parts, 4),
            "checks": round(t_checks - t_fuse, 4),
            "head_checks": round(t_head - t_checks, 4),
        },
    }
    return BuildResult(spec, metal_obj, stone_objs, report, thin)


def _place(existing, name, mesh, coll):
    if existing is not None:
        old = existing.data
        existing.data = mesh
        if old.users == 0:
            bpy.data.meshes.remove(old)
        return existing
    return scene.new_object(name, mesh, coll)


def _r(value, digits: int = 4):
    return None if value is None else round(value, digits)


def export_files(result: BuildResult, stl_path, stones_path=None, report_path=None) -> dict:
    """Write the metal STL (mm), optionally the stones STL and the report JSON."""
    t0 = time.perf_counter()
    written = {"stl": str(Path(stl_path))}
    export.write_stl(stl_path, [result.metal.data])
    if stones_path is not None and result.stones:
        export.write_stl(stones_path, [s.data for s in result.stones], header="Aura stones, mm")
        written["stones"] = str(Path(stones_path))
    result.report["timings_s"]["export"] = round(time.perf_counter() - t0, 4)
    result.report["files"] = written
    if report_path is not None:
        written["report"] = str(Path(report_path))
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(json.dumps(result.report, indent=2) + "\n", encoding="utf-8")
    return written


def run(spec: DesignSpec, stl_path, *, motif_path=None, stones_path=None, report_path=None, **kw):
    """Build, check and export in one call."""
    result = build(spec, motif_path, **kw)
    export_files(result, stl_path, stones_path, report_path)
    return result
