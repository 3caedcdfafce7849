"""Benchmark the headless production path on a warm server with the procedural backend.

- prompt -> STL (plan on the server, motif job, build, checks, export): median of several
  runs, in-process through aura_addon.studio.production (bpy imported once, as a batch does).
  Goal: at most 1.0 s.
- the 11-size run US 5-10 in half sizes, of the demo design and of one with a motif (the
  motif generated once): total. Goal: at most 3 s.
- for reference, the wall time of one CLI call (`python scripts/aura_batch.py --prompt ...`),
  which adds interpreter start and the bpy import.

    python scripts/bench_batch.py [--runs 7] [--server URL]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aura_addon.jewelry import sizes  # noqa: E402
from aura_addon.studio import production as prod  # noqa: E402
from aura_addon.studio.client import LocalServer  # noqa: E402

DEMO_PROMPT = "1 ct round diamond solitaire, four prongs, 18k yellow gold, US 7, comfort fit"
MOTIF_PROMPT = "1 ct round diamond solitaire, 18k yellow gold, US 7, with a rose motif"
SIZE_RUN = "US:5-10:0.5"


def one_prompt(link, prompt: str, out: Path) -> tuple[float, prod.Outcome]:
    """Prompt -> STL + stones + report, nothing cached between runs."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        motifs = prod.MotifStore(link, work)
        item = prod.Item("bench", prompt=prompt)
        target = prod.Target(out / "ring.stl", out / "stones.stl", out / "ring.json")
        [outcome] = prod.produce(item, [target], link=link, motifs=motifs)
    return time.perf_counter() - t0, outcome


def size_run(link, out: Path, prompt: str) -> tuple[float, list[prod.Outcome]]:
    t0 = time.perf_counter()
    targets = [
        prod.Target(out / f"ring_{prod.size_slug(s)}.stl", report=out / f"ring_{prod.size_slug(s)}.json", size=s)
        for s in (prod.parse_size(f"US:{v:g}") for _sys, v in sizes.parse_size_range(SIZE_RUN))
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        motifs = prod.MotifStore(link, work)
        outcomes = prod.produce(
            prod.Item("bench", prompt=prompt), targets, link=link, motifs=motifs
        )
    return time.perf_counter() - t0, outcomes


def cli_call(url: str, out: Path) -> float:
    command = [
        sys.executable, str(ROOT / "scripts" / "aura_batch.py"), "--prompt", DEMO_PROMPT,
        "--out", str(out / "cli.stl"), "--server", url, "--no-autostart", "--force",
    ]  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode not in (prod.EXIT_OK, prod.EXIT_CHECKS):
        raise SystemExit(f"the CLI call failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--server", help="a running server (default: start a local one)")
    args = parser.parse_args()

    local = None if args.server else LocalServer()
    url = args.server or local.start()
    link = prod.ServerLink(url, autostart=False)
    try:
        with tempfile.TemporaryDirectory(prefix="aura-bench-") as tmp:
            out = Path(tmp)
            t0 = time.perf_counter()
            one_prompt(link, MOTIF_PROMPT, out)  # warm: bpy import, first boolean, server backend
            print(f"warm-up (bpy import, first build, first job): {time.perf_counter() - t0:.2f} s")
            results = {}
            for label, prompt in (
                ("demo prompt, no motif", DEMO_PROMPT),
                ("prompt with a motif", MOTIF_PROMPT),
            ):
                times = []
                for _ in range(args.runs):
                    seconds, outcome = one_prompt(link, prompt, out)
                    times.append(seconds)
                results[label] = times
                report = outcome.report or {}
                print(
                    f"prompt -> STL, {label}: median {statistics.median(times):.3f} s "
                    f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs; "
                    f"{report.get('triangles')} triangles, checks {outcome.checks or outcome.error})"
                )  # fmt: skip
            totals = {}
            for label, prompt in (("the demo design", DEMO_PROMPT), ("with a motif", MOTIF_PROMPT)):
                total, outcomes = size_run(link, out, prompt)
                totals[label] = total
                ok = sum(1 for o in outcomes if o.report is not None)
                print(
                    f"11-size run {SIZE_RUN}, {label}: {total:.2f} s total, "
                    f"{total / max(1, len(outcomes)):.3f} s per size "
                    f"({ok} built, exit code {prod.worst(o.code for o in outcomes)})"
                )
            wall = cli_call(url, out)
            print(f"one CLI call (interpreter + bpy import + prompt -> STL): {wall:.2f} s wall")
            for label, times in results.items():
                median = statistics.median(times)
                verdict = "met" if median <= 1.0 else "MISSED"
                print(f"goal prompt -> STL median <= 1.0 s, {label}: {verdict}")
            for label, total in totals.items():
                print(f"goal 11 sizes <= 3 s, {label}: {'met' if total <= 3.0 else 'MISSED'}")
    finally:
        link.close()
        if local is not None:
            local.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
