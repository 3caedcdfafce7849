"""The API server's side of the fleet: jobs go to Celery queues instead of local lanes.

`FleetJobManager` keeps JobManager's interface (submit, cancel, long-poll, queue info), so
the routes and the API are the same in both modes, and the server stays the one owner of
the job table and the job files. Three threads:

- sender: queued jobs -> Celery (`send_task` on the lane's queue), each under a fresh task
  id recorded in Redis as the job's current one; a Redis outage only delays the send.
- listener: the workers' events (started, progress, succeeded/failed/cancelled with the
  result files) -> the job table and the job folder. Events wait in Redis while the server
  is down, so a restarted server picks up what finished meanwhile; nothing runs twice.
- watchdog: a running job whose worker stopped sending heartbeats is sent again (attempts
  counted as in the embedded mode), or failed after MAX_ATTEMPTS; a job past its deadline
  is failed and its worker told to stop.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import asdict

from ai_server.backends import BACKENDS
from ai_server.fleet import broker
from ai_server.jobs import CANCELLED, FAILED, MAX_ATTEMPTS, QUEUED, RUNNING, SUCCEEDED
from ai_server.worker import WATCHDOG_GRACE_S, JobManager

log = logging.getLogger("ai_server.fleet")

WATCH_INTERVAL_S = 0.5
RETRY_SEND_S = 0.5
STRANDED_AFTER_S = 15.0  # queued, its queue empty and every worker on it idle this long
_FINISHED = {SUCCEEDED, FAILED, CANCELLED}


class FleetJobManager(JobManager):
    def __init__(self, config, store, registry):
        super().__init__(config, store, registry)
        self.broker_url = config.broker
        self.client = broker.redis_client(config.broker)
        self.app = broker.celery_app(config.broker)
        self._outbox: queue.Queue[tuple[str, bool]] = queue.Queue()  # (job id, resuming)
        self._threads: list[threading.Thread] = []
        self._missing_since: dict[str, float] = {}  # job id -> when its worker went quiet
        self._stranded_since: dict[str, float] = {}  # queued job id -> when it seemed stranded

    # ------------------------------------------------------------ life cycle

    def start(self) -> None:
        # Running jobs stay running: their workers' events (or the watchdog) end them.
        # A queued job whose message reached Redis before a restart stays there; one whose
        # send was cut short is sent again under a new task id (the old one, if it arrives,
        # is skipped by its worker).
        for job_id, _backend in self.store.queued_ids():
            self._outbox.put((job_id, True))
        for target in (self._send_loop, self._listen_loop, self._watch_loop):
            thread = threading.Thread(target=target, name=f"fleet-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._notify()

    # ------------------------------------------------------------ JobManager's hooks

    def _enqueue(self, job_id: str, backend: str) -> None:
        if backend not in BACKENDS:
            super()._enqueue(job_id, backend)  # fails it, as the embedded mode does
            return
        self._outbox.put((job_id, False))

    def _unavailable_reason(self, backend: str) -> str | None:
        return None  # a job waits in its queue until a worker with that backend takes it

    def cancel(self, job_id: str) -> tuple[str, object]:
        with self._lock:
            job = self.store.get(job_id)
            if job is None:
                return "missing", None
            if job.terminal:
                return "finished", job
            self._tell(job_id, "cancel", "1")
            if self.store.cancel_queued(job_id):
                task = self._tell(job_id, None)
                if task:
                    self.app.control.revoke(task)
                self._notify()
                return "cancelled", self.store.get(job_id)
            return "cancelling", job  # the worker sees the flag at its next progress step

    def queue_info(self) -> dict:
        lanes = {lane: {"queued": 0, "running": []} for lane in broker.QUEUE_FOR_LANE}
        for _job_id, backend in self.store.queued_ids():
            if backend in BACKENDS:
                lanes[BACKENDS[backend].lane]["queued"] += 1
        for job in self.store.recent(limit=1000, status=RUNNING):
            lanes[BACKENDS[job.backend].lane]["running"].append(job.id)
        return {
            lane: {**info, "queue": broker.QUEUE_FOR_LANE[lane]} for lane, info in lanes.items()
        }

    def fleet_info(self) -> dict:
        info = {"broker": broker.redacted(self.broker_url), "workers": [], "queues": {}}
        try:
            info["workers"] = broker.live_workers(self.client)
            info["queues"] = broker.queue_lengths(self.client)
        except Exception as exc:  # Redis down: say so rather than fail the status page
            info["error"] = f"broker unreachable: {exc}"
        return info

    # ------------------------------------------------------------ sending

    def _send_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                item = self._outbox.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._send(*item)
            except Exception as exc:  # broker down: keep the job and try again
                log.warning("job %s: could not reach the broker (%s); retrying", item[0], exc)
                self._outbox.put(item)
                self._stopping.wait(RETRY_SEND_S)

    def _send(self, job_id: str, resuming: bool) -> None:
        job = self.store.get(job_id)
        if job is None or job.status != QUEUED:
            return
        key = broker.job_key(job_id)
        if resuming and self.client.hget(key, "sent") == "1":
            return  # in its queue (or running, its events on the way)
        task_id = uuid.uuid4().hex
        files = {}
        if job.input_image:
            path = self.store.job_dir(job_id) / job.input_image
            files[job.input_image] = base64.b64encode(path.read_bytes()).decode()
        pipe = self.client.pipeline()
        pipe.hset(key, mapping={"task": task_id, "sent": "0"})
        pipe.hdel(key, "worker")
        pipe.expire(key, 7 * 24 * 3600)
        pipe.execute()
        payload = {"job": asdict(job), "files": files, "timeout_s": self.config.job_timeout_s}
        queue_name = broker.QUEUE_FOR_LANE[BACKENDS[job.backend].lane]
        self.app.send_task(broker.GENERATE_TASK, args=[payload], queue=queue_name, task_id=task_id)
        self.client.hset(key, "sent", "1")

    def _tell(self, job_id: str, field: str | None, value: str | None = None) -> str | None:
        """Set a field of the job's Redis hash (if field) and return its current task id."""
        key = broker.job_key(job_id)
        try:
            if field is not None:
                self.client.hset(key, field, value)
            return self.client.hget(key, "task")
        except Exception as exc:
            log.warning("job %s: broker unreachable (%s)", job_id, exc)
            return None

    # ------------------------------------------------------------ events from the workers

    def _listen_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                item = self.client.blpop([broker.EVENTS_KEY], timeout=1)
            except Exception as exc:
                log.warning("events: broker unreachable (%s)", exc)
                self._stopping.wait(RETRY_SEND_S)
                continue
            if item is None:
                continue
            try:
                self._apply(json.loads(item[1]))
            except Exception:  # one bad event must not stop the listener
                log.exception("could not apply a worker event")

    def _apply(self, event: dict) -> None:
        job_id, kind = event["job"], event["type"]
        with self._lock:
            if self.client.hget(broker.job_key(job_id), "task") != event["task"]:
                return  # from a superseded task: the job was sent again meanwhile
            job = self.store.get(job_id)
            if job is None:
                return
            if kind == "started":
                if self.store.claim(job_id) is None:  # cancelled while it travelled
                    self._tell(job_id, "cancel", "1")
                self._missing_since.pop(job_id, None)
            elif kind == "progress":
                self.store.set_progress(job_id, float(event["progress"]), str(event["stage"]))
                return
            elif kind in _FINISHED:
                self._store_files(job_id, event.get("files") or {})
                error = event.get("error")
                if self.store.finish(
                    job_id, kind, error=error, result=event.get("result"), stage=kind
                ):
                    log.info("job %s %s on %s", job_id, kind, event["worker"])
                self.client.delete(broker.job_key(job_id))
        self._notify()

    def _store_files(self, job_id: str, files: dict[str, str]) -> None:
        folder = self.store.job_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            if "/" in name or "\\" in name or name.startswith("."):
                raise ValueError(f"worker sent a file name that is not a plain name: {name!r}")
            (folder / name).write_bytes(base64.b64decode(data))

    # ------------------------------------------------------------ watchdog

    def _watch_loop(self) -> None:
        while not self._stopping.wait(WATCH_INTERVAL_S):
            try:
                self._check_running()
                self._check_stranded()
            except Exception as exc:  # broker down: lost workers can't be told from an outage
                self._missing_since.clear()
                log.warning("watchdog: broker unreachable (%s)", exc)

    def _check_running(self) -> None:
        now = time.monotonic()
        for job in self.store.recent(limit=1000, status=RUNNING):
            worker = self.client.hget(broker.job_key(job.id), "worker")
            if (
                job.started
                and time.time() > job.started + self.config.job_timeout_s + WATCHDOG_GRACE_S
            ):
                self._tell(job.id, "cancel", "1")
                error = f"timed out after {self.config.job_timeout_s:g} s on {worker or 'a worker'}"
                if self.store.finish(job.id, FAILED, error=error, stage=FAILED):
                    log.error("job %s: %s", job.id, error)
                self._notify()
                continue
            if worker and self._works_on(worker, job.id):
                self._missing_since.pop(job.id, None)
                continue
            since = self._missing_since.setdefault(job.id, now)
            if now - since >= broker.HEARTBEAT_TTL_S:
                self._missing_since.pop(job.id, None)
                self._worker_lost(job, worker)

    def _check_stranded(self) -> None:
        """A queued job whose message is neither in its queue nor taken by a busy worker was
        stranded (a worker held it unacknowledged when Redis restarted; Redis would hand it
        out again only after the visibility timeout): after a heartbeat's time of that, it is
        sent again under a new task id; the old message, if it ever comes, is skipped."""
        queued = self.store.queued_ids()
        if not queued:
            self._stranded_since.clear()
            return
        lengths = broker.queue_lengths(self.client)
        workers = broker.live_workers(self.client)
        # a queue is idle when every live worker on it is: then nobody holds a message of it
        served = {q for w in workers for q in w.get("queues", ())}
        busy = {q for w in workers if w.get("busy_with") for q in w.get("queues", ())}
        idle = served - busy
        now = time.monotonic()
        seen = set()
        for job_id, backend in queued:
            queue_name = (
                broker.QUEUE_FOR_LANE[BACKENDS[backend].lane] if backend in BACKENDS else None
            )
            if queue_name is None or lengths.get(queue_name) or queue_name not in idle:
                continue
            if self.client.hget(broker.job_key(job_id), "sent") != "1":
                continue  # still on its way out of the outbox
            seen.add(job_id)
            since = self._stranded_since.setdefault(job_id, now)
            if now - since >= STRANDED_AFTER_S:
                self._stranded_since.pop(job_id, None)
                log.warning("job %s: its message was stranded; sent again", job_id)
                self._outbox.put((job_id, False))
        for job_id in set(self._stranded_since) - seen:
            self._stranded_since.pop(job_id, None)

    def _works_on(self, worker: str, job_id: str) -> bool:
        """The worker is alive and still busy with this job (a worker that lost the job,
        e.g. its result could not be sent, is free again while the job stays running)."""
        raw = self.client.get(broker.WORKER_PREFIX + worker)
        return raw is not None and json.loads(raw).get("busy_with") == job_id

    def _worker_lost(self, job, worker: str | None) -> None:
        who = f"worker {worker}" if worker else "its worker"
        with self._lock:
            if job.attempts < MAX_ATTEMPTS and self.store.requeue(job.id, f"requeued: {who} lost"):
                log.warning(
                    "job %s: %s lost; sent again (attempt %d)", job.id, who, job.attempts + 1
                )
                self._outbox.put((job.id, False))
            elif self.store.finish(
                job.id,
                FAILED,
                error=f"{who} was lost while running this job ({job.attempts} attempts); not retried again",
                stage=FAILED,
            ):
                log.error("job %s: %s lost; failed after %d attempts", job.id, who, job.attempts)
        self._notify()
