"""Batch production on the fleet: rings built by build workers (bpy) over the Redis broker.

    python scripts/aura_batch.py --batch collection.jsonl --size-run US:5-10:0.5 --out out/ \\
        --broker redis://studio-redis:6379/0          # the caller: plans, fetches motifs, lands files
    python scripts/aura_batch.py --worker --broker redis://studio-redis:6379/0   # on each build box

The caller does what it does alone (plan each item, fetch its motif once) and sends every
size to the "build" queue; a build worker runs the same `production.build_one` as a local
run in a scratch folder and answers with the files, which the caller writes where a local run
would have. The summary table and the exit codes are those of a local run.
"""

from __future__ import annotations

import base64
import tempfile
import time
from pathlib import Path

from aura_addon.jewelry.spec import DesignSpec
from aura_addon.studio import production as prod

BUILD_TIMEOUT_S = 1800.0  # one ring, queue wait included (a long size run on one worker)


def _b64(path: Path) -> str:
    return base64.b64encode(Path(path).read_bytes()).decode()


class FleetBuilder:
    """`production.produce(builder=...)`: fans a design's sizes out to the build workers."""

    def __init__(self, broker_url: str, timeout_s: float = BUILD_TIMEOUT_S):
        from ai_server.fleet import broker

        self.broker = broker
        self.app = broker.celery_app(broker_url)
        self.timeout_s = timeout_s

    def __call__(self, item, jobs, *, motif_path=None, extra_report=None, progress=None):
        progress = progress or (lambda _m: None)
        motif = _b64(motif_path) if motif_path is not None else None
        sent = []
        for job in jobs:
            payload = {
                "item": item,
                "spec": job.spec.to_dict(),
                "motif_obj": motif,
                "stones": job.target.stones is not None,
                "extra_report": extra_report,
            }
            sent.append(
                (
                    job,
                    self.app.send_task(
                        self.broker.BUILD_TASK, args=[payload], queue=self.broker.BUILD_QUEUE
                    ),
                )
            )
        progress(f"{item}: {len(sent)} ring(s) sent to the build queue")
        return [self._land(item, job, result) for job, result in sent]

    def _land(self, item: str, job: prod.BuildJob, result) -> prod.Outcome:
        label = job.spec.size.label
        try:
            answer = result.get(timeout=self.timeout_s, propagate=True)
        except Exception as exc:  # worker crash, timeout, broker gone
            result.forget()
            error = prod.ProductionError(f"build worker failed: {type(exc).__name__}: {exc}")
            return prod.Outcome(item=item, size=label, code=error.code, error=str(error))
        result.forget()
        if answer.get("error"):
            return prod.Outcome(item=item, size=label, code=answer["code"], error=answer["error"])
        files = {"stl": job.target.stl}
        if answer["files"].get("stones") and job.target.stones is not None:
            files["stones"] = job.target.stones
        for kind, path in files.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(base64.b64decode(answer["files"][kind]))
        written = {kind: str(path) for kind, path in files.items()}
        report = answer["report"]
        if job.target.report is not None:
            written["report"] = str(job.target.report)
        report["files"] = written
        if job.target.report is not None:
            prod.write_report(job.target.report, report)
        outcome = prod.Outcome(**answer["outcome"])
        outcome.files, outcome.report = written, report
        return outcome


def build_task(payload: dict) -> dict:
    """On a build worker: one ring into a scratch folder; the files go back in the answer."""
    spec = DesignSpec.from_dict(payload["spec"])
    with tempfile.TemporaryDirectory(prefix="aura-build-") as scratch:
        work = Path(scratch)
        motif_path = None
        if payload.get("motif_obj"):
            motif_path = work / "motif.obj"
            motif_path.write_bytes(base64.b64decode(payload["motif_obj"]))
        target = prod.Target(work / "ring.stl", work / "stones.stl" if payload["stones"] else None)
        try:
            outcome = prod.build_one(
                spec,
                target,
                item=payload["item"],
                motif_path=motif_path,
                extra_report=payload.get("extra_report"),
            )
        except prod.ProductionError as exc:
            return {"error": str(exc), "code": exc.code}
        files = {
            kind: _b64(path) for kind, path in outcome.files.items() if kind in ("stl", "stones")
        }
        row = outcome.as_dict()
        row.pop("files")
        return {"outcome": row, "report": outcome.report, "files": files}


def run_build_worker(broker_url: str, name: str | None = None) -> int:
    """A build worker: one ring at a time (bpy is single-threaded), until stopped."""
    import threading

    from ai_server.fleet import broker
    from ai_server.fleet.worker import heartbeat

    app = broker.celery_app(broker_url)
    app.task(name=broker.BUILD_TASK, ignore_result=False)(build_task)
    name = name or broker.worker_name("build")
    client = broker.redis_client(broker_url)
    entry = {"name": name, "kind": "build", "queues": [broker.BUILD_QUEUE], "since": time.time()}
    stop = threading.Event()
    threading.Thread(target=heartbeat, args=(client, lambda: entry, stop), daemon=True).start()
    try:
        worker = app.Worker(
            pool="solo", concurrency=1, queues=[broker.BUILD_QUEUE], hostname=name,
            loglevel="WARNING", without_mingle=True, without_gossip=True,
        )  # fmt: skip
        worker.start()
        return worker.exitcode or 0
    finally:
        stop.set()
        client.delete(broker.WORKER_PREFIX + name)
