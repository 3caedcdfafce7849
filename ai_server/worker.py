"""Job execution: one worker thread per lane takes jobs from its queue, one at a time.

Lanes: "device" runs the torch backends on the accelerator (or the CPU without one), one job
at a time; "cpu" runs the procedural backend, so a quick motif never waits behind a long
diffusion job. Inference never runs on the HTTP event loop.

A job always ends terminal: exceptions fail it with the reason (a failed database write
too: the lane catches per job and keeps going), a cancel or the deadline is seen at the
backend's next ``ctx.progress()``, and a watchdog fails a job that ignores its deadline and
gives the lane a fresh thread, restarts a lane whose thread died, and retries recording a
failure the database refused. At startup, jobs a killed server left running are re-queued
once, or failed if they were already retried (``JobStore.recover_interrupted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ai_server import device, retention
from ai_server.backends import BACKENDS, CPU_LANE, DEVICE_LANE, BackendRegistry
from ai_server.backends.base import BackendError, JobCancelled, JobContext, JobTimedOut
from ai_server.config import DEFAULT_MAX_FACES, ServerConfig
from ai_server.jobs import CANCELLED, FAILED, RUNNING, SUCCEEDED, Job, JobStore

log = logging.getLogger("ai_server")

PROGRESS_WRITE_INTERVAL_S = 0.1  # progress reaches SQLite at most this often (stage changes always)
WATCHDOG_GRACE_S = 10.0  # extra time a job gets past its deadline before its thread is given up
_STOP = object()


@dataclass
class _Running:
    job_id: str
    deadline: float
    cancel: threading.Event


class Lane:
    """A queue and the thread draining it. ``generation`` retires a thread stuck in a backend."""

    def __init__(self, name: str, manager: JobManager):
        self.name = name
        self.manager = manager
        self.queue: queue.Queue = queue.Queue()
        self.running: _Running | None = None
        self.busy_with: str | None = None  # e.g. "preloading shap-e"
        self.generation = 0
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        device.start_detecting()
        self.generation += 1
        self.running = None
        self.thread = threading.Thread(
            target=self._loop,
            args=(self.generation,),
            name=f"lane-{self.name}-{self.generation}",
            daemon=True,
        )
        self.thread.start()

    def _loop(self, generation: int) -> None:
        while generation == self.generation:
            item = self.queue.get()
            if item is _STOP or generation != self.generation:
                if generation != self.generation and item is not _STOP:
                    self.queue.put(item)  # not ours any more: leave it for the new thread
                return
            kind, value = item
            try:
                if kind == "warm-up":
                    self.manager.warm_up(self)
                elif kind == "preload":
                    self.manager.preload(value, self)
                else:
                    self.manager.run_job(value, self, generation)
            except Exception as exc:  # never let one job end the lane
                log.exception("lane %s: %s %s failed", self.name, kind, value)
                if kind == "job":
                    if generation == self.generation:
                        self.running = None
                    self.manager.fail_unfinished(
                        value, f"internal error: {type(exc).__name__}: {exc}"
                    )


class JobManager:
    def __init__(self, config: ServerConfig, store: JobStore, registry: BackendRegistry):
        self.config = config
        self.store = store
        self.registry = registry
        self.lanes = {CPU_LANE: Lane(CPU_LANE, self), DEVICE_LANE: Lane(DEVICE_LANE, self)}
        self._lock = threading.Lock()  # claim vs cancel
        self.changes = Changes()  # notified whenever a job becomes terminal
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._unrecorded: dict[str, str] = {}  # job id -> failure the database refused
        self._next_sweep = 0.0

    # ------------------------------------------------------------ life cycle

    def start(self) -> None:
        requeued, failed = self.store.recover_interrupted()
        if requeued or failed:
            log.warning(
                "recovered after an unclean stop: %d re-queued, %d failed",
                len(requeued),
                len(failed),
            )
        self.sweep()
        for lane in self.lanes.values():
            lane.start()
        self.lanes[CPU_LANE].queue.put(("warm-up", None))
        for name in self.config.preload:
            self.lanes[BACKENDS[name].lane].queue.put(("preload", name))
        for job_id, backend in self.store.queued_ids():
            self._enqueue(job_id, backend)
        self._watchdog = threading.Thread(target=self._watch, name="watchdog", daemon=True)
        self._watchdog.start()

    def stop(self) -> None:
        """Clean stop: running jobs go back to the queue (not counted as an attempt)."""
        self._stopping.set()
        for lane in self.lanes.values():
            running = lane.running
            lane.generation += 1  # whatever the thread finishes now is discarded
            lane.queue.put(_STOP)
            if running is not None:
                self.store.requeue_on_shutdown([running.job_id])
                running.cancel.set()
        self._notify()  # long-polling requests answer now instead of holding up the shutdown

    # ------------------------------------------------------------ submitting and control

    def lane_for(self, backend: str) -> Lane:
        return self.lanes[BACKENDS[backend].lane]

    def _enqueue(self, job_id: str, backend: str) -> None:
        if backend not in BACKENDS:
            self.store.claim(job_id)
            self.store.finish(job_id, FAILED, error=f"unknown backend '{backend}'")
            return
        self.lane_for(backend).queue.put(("job", job_id))

    def submit(self, *, job_id: str, backend: str, unavailable: str | None, **fields) -> Job:
        """Record the job (``fields`` as ``JobStore.create`` takes them) and queue it, or fail
        it at once when its backend cannot run (``unavailable``: why, from unavailable_reason)."""
        job = self.store.create(
            job_id=job_id,
            backend=backend,
            status=FAILED if unavailable else "queued",
            error=unavailable,
            **fields,
        )
        if unavailable:
            self._notify()
        else:
            self._enqueue(job.id, backend)
        return job

    def unavailable_reason(self, backend: str) -> str | None:
        """Why the backend cannot run now (None: it can). Never raises: a broken install
        (an ImportError in the check) is a reason too."""
        try:
            available, reason = self.registry.get(backend).availability()
        except BackendError as exc:
            return str(exc)
        except Exception as exc:
            log.warning("availability check of %s failed: %r", backend, exc)
            return f"backend '{backend}' cannot run here: {type(exc).__name__}: {exc}"
        return None if available else reason

    def queue_full(self) -> bool:
        return self.store.count("queued") >= self.config.max_queued

    def cancel(self, job_id: str) -> tuple[str, Job | None]:
        """-> ("cancelled" | "cancelling" | "finished" | "missing", job)."""
        with self._lock:
            if self.store.cancel_queued(job_id):
                self._notify()
                return "cancelled", self.store.get(job_id)
            job = self.store.get(job_id)
            if job is None:
                return "missing", None
            if job.status == RUNNING:
                for lane in self.lanes.values():
                    if lane.running is not None and lane.running.job_id == job_id:
                        lane.running.cancel.set()
                return "cancelling", job
            return "finished", job

    async def wait_terminal(self, job_id: str, timeout_s: float) -> Job | None:
        """The job once terminal, or as it is after timeout_s (long-polling). Awaits on the
        event loop: a waiting request holds no thread (database reads borrow one briefly)."""
        from starlette.concurrency import run_in_threadpool

        end = time.monotonic() + timeout_s
        while True:
            seen = self.changes.seen()
            job = await run_in_threadpool(self.store.get, job_id)
            remaining = end - time.monotonic()
            if job is None or job.terminal or remaining <= 0 or self._stopping.is_set():
                return job
            await self.changes.wait(seen, remaining)

    def _notify(self) -> None:
        self.changes.notify()

    def fleet_info(self) -> dict | None:
        return None  # the embedded mode runs every job in this process

    def queue_info(self) -> dict:
        queued = dict.fromkeys(self.lanes, 0)
        for _job_id, backend in self.store.queued_ids():
            if backend in BACKENDS:
                queued[BACKENDS[backend].lane] += 1
        return {
            name: {
                "queued": queued[name],
                "running": lane.running.job_id if lane.running else None,
                "busy_with": lane.busy_with,
                "alive": bool(lane.thread and lane.thread.is_alive()),
            }
            for name, lane in self.lanes.items()
        }

    # ------------------------------------------------------------ running

    def warm_up(self, lane: Lane) -> None:
        """Import the mesh libraries once the server is up: fast start, and no slow first job."""
        lane.busy_with = "warming up"
        try:
            import ai_server.backends.procedural  # noqa: F401
            import ai_server.backends.sdf  # noqa: F401
            import ai_server.cleanup  # noqa: F401
        finally:
            lane.busy_with = None

    def preload(self, name: str, lane: Lane) -> None:
        lane.busy_with = f"preloading {name}"
        started = time.monotonic()
        try:
            self.registry.get(name).load()
            log.info("preloaded %s in %.1f s", name, time.monotonic() - started)
        except Exception as exc:  # a failed preload must not stop the server
            log.warning("could not preload %s: %s", name, exc)
        finally:
            lane.busy_with = None

    def run_job(self, job_id: str, lane: Lane, generation: int) -> None:
        with self._lock:
            job = self.store.claim(job_id)
            if job is None:
                return  # cancelled (or already handled) while queued
            running = _Running(
                job_id, time.monotonic() + self.config.job_timeout_s, threading.Event()
            )
            lane.running = running
        ctx = self._context(job, running)
        try:
            status, error, result = execute(self.registry, job, ctx, lane.name)
        finally:
            if generation == lane.generation:
                lane.running = None
        try:
            if self.store.finish(job_id, status, error=error, result=result, stage=status):
                log.info("job %s %s%s", job_id, status, f": {error}" if error else "")
        except sqlite3.Error as exc:
            log.error("job %s: could not record %s: %s", job_id, status, exc)
            self.fail_unfinished(
                job_id, f"the server could not record the job's {status} result: {exc}"
            )
        self._notify()

    def fail_unfinished(self, job_id: str, error: str) -> None:
        """Fail a job the worker could not see through; if the database refuses even that,
        the watchdog tries again until it takes (a job never stays running)."""
        try:
            self.store.fail(job_id, error)
            self._unrecorded.pop(job_id, None)
        except sqlite3.Error as exc:
            log.error("job %s: could not record its failure either: %s", job_id, exc)
            self._unrecorded[job_id] = error
        self._notify()

    def _context(self, job: Job, running: _Running) -> JobContext:
        work_dir = self.store.job_dir(job.id)
        work_dir.mkdir(parents=True, exist_ok=True)
        last = {"stage": None, "at": 0.0}

        def store_progress(fraction: float, stage: str) -> None:
            now = time.monotonic()
            if stage != last["stage"] or now - last["at"] >= PROGRESS_WRITE_INTERVAL_S:
                last.update(stage=stage, at=now)
                self.store.set_progress(job.id, fraction, stage)

        return JobContext(
            job_id=job.id,
            prompt=job.prompt,
            seed=job.seed,
            size_mm=job.size_mm,
            params=job.params,
            image_path=work_dir / job.input_image if job.input_image else None,
            work_dir=work_dir,
            deadline=running.deadline,
            timeout_s=self.config.job_timeout_s,
            cancel_event=running.cancel,
            on_progress=store_progress,
        )

    # ------------------------------------------------------------ watchdog

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            try:
                self.check_lanes()
                if time.monotonic() >= self._next_sweep:
                    self.sweep()
            except Exception:  # the watchdog itself must outlive anything it meets
                log.exception("watchdog")

    def sweep(self) -> None:
        self._next_sweep = time.monotonic() + retention.SWEEP_INTERVAL_S
        try:
            retention.sweep(self.store, self.config.keep_days, self.config.keep_mb)
        except (OSError, sqlite3.Error) as exc:
            log.warning("retention sweep failed: %s", exc)

    def check_lanes(self) -> None:
        """Restart a lane whose thread died; fail a job that ignores its deadline (stuck outside
        ctx.progress) and replace its thread; retry failures the database refused."""
        for job_id, error in list(self._unrecorded.items()):
            self.fail_unfinished(job_id, error)
        for lane in self.lanes.values():
            running = lane.running
            if self._stopping.is_set():
                return
            if lane.thread is not None and not lane.thread.is_alive():
                log.error("lane %s: its worker thread died; starting a new one", lane.name)
                if running is not None:
                    self.fail_unfinished(
                        running.job_id, "the worker thread stopped unexpectedly; it was restarted"
                    )
                lane.start()
                continue
            if running is None or time.monotonic() < running.deadline + WATCHDOG_GRACE_S:
                continue
            running.cancel.set()
            error = (
                f"timed out after {self.config.job_timeout_s:g} s "
                "(the backend did not stop; its worker thread was replaced)"
            )
            # Only a job still running is failed, and only then is its thread given up: a job
            # that just ended on its own leaves a healthy thread, maybe already on the next job.
            if lane.running is running and self.store.finish(
                running.job_id, FAILED, error=error, stage=FAILED
            ):
                log.error("job %s: %s", running.job_id, error)
                self._notify()
                lane.start()  # a new thread; the stuck one exits when (if) its backend returns


class Changes:
    """A signal raised whenever a job ends. Async waiters (long-polls) hold no thread; the
    worker threads raise it through each waiter's event loop."""

    def __init__(self):
        self._lock = threading.Lock()
        self._count = 0
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []

    def seen(self) -> int:
        return self._count

    def notify(self) -> None:
        with self._lock:
            self._count += 1
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits
                loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, seen: int, timeout_s: float) -> None:
        """Until a job ends after ``seen`` (a ``seen()`` value), or timeout_s."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._count != seen:
                return
            self._waiters.append((loop, future))
        try:
            await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            pass
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove((loop, future))


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


def execute(registry: BackendRegistry, job: Job, ctx: JobContext, lane_name: str):
    """Run one job's backend and cleanup -> (status, error, result). Never raises: every
    failure becomes the job's error (shared by the embedded lanes and the fleet's workers)."""
    status, error, result = FAILED, None, None
    try:
        backend = registry.get(job.backend)
        if not backend.is_loaded():
            ctx.progress(0.0, "loading model")
            backend.load()
        ctx.progress(0.0, "starting")
        with _device_context(lane_name):
            if job.kind == "concepts":
                result = make_concepts(backend, ctx, job)
            else:
                result = make_mesh(backend, ctx, job)
        status = SUCCEEDED
    except JobTimedOut:
        error = f"timed out after {ctx.timeout_s:g} s"
    except JobCancelled:
        status, error = CANCELLED, "cancelled while running"
    except BackendError as exc:  # includes cleanup's CleanupError
        error = str(exc)
    except Exception as exc:
        error = describe_crash(job, exc)
    return status, error, result


def _device_context(lane_name: str):
    # torch only for the lane that runs torch backends: the procedural lane never imports it
    return device.inference_mode() if lane_name == DEVICE_LANE else contextlib.nullcontext()


def make_mesh(backend, ctx: JobContext, job: Job) -> dict:
    from ai_server.cleanup import clean_mesh, write_obj  # trimesh: not needed to start serving

    raw = backend.generate(ctx)
    ctx.progress(0.9, "cleanup")
    mesh, report = clean_mesh(
        raw,
        size_mm=job.size_mm,
        rotate_x_deg=backend.cleanup_rotation_x_deg,
        max_faces=job.params.get("max_faces", DEFAULT_MAX_FACES),
        detect_backdrops=backend.cleanup_backdrops,
        step=lambda _name: ctx.check_cancelled(),
    )
    ctx.progress(0.98, "writing")
    write_obj(mesh, Path(ctx.work_dir) / "mesh.obj")
    result = report.as_result()
    result["mesh_url"] = f"/v1/jobs/{job.id}/mesh.obj"
    result["info"] = ctx.info
    return result


def make_concepts(backend, ctx: JobContext, job: Job) -> dict:
    count = int(job.params.get("n", 1))
    images = backend.concepts(ctx, count)
    if not images:
        raise BackendError(f"backend '{job.backend}' returned no images")
    entries = []
    for index, image in enumerate(images):
        image.save(Path(ctx.work_dir) / f"concept_{index}.png")
        entries.append(
            {
                "index": index,
                "url": f"/v1/jobs/{job.id}/concepts/{index}.png",
                "ref": f"{job.id}/{index}",
                "width": image.width,
                "height": image.height,
            }
        )
    return {"images": entries, "count": len(entries), "info": ctx.info}


def describe_crash(job: Job, exc: Exception) -> str:
    if device.is_out_of_memory(exc):
        device.empty_cache()
        log.warning("job %s: out of memory in %s", job.id, job.backend)
        return (
            f"out of GPU memory in backend '{job.backend}' ({str(exc).splitlines()[0][:200]}); "
            "the cache was emptied and the server keeps serving - try a smaller request, "
            "or free GPU memory used by other programs"
        )
    log.error("job %s crashed in %s:\n%s", job.id, job.backend, traceback.format_exc())
    return f"internal error in backend '{job.backend}': {type(exc).__name__}: {exc}"
