"""What every Aura operator shares.

Anything that talks to the server is a Run: prepared on the main thread (read the panel,
check the input), its network part in a worker thread (studio.tasks.Task) running the
studio's Blender-free code, finished on the main thread (every bpy call). From the UI a Run
is modal: a window timer calls its step(), which only reads the task's snapshot, so Blender
never waits on the network. From a script or a headless session (no window) the same Run is
stepped in a loop until it ends.

User mistakes and a dead server end in a clear report (Blender's report system and the
panel's status line), never in a traceback.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import bpy

from ...jewelry.spec import SpecError
from ...studio import tasks
from ...studio.errors import ClientError, UserError
from ...studio.tasks import Task
from .. import preferences

TIMER_STEP_S = 0.1  # how often a modal Run looks at its task
HEADLESS_STEP_S = 0.02
UNDO = {"REGISTER", "UNDO"}


def user_dir(name: str) -> Path:
    """A folder for downloaded files: the extension's own user folder when installed."""
    try:
        return Path(bpy.utils.extension_path_user(preferences.ADDON_ID, path=name, create=True))
    except (ValueError, AttributeError):  # not running as an extension (a checkout, a test)
        folder = Path(tempfile.gettempdir()) / "aura" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def tell(op, settings, level: str, message: str) -> None:
    """One message to Blender's reports and the panel's status line."""
    settings.set_status(message, level)
    op.report({level}, message)


def fail(op, context, exc: Exception) -> set[str]:
    if isinstance(exc, (UserError, SpecError, ClientError)):
        tell(op, context.scene.aura, "ERROR", str(exc))
    else:  # a bug: say so briefly, keep the details in the console
        traceback.print_exc()
        tell(
            op,
            context.scene.aura,
            "ERROR",
            f"Aura hit an internal error: {type(exc).__name__}: {exc}",
        )
    return {"CANCELLED"}


def _redraw(context) -> None:
    screen = getattr(context, "screen", None)
    for area in getattr(screen, "areas", []):
        if area.type == "VIEW_3D":
            area.tag_redraw()


def _status_bar(context, text: str | None) -> None:
    workspace = getattr(context, "workspace", None)
    if workspace is not None and context.window is not None:
        workspace.status_text_set(text)


def publisher(task: Task) -> Callable[[dict], None]:
    """A server job's updates as the task's progress (for studio code that takes `on_job`)."""

    def on_job(job: dict) -> None:
        task.publish(job.get("progress"), job.get("stage") or job.get("status"), job.get("id"))

    return on_job


# Runs -----------------------------------------------------------------------------------
class Run:
    """One network action. Subclasses set kind/label and write prepare() and finish()."""

    kind = "request"
    label = "Server request"
    cancellable = False

    def __init__(self):
        self.task: Task | None = None
        self.level = "INFO"
        self.message = ""

    def prepare(self, context) -> Callable[[Task], object]:
        raise NotImplementedError

    def finish(self, context, result) -> str:
        raise NotImplementedError

    def start(self, context) -> None:
        if tasks.busy(self.kind):
            raise UserError(f"{self.label} is already running: wait for it or cancel it")
        work = self.prepare(context)
        self.task = tasks.start(self.kind, self.label, work)

    def step(self, context) -> set[str]:
        """Look at the task once; never blocks. Returns what a modal() returns."""
        snap = self.task.snapshot()
        if not snap.done:
            hint = "  (Esc to cancel)" if self.cancellable else ""
            _status_bar(context, f"Aura · {self.label}: {snap.stage} {snap.progress:.0%}{hint}")
            _redraw(context)
            return {"RUNNING_MODAL"}
        tasks.forget(self.task)
        _status_bar(context, None)
        _redraw(context)
        if snap.cancelled:
            job = f" (server job {snap.job_id} cancelled)" if snap.job_id else ""
            return self._end(context, "WARNING", f"{self.label}: cancelled{job}", {"CANCELLED"})
        if snap.error:
            return self._end(context, "ERROR", f"{self.label}: {snap.error}", {"CANCELLED"})
        try:
            message = self.finish(context, snap.result)
        except (UserError, SpecError, ClientError) as exc:
            return self._end(context, "ERROR", f"{self.label}: {exc}", {"CANCELLED"})
        except Exception as exc:
            traceback.print_exc()
            text = f"{self.label}: internal error {type(exc).__name__}: {exc}"
            return self._end(context, "ERROR", text, {"CANCELLED"})
        return self._end(context, self.level, message, {"FINISHED"})

    def _end(self, context, level: str, message: str, outcome: set[str]) -> set[str]:
        self.level, self.message = level, message
        context.scene.aura.set_status(message, level)
        return outcome

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


def linked(work: Callable[[object, Task], object], link) -> Callable[[Task], object]:
    """A worker body that uses the studio's ServerLink `link` and closes it at the end."""

    def run(task: Task):
        try:
            return work(link, task)
        finally:
            link.close()

    return run


# Operator plumbing for Runs --------------------------------------------------------------
def run_modal_step(op, context, event) -> set[str]:
    """The body of a Run operator's modal(): Esc cancels, timer events step the Run."""
    run: Run = op._run
    if event.type == "ESC" and event.value == "PRESS" and run.cancellable:
        run.cancel()
        return {"RUNNING_MODAL"}
    if event.type != "TIMER":
        return {"PASS_THROUGH"}
    outcome = run.step(context)
    if outcome == {"RUNNING_MODAL"}:
        return {"PASS_THROUGH"}  # keep running; let other timers through
    if op._timer is not None:
        context.window_manager.event_timer_remove(op._timer)
        op._timer = None
    op.report({run.level}, run.message)
    return outcome


def run_blocking(run: Run, context) -> set[str]:
    """Step a Run until it ends (scripts, headless sessions)."""
    while True:
        outcome = run.step(context)
        if outcome != {"RUNNING_MODAL"}:
            return outcome
        time.sleep(HEADLESS_STEP_S)


class RunOperator:
    """Mixin: invoke() goes modal when there is a window, execute() blocks. With
    `busy_message` set, the button is greyed out (saying so) while its Run's kind runs."""

    run_class: type[Run] = Run
    busy_message = ""

    @classmethod
    def poll(cls, _context):
        if cls.busy_message and tasks.busy(cls.run_class.kind):
            cls.poll_message_set(cls.busy_message)
            return False
        return True

    def _start(self, context) -> Run | None:
        run = self.run_class()
        try:
            run.start(context)
        except Exception as exc:
            fail(self, context, exc)
            return None
        return run

    def invoke(self, context, _event):
        if context.window is None:
            return self.execute(context)
        run = self._start(context)
        if run is None:
            return {"CANCELLED"}
        self._run = run
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_STEP_S, window=context.window)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        return run_modal_step(self, context, event)

    def execute(self, context):
        run = self._start(context)
        if run is None:
            return {"CANCELLED"}
        outcome = run_blocking(run, context)
        self.report({run.level}, run.message)
        return outcome


class DesignOperator:
    """Mixin for main-thread operators: run `act()` and turn any user mistake into a report."""

    def act(self, context) -> str:
        raise NotImplementedError

    def execute(self, context):
        self._level = "INFO"
        try:
            message = self.act(context)
        except Exception as exc:
            return fail(self, context, exc)
        tell(self, context.scene.aura, self._level, message)
        return {"FINISHED"}
