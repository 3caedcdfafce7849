"""Benchmark fleet mode against the embedded server, on this machine (real Redis, real workers).

    python scripts/bench_fleet.py [--jobs 60] [--rings 22] [--runs 20] [--json out.json]

- Warm job round trip (POST -> succeeded -> mesh.obj), embedded vs fleet with one worker:
  what the queue adds (goal: at most 20 ms over the in-process path).
- Procedural job throughput with 1 and 2 model workers.
- Ring builds (aura_batch.py size run, no motif) with 1 and 2 build workers.
On a 2-core machine two workers share the cores with Redis and the API server, so the
2-worker figure shows the overhead more than the scaling a studio's separate boxes give.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.bench_server import timed_job  # noqa: E402
from tests.fleet_processes import BuildWorker, FleetWorker, RedisProcess  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402

GOAL_EXTRA_MS = 20.0
BATCH = REPO_ROOT / "scripts" / "aura_batch.py"


def round_trips(server: ServerProcess, runs: int) -> float:
    """Median ms of a warm procedural job, end to end over HTTP."""
    body = {"prompt": "a heart", "seed": 1}
    for _ in range(3):
        timed_job(server, body)  # warm up: imports, first mesh
    return statistics.median(timed_job(server, body)[0] for _ in range(runs)) * 1000


def throughput(server: ServerProcess, jobs: int) -> float:
    """Jobs per second for a burst of distinct procedural jobs."""
    started = time.perf_counter()
    ids = [server.submit(prompt=f"a star {i}", seed=i) for i in range(jobs)]
    for job_id in ids:
        assert server.wait_job(job_id, timeout_s=600)["status"] == "succeeded"
    return jobs / (time.perf_counter() - started)


def ring_builds(root: Path, broker: str | None, rings: int) -> float:
    """Rings per second for a size run of a plain solitaire (no motif: no server needed)."""
    spec = root / "solitaire.json"
    spec.write_text(json.dumps({"name": "solitaire"}), encoding="utf-8")
    sizes = f"US:4-{4 + (rings - 1) * 0.5:g}:0.5"
    out = root / f"out-{time.monotonic_ns()}"
    cmd = [sys.executable, str(BATCH), "--spec", str(spec), "--size-run", sizes, "--out", str(out)]
    cmd += ["--no-autostart"] + (["--broker", broker] if broker else [])
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=1200)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return rings / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--rings", type=int, default=22)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="aura-bench-fleet-") as tmp:
        root = Path(tmp)
        with ServerProcess(root / "embedded") as server:
            figures["embedded_round_trip_ms"] = round(round_trips(server, args.runs), 1)
            figures["embedded_jobs_per_s"] = round(throughput(server, args.jobs), 2)
        with RedisProcess(root / "redis") as redis:
            with ServerProcess(root / "fleet", ["--broker", redis.url]) as server:
                with FleetWorker(redis.url, "w1", log_dir=root):
                    figures["fleet_round_trip_ms"] = round(round_trips(server, args.runs), 1)
                    figures["fleet_jobs_per_s_1_worker"] = round(throughput(server, args.jobs), 2)
                    with FleetWorker(redis.url, "w2", log_dir=root):
                        figures["fleet_jobs_per_s_2_workers"] = round(
                            throughput(server, args.jobs), 2
                        )
            figures["local_rings_per_s"] = round(ring_builds(root, None, args.rings), 3)
            with BuildWorker(redis.url, "b1", log_dir=root):
                figures["fleet_rings_per_s_1_worker"] = round(
                    ring_builds(root, redis.url, args.rings), 3
                )
                with BuildWorker(redis.url, "b2", log_dir=root):
                    figures["fleet_rings_per_s_2_workers"] = round(
                        ring_builds(root, redis.url, args.rings), 3
                    )
    extra = figures["fleet_round_trip_ms"] - figures["embedded_round_trip_ms"]
    figures["queue_adds_ms"] = round(extra, 1)
    figures["queue_goal_met"] = extra <= GOAL_EXTRA_MS
    for key, value in figures.items():
        print(f"{key:32} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
