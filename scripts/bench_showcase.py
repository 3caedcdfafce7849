"""Benchmark: the whole showcase of one ring (7 Cycles views, technical drawing, contact
sheet, GLB, spec sheet) at a preset, timed. Goal: the quick preset in at most 30 s on
2 CPU cores; the client preset and the turntable are measured and reported.

    .venv/bin/python scripts/bench_showcase.py [--preset quick|client] [--turntable]
        [--size N] [--samples N] [--views front,top] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    from aura_addon.builder import pipeline
    from aura_addon.jewelry.spec import DesignSpec
    from aura_addon.showcase import PRESETS, make_showcase

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=list(PRESETS), default="quick")
    parser.add_argument("--turntable", action="store_true", help="also the 36-frame turntable")
    parser.add_argument("--size", type=int, default=None, help="default: the preset's")
    parser.add_argument("--samples", type=int, default=None, help="default: the preset's")
    parser.add_argument("--views", default=None, help="comma-separated (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()

    spec = DesignSpec.from_dict({"name": "Bench solitaire"})  # US 7, 1 ct round, 18K yellow
    t0 = time.perf_counter()
    result = pipeline.build(spec)
    built = time.perf_counter() - t0
    out = args.out or Path(tempfile.mkdtemp(prefix="aura_showcase_"))
    wall, cpu = time.perf_counter(), time.process_time()
    written = make_showcase(
        result,
        out,
        preset=args.preset,
        size=args.size,
        samples=args.samples,
        views=args.views,
        turntable=args.turntable,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = args.size or PRESETS[args.preset].size
    samples = args.samples or PRESETS[args.preset].samples
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"showcase ({args.preset}): {len(written['renders'])} views at {size} px, "
        f"{samples} samples, turntable {'yes' if args.turntable else 'no'}, "
        f"{written['device']}, {os.cpu_count()} cores (load {load:.1f})"
    )
    for step, seconds in written["timings_s"].items():
        print(f"  {step:<14}{seconds:7.2f} s")
    print(
        f"build {built:.2f} s; showcase wall {wall:.2f} s, CPU {cpu:.2f} s "
        f"(CPU / cores = {cpu / (os.cpu_count() or 1):.2f} s); quick goal <= 30 s: "
        f"{('met' if wall <= 30 else 'MISSED') if args.preset == 'quick' else 'n/a'}"
    )
    print(f"files in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
