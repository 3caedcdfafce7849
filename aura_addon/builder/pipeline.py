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

from ..geometry import accents, engraving, export, fuse, head, motif, scene, shank
from ..geometry.meshdata import MeshData, concat
from ..jewelry import process
from ..jewelry.bill import StoneLot
from ..jewelry.materials import METALS
from ..jewelry.spec import DesignSpec, SpecError
from .report import measure, parts_of

MOTIF_FLOOR = 0.5  # mm of band kept between a motif's back and the finger
MOTIF_BACK_MARGIN = 0.1  # mm the motif's back sits under the top of the band's upright sides


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


def prepared_motif(spec: DesignSpec, motif_path) -> motif.PreparedMotif:
    """The spec's motif made castable for its process (prepared once per file and size)."""
    min_wall = process.profile(spec.process.profile).min_wall_mm
    return motif.prepared(motif_path, spec.motif.size_mm, min_wall)


class RingParts(NamedTuple):
    """Every part of a ring as mesh data, before fusing."""

    base: MeshData  # the shank
    metal: list[MeshData]  # other metal parts, united with the shank
    cutters: list[MeshData]  # seats, light holes, troughs: taken out of the metal
    head: head.Head | None
    rows: list[accents.Row]  # accent stones along the band
    engraved: list[engraving.Cut]  # text and the fineness stamp inside the band
    labels: list[int]  # fuse.PART_* of each of `metal`, so checks can say where

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


def build_parts(spec: DesignSpec, motif_path=None) -> RingParts:
    """Every part as mesh data: the shank, other metal parts, seat cutters, head, rows."""
    for section in ("halo", "side_stones"):  # in the spec (v2), not built yet: never ignored
        if getattr(spec, section) is not None:
            raise SpecError(section, "set", "not built yet: leave it out (accents are built)")
    diameter = spec.size.inner_diameter_mm
    band_spec = shank.with_shoulders(spec.shank)  # tapered shoulders widen under the head
    base = shank.shank_mesh(band_spec, diameter)
    crest = shank.top_outer_radius(band_spec, diameter)
    parts: list[MeshData] = []
    labels: list[int] = []
    cutters: list[MeshData] = []
    hd = None
    beside = None
    if spec.gem is not None:
        band = head.Band(crest, band_spec.width_top, band_spec.thickness_top)
        hd = head.build_head(spec.gem, spec.setting, band, metal=spec.metal,
                             profile=process.profile(spec.process.profile),
                             shoulders=spec.shank.shoulders)  # fmt: skip
        parts += hd.metal
        labels += [fuse.PART_HEAD] * len(hd.metal)
        cutters += hd.cutters
        # the head's half width across the ring
        beside = max(float(abs(p.verts[:, 0]).max()) for p in hd.metal)
    rows = []
    if spec.accents is not None:
        profile = process.profile(spec.process.profile)
        row = accents.build_row(spec.accents, band_spec, diameter, profile, beside)
        rows.append(row)
        parts += row.metal
        labels += [fuse.PART_HEAD] * len(row.metal)  # setting metal, not the band's section
        cutters += row.cutters
    if motif_path is not None and spec.motif is not None:
        ready = prepared_motif(spec, motif_path)
        # the back where the band's sides stop being upright, never into the finger's room
        seat = diameter / 2 + max(shank.upright_top(band_spec) - MOTIF_BACK_MARGIN, MOTIF_FLOOR)
        motifs = motif.placements(ready.shape, crest, seat, beside)
        parts += motifs
        labels += [fuse.PART_MOTIF] * len(motifs)
    busy = [row.hole_arc() for row in rows]
    engraved = engraving.engravings(
        spec, process.profile(spec.process.profile), METALS[spec.metal].fineness, busy
    )
    cutters += [cut.cutter for cut in engraved]
    return RingParts(base, parts, cutters, hd, rows, engraved, labels)


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
    t_parts = time.perf_counter()
    fused = fuse.fuse(built.base, built.metal, built.cutters, name=f"{label} metal",
                      solver=solver, labels=built.labels, later=built.later())  # fmt: skip
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

    report, failing = measure(fused.mesh, spec, parts_of(spec, built), name=label)
    report["solver"] = fused.solver
    report["motif_preparation"] = (
        prepared_motif(spec, motif_path).preparation.as_dict()
        if motif_path is not None and spec.motif is not None
        else None
    )
    report["timings_s"] = {
        "parts": round(t_parts - t0, 4),
        "fuse": round(t_fuse - t_parts, 4),
        "checks": round(time.perf_counter() - t_fuse, 4),
    }
    return BuildResult(spec, metal_obj, stone_objs, report, failing)


def _place(existing, name, mesh, coll):
    if existing is not None:
        old = existing.data
        existing.data = mesh
        if old.users == 0:
            bpy.data.meshes.remove(old)
        return existing
    return scene.new_object(name, mesh, coll)


def recheck(result: BuildResult) -> BuildResult:
    """Measure the design's metal as it is now (it may have been edited since the build): every
    measured figure and check is fresh; what only the build knew (solver, timings, files,
    production notes) is kept."""
    spec = result.spec
    built = build_parts(spec)  # again, for the bill of stones and where the letters are
    name = result.report.get("name") or spec.name or result.metal.name
    fresh, thin = measure(result.metal.data, spec, parts_of(spec, built), name=name)
    result.report = {**result.report, **fresh}
    result.report.setdefault("timings_s", {})
    result.thin_faces = thin
    return result


def export_files(result: BuildResult, stl_path, stones_path=None, report_path=None) -> dict:
    """Write the metal as STL and 3MF beside it (mm; both enlarged by the spec's shrinkage
    allowance, the casting files only), optionally the stones STL and the report JSON."""
    t0 = time.perf_counter()
    stl_path = Path(stl_path)
    shrinkage = result.spec.process.shrinkage_pct
    scale = 1 + shrinkage / 100
    label = result.report.get("name", "Aura ring")
    written = {"stl": str(stl_path), "3mf": str(stl_path.with_suffix(".3mf"))}
    header = f"Aura ring, millimetres, shrinkage {shrinkage:g} %"
    export.write_stl(stl_path, [result.metal.data], header=header, scale=scale)
    export.write_3mf(written["3mf"], [result.metal.data], name=f"{label} metal", scale=scale)
    if stones_path is not None and result.stones:
        export.write_stl(stones_path, [s.data for s in result.stones], header="Aura stones, mm")
        written["stones"] = str(Path(stones_path))
    measured = result.report.get("inner_diameter_mm")
    result.report["casting_file"] = {
        "shrinkage_pct": shrinkage,
        "scale": round(scale, 6),
        "inner_diameter_mm": round(measured * scale, 4) if measured else None,
        "note": "the metal files are enlarged by the shrinkage allowance; every other figure "
        "in this report is the finished piece",
    }
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
