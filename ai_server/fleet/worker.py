"""A fleet worker: `python -m ai_server worker --broker URL --backends shap-e image-to-3d`.

It takes jobs from the Celery queues of its backends' lanes ("gpu" or "cpu"), one at a time
(solo pool: one process, models loaded once and kept, no fork after CUDA), runs them with
the same code as the embedded server (`ai_server.worker.execute`) in a scratch folder, and
sends progress and the result files back to the API server as events. It needs no shared
disk and no database.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

import redis

from ai_server import __version__
from ai_server.backends import BACKENDS, BackendRegistry
from ai_server.backends.base import JobContext
from ai_server.config import DEFAULT_JOB_TIMEOUT_S, ServerConfig
from ai_server.fleet import broker
from ai_server.jobs import CANCELLED, Job
from ai_server.worker import PROGRESS_WRITE_INTERVAL_S, execute

log = logging.getLogger("ai_server.fleet")

CANCEL_POLL_S = 0.2  # how often a running job asks Redis whether it was cancelled


def select_device(device: str | None) -> None:
    """`cuda:N` pins this worker to one GPU, `cpu` hides them; before torch is imported."""
    if device is None:
        return
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    elif device.startswith("cuda:") and device[5:].isdigit():
        os.environ["CUDA_VISIBLE_DEVICES"] = device[5:]
    elif device != "cuda":
        raise ValueError(f"--device {device!r}: use cuda, cuda:N or cpu")


class JobRunner:
    """Runs the jobs the Celery task hands over and reports them as events."""

    def __init__(self, client, registry: BackendRegistry, name: str, backends: list[str]):
        self.client = client
        self.registry = registry
        self.name = name
        self.backends = backends
        self.busy: str | None = None
        self.done = 0

    def run(self, task_id: str, payload: dict) -> None:
        job = Job(**payload["job"])
        key = broker.job_key(job.id)
        state = self.client.hgetall(key)
        if state.get("task") != task_id:
            # The API server sent this job again under a new id (this worker's message was
            # redelivered after another worker was lost), or forgot it: not ours to run.
            log.info("job %s: task %s is not its current one; skipped", job.id, task_id)
            return
        if state.get("cancel"):
            broker.push_event(self.client, self._event(job, task_id, "cancelled"))
            return
        self.client.hset(key, "worker", self.name)
        self.busy = job.id
        broker.push_event(self.client, self._event(job, task_id, "started"))
        try:
            with tempfile.TemporaryDirectory(prefix="aura-job-") as scratch:
                work = Path(scratch)
                inputs = set()
                for file_name, data in payload.get("files", {}).items():
                    (work / file_name).write_bytes(base64.b64decode(data))
                    inputs.add(file_name)
                ctx = self._context(job, task_id, work, payload.get("timeout_s"))
                status, error, result = execute(self.registry, job, ctx, BACKENDS[job.backend].lane)
                files = {
                    path.name: base64.b64encode(path.read_bytes()).decode()
                    for path in sorted(work.iterdir())
                    if path.is_file() and path.name not in inputs
                }
        finally:
            self.busy = None
        self.done += 1
        event = self._event(job, task_id, status)
        event.update(error=error, result=result, files=files if status != CANCELLED else {})
        broker.push_event(self.client, event)
        log.info("job %s %s%s", job.id, status, f": {error}" if error else "")

    def _event(self, job: Job, task_id: str, kind: str) -> dict:
        return {"type": kind, "job": job.id, "task": task_id, "worker": self.name}

    def _context(self, job: Job, task_id: str, work: Path, timeout_s) -> JobContext:
        timeout_s = float(timeout_s or DEFAULT_JOB_TIMEOUT_S)
        cancel = threading.Event()
        last = {"stage": None, "at": 0.0, "polled": 0.0}

        def progress(fraction: float, stage: str) -> None:
            now = time.monotonic()
            if stage != last["stage"] or now - last["at"] >= PROGRESS_WRITE_INTERVAL_S:
                last.update(stage=stage, at=now)
                event = self._event(job, task_id, "progress")
                event.update(progress=fraction, stage=stage)
                broker.push_event(self.client, event)
            if now - last["polled"] >= CANCEL_POLL_S:
                last["polled"] = now
                try:
                    if self.client.hget(broker.job_key(job.id), "cancel"):
                        cancel.set()
                except redis.RedisError:  # Redis restarting: ask again at the next step
                    pass

        return JobContext(
            job_id=job.id,
            prompt=job.prompt,
            seed=job.seed,
            size_mm=job.size_mm,
            params=job.params,
            image_path=work / job.input_image if job.input_image else None,
            work_dir=work,
            deadline=time.monotonic() + timeout_s,
            timeout_s=timeout_s,
            cancel_event=cancel,
            on_progress=progress,
        )

    def describe(self, device: dict | None) -> dict:
        return {
            "name": self.name,
            "kind": "model",
            "version": __version__,
            "pid": os.getpid(),
            "queues": queues_for(self.backends),
            "device": device,
            "backends": {name: self.registry.describe(name) for name in self.backends},
            "busy_with": self.busy,
            "jobs_done": self.done,
        }


def queues_for(backends: list[str]) -> list[str]:
    return sorted({broker.QUEUE_FOR_LANE[BACKENDS[name].lane] for name in backends})


def heartbeat(client, describe, stop: threading.Event) -> None:
    """Keep this worker's entry alive; if it expires, the API server re-sends its job."""
    while not stop.is_set():
        try:
            entry = describe()
            client.set(
                broker.WORKER_PREFIX + entry["name"],
                json.dumps(entry),
                px=int(broker.HEARTBEAT_TTL_S * 1000),
            )
        except Exception as exc:  # Redis restarting: keep trying, Celery reconnects too
            log.warning("heartbeat: %s", exc)
        stop.wait(broker.HEARTBEAT_S)


def run_worker(
    broker_url: str,
    backends: list[str],
    *,
    device: str | None = None,
    models: dict[str, str] | None = None,
    preload: bool = False,
    name: str | None = None,
    log_level: str = "info",
) -> int:
    select_device(device)
    config = ServerConfig(models=dict(models or {}))
    registry = BackendRegistry(config)
    client = broker.redis_client(broker_url)
    name = name or broker.worker_name("model")
    runner = JobRunner(client, registry, name, backends)
    app = broker.celery_app(broker_url)

    @app.task(name=broker.GENERATE_TASK, bind=True, ignore_result=True)
    def generate(task, payload: dict) -> None:
        runner.run(task.request.id, payload)

    if preload:
        for backend in backends:
            registry.get(backend).load()
    device_info = _device_info(backends)
    stop = threading.Event()
    beat = threading.Thread(
        target=heartbeat, args=(client, lambda: runner.describe(device_info), stop), daemon=True
    )
    beat.start()
    log.info("worker %s on %s: queues %s", name, broker.redacted(broker_url), queues_for(backends))
    try:
        worker = app.Worker(
            pool="solo",
            concurrency=1,
            queues=queues_for(backends),
            hostname=name,
            loglevel=log_level.upper(),
            without_mingle=True,
            without_gossip=True,
        )
        worker.start()
        return worker.exitcode or 0
    finally:
        stop.set()
        client.delete(broker.WORKER_PREFIX + name)


def _device_info(backends: list[str]) -> dict:
    """The accelerator of a worker that runs torch backends; the procedural needs none."""
    if all(BACKENDS[b].lane == "cpu" for b in backends):
        return {"device": "cpu"}
    from ai_server import device

    return device.detect()
