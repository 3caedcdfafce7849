"""Network work off Blender's main thread.

A Task runs one function in a daemon thread. The function talks to the server and reports
progress through the task; the main thread only ever reads a snapshot under a lock, so a
modal operator's timer step never waits on the network. No bpy here: bpy is not thread-safe
and everything that touches Blender data stays on the main thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ClientError, JobFailed, UserError, WaitCancelled


@dataclass(frozen=True)
class Snapshot:
    done: bool
    progress: float  # 0..1
    stage: str
    job_id: str | None
    result: object
    error: str | None
    cancelled: bool


class Task:
    def __init__(self, kind: str, label: str, work: Callable[[Task], object]):
        self.kind = kind
        self.label = label
        self._work = work
        self._lock = threading.Lock()
        self.cancel_event = threading.Event()
        self._state = Snapshot(False, 0.0, "starting", None, None, None, False)
        self._thread = threading.Thread(target=self._run, name=f"aura-{kind}", daemon=True)

    def start(self) -> Task:
        self._thread.start()
        return self

    # worker side --------------------------------------------------------------------
    def publish(self, progress: float | None = None, stage: str | None = None, job_id=None):
        with self._lock:
            s = self._state
            self._state = Snapshot(
                False,
                s.progress if progress is None else min(1.0, max(0.0, float(progress))),
                s.stage if stage is None else stage,
                s.job_id if job_id is None else job_id,
                None,
                None,
                False,
            )

    def _run(self) -> None:
        result, error, cancelled = None, None, False
        try:
            result = self._work(self)
        except WaitCancelled:
            cancelled = True
        except JobFailed as exc:  # a job cancelled on the server (from elsewhere) is no error
            cancelled = exc.status == "cancelled"
            error = None if cancelled else str(exc)
        except (ClientError, UserError) as exc:
            error = str(exc)
        except Exception as exc:  # a bug or an odd reply must not kill Blender's session
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            s = self._state
            stage = "cancelled" if cancelled else ("failed" if error else "done")
            self._state = Snapshot(True, s.progress, stage, s.job_id, result, error, cancelled)

    # main-thread side ---------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._state

    def cancel(self) -> None:
        self.cancel_event.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


# The running task of each kind, for the panel's progress bar and Cancel button.
_active: dict[str, Task] = {}


def start(kind: str, label: str, work: Callable[[Task], object]) -> Task:
    task = Task(kind, label, work)
    _active[kind] = task
    return task.start()


def active(kind: str) -> Task | None:
    return _active.get(kind)


def busy(kind: str) -> bool:
    task = _active.get(kind)
    return task is not None and not task.snapshot().done


def forget(task: Task) -> None:
    if _active.get(task.kind) is task:
        del _active[task.kind]


def cancel_all(wait_s: float = 2.0) -> None:
    """On unregister: ask every task to stop (a job's wait cancels it on the server)."""
    tasks = list(_active.values())
    for task in tasks:
        task.cancel()
    for task in tasks:
        task.join(wait_s)
    _active.clear()
