"""Geometry benchmarks (figures, not assertions).

1. A 1 ct round solitaire, 4 prongs, comfort shank, US 7: build + fuse + checks + STL export,
   median of several runs (goal <= 0.3 s on a 2-core machine).
2. Fusing a ~300k-triangle motif-like mesh onto a shank: MANIFOLD vs EXACT in one run
   (goal: MANIFOLD <= 2.0 s and >= 2x faster than EXACT).
3. A full-eternity pavé band (about 40 stones, seats, light holes, beads), built, fused,
   checked and exported (goal <= 1.5 s); a solitaire with pavé shoulders and an engraving.

Run: make bench   (or .venv/bin/python scripts/bench_geometry.py)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bpy  # noqa: E402

from aura_addon.builder import pipeline  # noqa: E402
from aura_addon.geometry import fuse, shank  # noqa: E402
from aura_addon.geometry.meshdata import MeshData  # noqa: E402
from aura_addon.jewelry.spec import DesignSpec  # noqa: E402

ETERNITY = {"gem": None, "setting": {"type": "none"},
            "shank": {"profile": "flat", "width_mm": 3.0, "thickness_mm": 1.8},
            "accents": {"layout": "pave", "coverage": "full", "size_mm": 1.5}}  # fmt: skip
PAVE_SOLITAIRE = {"gem": {"carat": 1.0}, "engraving": {"text": "Always"},
                  "accents": {"layout": "pave", "coverage": "half", "size_mm": 1.3}}  # fmt: skip


def solitaire(runs: int = 7, spec_dict=None, label="solitaire US 7, 1 ct, 4 prongs") -> list[float]:
    spec = DesignSpec.from_dict(spec_dict or {"size": {"system": "US", "value": 7}})
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs + 1):
            bpy.ops.wm.read_factory_settings(use_empty=True)
            t0 = time.perf_counter()
            result = pipeline.run(spec, Path(tmp) / f"ring{i}.stl")
            elapsed = time.perf_counter() - t0
            if i:  # the first run warms caches (imports, gem volume tables)
                times.append(elapsed)
        last = result.report["timings_s"]
    stones = result.report["stones"]["count"]
    failing = [c["name"] for c in result.report["checks"] if not c["passed"]]
    print(f"{label} ({stones} stones): median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)}); stages of the last run: {last}; "
          f"failing checks: {failing or 'none'}")  # fmt: skip
    return times


def bumpy_sphere(subdivisions: int, radius: float, centre) -> MeshData:
    """A dense, wavy closed sphere: the kind of surface a sculpted motif has."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions, radius=1.0)
    v = sphere.vertices
    wave = 1 + 0.08 * np.sin(7 * v[:, 0]) * np.sin(6 * v[:, 1]) * np.sin(5 * v[:, 2])
    verts = v * (radius * wave)[:, None] + np.asarray(centre)
    return MeshData(verts, [tuple(f) for f in sphere.faces])


def motif_fuse() -> None:
    spec = DesignSpec()
    base = shank.shank_mesh(spec.shank, spec.size.inner_diameter_mm)
    crest = shank.top_outer_radius(spec.shank, spec.size.inner_diameter_mm)
    motif = bumpy_sphere(7, 5.0, (0, 0, crest + 4.0))  # 327,680 triangles
    print(f"motif-like mesh: {len(motif.faces):,} triangles; shank {len(base.faces):,} faces")
    results, solver_only = {}, {}
    for solver in fuse.solvers():
        bpy.ops.wm.read_factory_settings(use_empty=True)
        t0 = time.perf_counter()
        fused = fuse.fuse(base, [motif], [], solver=solver)
        results[solver] = time.perf_counter() - t0
        solver_only[solver] = fused.boolean_s
        print(f"  {solver:8s} fuse() {results[solver]:.3f} s (the boolean itself {fused.boolean_s:.3f} s), "
              f"{len(fused.mesh.polygons):,} faces")  # fmt: skip
    if len(results) == 2:
        print(f"  EXACT / MANIFOLD = {results['EXACT'] / results['MANIFOLD']:.1f}x for fuse() "
              f"(mesh set-up and the closed-solid check included), "
              f"{solver_only['EXACT'] / solver_only['MANIFOLD']:.1f}x for the boolean itself")  # fmt: skip


if __name__ == "__main__":
    solitaire()
    solitaire(5, ETERNITY, "full-eternity pavé band, 1.5 mm")
    solitaire(5, PAVE_SOLITAIRE, "1 ct solitaire, pavé half band, engraved")
    if "--no-motif" not in sys.argv:
        motif_fuse()
