"""Spec (+ optional motif mesh) -> ring objects -> checks -> files.

The one path that the panel's operators, the batch script and the tests all use.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import bpy
import numpy as np

from .geometry import accents, checks, engraving, export, fuse, head, motif, scene, shank
from .geometry.meshdata import MeshData, concat
from .jewelry import process, sizes
from .jewelry.bill import StoneLot, bill
from .jewelry.materials import METALS
from .jewelry.spec import DesignSpec, SpecError

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


class Parts(NamedTuple):
    """Every part of a ring as mesh data, before fusing."""

    base: MeshData  # the shank
    metal: list[MeshData]  # other metal parts, united with the shank
    cutters: list[MeshData]  # seats, light holes, troughs: taken out of the metal
    head: head.Head | None
    rows: list[accents.Row]  # accent stones along the band
    engraved: list[engraving.Cut]  # text and the fineness stamp inside the band

    def later(self) -> list[tuple[str, list[MeshData]]]:
        """Boolean steps after union(metal) - cutters: the accents' beads or bars, then
        their seats and light holes (which notch the beads)."""
        holders = [m for row in self.rows for m in row.holders]
        seats = [m for row in self.rows for m in row.seats]
        return [("UNION", holders), ("DIFFERENCE", seats)]

    def stone_sets(self, spec: DesignSpec) -> list[tuple[str, StoneLot, list[MeshData]]]:
        """(object name suffix, lot, one mesh per stone) for every stone of the design."""
        sets = []
        if self.head is not None:
            hd, g = self.head, spec.gem
            lot = StoneLot("centre", "centre head", g.cut, g.stone, hd.length, hd.width,
                           hd.depth, 1)  # fmt: skip
            sets.append(("stone", lot, [hd.stone]))
        for i, row in enumerate(self.rows):
            sets.append((f"accents {i + 1}" if i else "accents", row.lot, row.stones))
        return sets


def build_parts(spec: DesignSpec, motif_path=None) -> Parts:
    """Every part as mesh data: the shank, other metal parts, seat cutters, head, rows."""
    for section in ("halo", "side_stones"):  # in the spec (v2), not built yet: never ignored
        if getattr(spec, section) is not None:
            raise SpecError(section, "set", "not built yet: leave it out (accents are built)")
    diameter = spec.size.inner_diameter_mm
    base = shank.shank_mesh(spec.shank, diameter)
    crest = shank.top_outer_radius(spec.shank, diameter)
    parts: list[MeshData] = []
    cutters: list[MeshData] = []
    hd = None
    beside = None
    if spec.gem is not None:
        hd = head.build_head(spec.gem, spec.setting, crest)
        parts += hd.metal
        cutters += hd.cutters
        # the head's half width across the ring
        beside = max(float(abs(p.verts[:, 0]).max()) for p in hd.metal)
    rows = []
    if spec.accents is not None:
        profile = process.profile(spec.process.profile)
        row = accents.build_row(spec.accents, spec.shank, diameter, profile, beside)
        rows.append(row)
        parts += row.metal
        cutters += row.cutters
    if motif_path is not None and spec.motif is not None:
        size = spec.motif.size_mm
        shape = motif.prepared(motif_path, size)
        # ...but never so deep that it reaches into the finger's room
        room = spec.shank.thickness_top - 0.5
        sink = min(MOTIF_SINK * float(np.ptp(shape.verts[:, 2])), room)
        parts += motif.placements(shape, crest, beside, sink)
    busy = [row.hole_arc() for row in rows]
    engraved = engraving.engravings(
        spec, process.profile(spec.process.profile), METALS[spec.metal].fineness, busy
    )
    cutters += [cut.cutter for cut in engraved]
    return Parts(base, parts, cutters, hd, rows, engraved)


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
    built = build_parts(spec, motif_path)
    hd = built.head
    t_parts = time.perf_counter()
    fused = fuse.fuse(built.base, built.metal, built.cutters, name=f"{label} metal",
                      solver=solver, later=built.later())  # fmt: skip
    t_fuse = time.perf_counter()

    metal_obj = _place(replace.metal if replace else None, f"{label} metal", fused.mesh, coll)
    stone_objs = []
    sets = built.stone_sets(spec)
    for i, (suffix, lot, meshes) in enumerate(sets):
        old = replace.stones[i] if replace and i < len(replace.stones) else None
        mesh = scene.new_mesh(f"{label} {suffix}", concat(meshes))
        obj = _place(old, f"{label} {suffix}", mesh, coll)
        obj[scene.STONE_PROP] = lot.stone
        stone_objs.append(obj)
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
        prong_diameter=hd.prong_diameter if hd else None,
    )
    results += _engraving_checks(fused.mesh, built, spec)
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
        "stones": bill([lot for _suffix, lot, _meshes in sets]),
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
            for i, c in enumerate(built.engraved)
        ],  # fmt: skip
        "timings_s": {
            "parts": round(t_parts - t0, 4),
            "fuse": round(t_fuse - t_parts, 4),
            "checks": round(t_checks - t_fuse, 4),
        },
    }
    report["gems"] = report["stones"]["items"]  # the older name of the same list
    return BuildResult(spec, metal_obj, stone_objs, report, stats.thin_faces)


def _engraving_checks(mesh, built: Parts, spec: DesignSpec) -> list[checks.Check]:
    """Each engraved text is there, as deep as made, and no deeper than a third of the band:
    measured by rays from the finger's axis into the letters' floors."""
    if not built.engraved:
        return []
    depths = engraving.measured_depths(
        mesh, built.engraved, spec.shank, spec.size.inner_diameter_mm
    )
    third = min(spec.shank.thickness_mm, spec.shank.thickness_top) / 3
    out = []
    for cut, depth in zip(built.engraved, depths, strict=True):
        ok = cut.depth_mm - 0.05 <= depth <= third + 0.05
        out.append(
            checks.Check(
                f"engraving_depth {cut.text!r}", ok, round(depth, 3), round(cut.depth_mm, 3),
                f"letters' depth measured by rays, mm; at most a third of the band ({third:.2f})",
            )
        )  # fmt: skip
    return out


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
