"""Aura's operators: thin glue between the panel, the server client and the pipeline.

Anything that talks to the server is a Run: prepared on the main thread (read the panel,
check the input), its network part in a worker thread (tasks.Task), finished on the main
thread (every bpy call). From the UI a Run is modal: a window timer calls its step(), which
only reads the task's snapshot, so Blender never waits on the network. From a script or a
headless session (no window) the same Run is stepped in a loop until it ends.

User mistakes and a dead server end in a clear report (Blender's report system and the
panel's status line), never in a traceback.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty
from bpy_extras.io_utils import ExportHelper

from ..builder import pipeline
from ..geometry import scene
from ..jewelry.spec import DesignSpec, Motif, SpecError
from ..studio import tasks
from ..studio.client import ClientError, LocalServer, concept_ref, is_loopback_url
from ..studio.tasks import Task, UserError
from . import design, preferences, properties, server_line

TIMER_STEP_S = 0.1  # how often a modal Run looks at its task
HEADLESS_STEP_S = 0.02
CONCEPT_COUNT = 4
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


def _fail(op, context, exc: Exception) -> set[str]:
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


def _job_work(client, create: Callable[[], dict], timeout_s: float, poll_s: float, then):
    """Worker body shared by server jobs: create, follow progress, then fetch the result."""

    def work(task: Task):
        with client:
            job = create()
            job_id = job["id"]
            task.publish(0.0, job.get("status", "queued"), job_id=job_id)
            done = client.wait(
                job_id,
                on_progress=lambda j: task.publish(
                    j.get("progress"), j.get("stage") or j.get("status")
                ),
                poll_s=poll_s,
                timeout_s=timeout_s,
                cancel_event=task.cancel_event,
            )
            task.publish(1.0, "downloading")
            return then(client, job_id, done)

    return work


class GenerateRun(Run):
    kind = "generate"
    label = "Generate motif"
    cancellable = True

    def prepare(self, context):
        settings = context.scene.aura
        concept = _picked_concept(settings)
        prompt = settings.motif_prompt.strip()
        if concept is None:
            Motif(
                prompt, settings.motif_backend, settings.motif_seed, settings.motif_size
            ).validate()
        # read every bpy value now: the worker thread must not touch Blender data
        backend, seed, size = settings.motif_backend, settings.motif_seed, settings.motif_size
        params = _model_params(settings)
        prefs = preferences.get(context)
        client = preferences.make_client(context)
        folder = user_dir("motifs")

        def create():
            return client.create_job(
                prompt=prompt or None,
                backend=backend,
                seed=int(seed),
                size_mm=float(size),
                params=params,
                concept=concept,
            )

        def fetch(client, job_id, _job):
            return str(client.download_mesh(job_id, folder / f"motif_{job_id}.obj"))

        return _job_work(client, create, prefs.job_timeout, prefs.poll_interval, fetch)

    def finish(self, context, path):
        settings = context.scene.aura
        settings.motif_path = path
        settings.has_motif = True
        if not settings.build_after_generate:
            return f"Motif ready ({Path(path).name}): Build Ring to place it"
        spec = properties.spec_from_settings(settings)
        target = design.current(context)
        replace = design.result_of(target) if target is not None else None
        result = design.build(context, spec, Path(path), replace=replace)
        self.level = "INFO" if result.passed else "WARNING"
        return f"Motif placed on {result.metal.name}; {design.failing_summary(result.report)}"


def _model_params(settings) -> dict | None:
    text = settings.motif_params.strip()
    if not text:
        return None
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"Model settings: {exc.msg} in {text[:40]!r}; write a JSON object"
        ) from None
    if not isinstance(params, dict):
        raise UserError(f'Model settings: {text[:40]!r} is not a JSON object like {{"steps": 32}}')
    return params


def _picked_concept(settings) -> str | None:
    if settings.motif_backend != "image-to-3d":
        return None
    index = settings.concept_index
    if 0 <= index < len(settings.concepts):
        return settings.concepts[index].ref or None
    return None


class ConceptsRun(Run):
    kind = "concepts"
    label = "Concept images"
    cancellable = True

    def prepare(self, context):
        settings = context.scene.aura
        prompt = settings.motif_prompt.strip()
        Motif(prompt, "image-to-3d", settings.motif_seed, settings.motif_size).validate()
        prefs = preferences.get(context)
        client = preferences.make_client(context)
        folder = user_dir("concepts")
        seed = int(settings.motif_seed)
        params = _model_params(settings)

        def fetch(client, job_id, job):
            found = []
            for entry in (job.get("result") or {}).get("images", []):
                index = int(entry["index"])
                path = client.download_concept(job_id, index, folder / f"{job_id}_{index}.png")
                found.append((str(path), concept_ref(job_id, index)))
            return found

        return _job_work(
            client,
            lambda: client.concepts(prompt, n=CONCEPT_COUNT, seed=seed, params=params),
            prefs.job_timeout,
            prefs.poll_interval,
            fetch,
        )

    def finish(self, context, images):
        settings = context.scene.aura
        settings.concepts.clear()
        for path, ref in images:
            image = bpy.data.images.load(path, check_existing=True)
            image.preview_ensure()
            item = settings.concepts.add()
            item.name = item.image_name = image.name
            item.filepath = path
            item.ref = ref
        settings.concept_index = 0 if images else -1
        return f"{len(images)} concept image(s): pick one, then Generate"


class PlanRun(Run):
    kind = "plan"
    label = "Plan"

    def prepare(self, context):
        text = context.scene.aura.prompt.strip()
        if not text:
            raise UserError("Describe: type what you want first, e.g. '1 ct oval sapphire, UK M'")
        client = preferences.make_client(context)

        def work(_task):
            with client:
                return client.plan(text)

        return work

    def finish(self, context, answer):
        settings = context.scene.aura
        _apply_answer(settings, answer)
        settings.understood = _understood_text(answer.get("understood"))
        return f"Planned by {settings.provider}: {properties.spec_label(properties.spec_from_settings(settings))}"


class RefineRun(Run):
    kind = "refine"
    label = "Refine"

    def prepare(self, context):
        settings = context.scene.aura
        instruction = settings.instruction.strip()
        if not instruction:
            raise UserError("Change: say what to change first, e.g. 'rose gold, half a size up'")
        spec = properties.spec_from_settings(settings).to_dict()
        client = preferences.make_client(context)

        def work(_task):
            with client:
                return client.refine(spec, instruction)

        return work

    def finish(self, context, answer):
        settings = context.scene.aura
        _apply_answer(settings, answer)
        spec = properties.spec_from_settings(settings)
        return f"Refined by {settings.provider}: {properties.spec_label(spec)}"


class VariationsRun(Run):
    kind = "variations"
    label = "Variations"

    def prepare(self, context):
        settings = context.scene.aura
        spec = properties.spec_from_settings(settings).to_dict()
        n, seed = settings.variation_count, settings.variation_seed
        client = preferences.make_client(context)

        def work(_task):
            with client:
                return client.variations(spec, n=n, seed=seed)

        return work

    def finish(self, context, specs):
        settings = context.scene.aura
        settings.variations.clear()
        for data in specs:
            spec = DesignSpec.from_dict(data)
            item = settings.variations.add()
            label = properties.spec_label(spec)
            item.label = f"{spec.name}: {label}" if spec.name else label
            item.spec_json = spec.to_json(indent=None)
        return f"{len(specs)} variation(s): apply one to load it into the panel"


class StartServerRun(Run):
    kind = "start_server"
    label = "Start server"

    def prepare(self, context):
        prefs = preferences.get(context)
        url = preferences.checked_url(prefs)
        if not is_loopback_url(url):
            raise UserError(
                f"Start Server runs a server on this computer, but the server URL is {url}; "
                "set it to http://127.0.0.1:8765 in the add-on preferences"
            )
        server = LocalServer(
            port=urlsplit(url).port or 80,
            data_dir=user_dir("server"),
            command=_server_command(prefs),
            cwd=prefs.server_dir or None,
        )
        token = prefs.token or None

        def work(_task):
            line = server_line.probe(url, token)
            if line.connected:
                return None, line  # something already answers there
            server.start(timeout_s=120.0)
            return server, server_line.probe(url, token)

        return work

    def finish(self, context, outcome):
        server, line = outcome
        server_line.set_line(line)
        if server is None:
            return f"A server is already running at {line.url}"
        server_line.adopt(server)
        return f"Aura server started at {server.url} (log: {server.log_path})"


def _server_command(prefs) -> str | list[str] | None:
    """The preference's command; else the server folder's own virtual environment (Blender's
    Python lacks the server's packages); else the client's default."""
    if prefs.server_command:
        return prefs.server_command
    if prefs.server_dir:
        venv = Path(prefs.server_dir) / ".venv"
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if python.exists():
            return [str(python), "-m", "ai_server", "serve"]
    return None


def _apply_answer(settings, answer: dict) -> None:
    if not isinstance(answer, dict) or "spec" not in answer:
        raise UserError("the server's answer has no design spec")
    spec = DesignSpec.from_dict(answer["spec"])
    old_motif = settings.motif_prompt if settings.has_motif else None
    properties.apply_spec(settings, spec)
    if spec.motif is None or spec.motif.prompt != old_motif:
        settings.motif_path = ""  # the old motif mesh no longer matches the design
    settings.provider = str(answer.get("provider") or "server")


def _understood_text(understood) -> str:
    """One line per field the words set, e.g. "gem: oval-cut sapphire ('sapphire, oval, 1 ct')".

    Fields left at their defaults are skipped, and so are sub-fields of a field already shown."""
    if isinstance(understood, str):
        return understood
    if not isinstance(understood, dict):
        return ""
    lines = []
    for key, note in understood.items():
        if "." in key and key.split(".", 1)[0] in understood:
            continue
        if isinstance(note, dict):
            if note.get("source") in ("default", "base"):
                continue
            value, words = note.get("value"), note.get("words")
            text = f"{key}: {value}"
            if words and str(words).lower() != str(value).lower():
                text += f" ('{words}')"
        elif isinstance(note, (list, tuple)):
            if not note:
                continue
            text = f"{key}: {', '.join(map(str, note))}"
        else:
            text = f"{key}: {note}"
        lines.append(text)
    return "\n".join(lines)[:2000]


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


class _RunOperator:
    """Mixin: invoke() goes modal when there is a window, execute() blocks."""

    run_class: type[Run] = Run

    def _start(self, context) -> Run | None:
        run = self.run_class()
        try:
            run.start(context)
        except Exception as exc:
            _fail(self, context, exc)
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


class AURA_OT_plan(_RunOperator, bpy.types.Operator):
    """Turn the description into a design: fills the fields below"""

    bl_idname = "aura.plan"
    bl_label = "Plan"
    bl_options = UNDO
    run_class = PlanRun


class AURA_OT_refine(_RunOperator, bpy.types.Operator):
    """Change the current design as the instruction says"""

    bl_idname = "aura.refine"
    bl_label = "Refine"
    bl_options = UNDO
    run_class = RefineRun


class AURA_OT_variations(_RunOperator, bpy.types.Operator):
    """Ask the server for variations of the current design"""

    bl_idname = "aura.variations"
    bl_label = "Variations"
    bl_options = UNDO
    run_class = VariationsRun


class AURA_OT_generate(_RunOperator, bpy.types.Operator):
    """Generate the motif mesh on the server (Blender stays usable; Esc cancels)"""

    bl_idname = "aura.generate"
    bl_label = "Generate Motif"
    bl_options = UNDO
    run_class = GenerateRun

    @classmethod
    def poll(cls, _context):
        if tasks.busy("generate"):
            cls.poll_message_set("A motif is being generated")
            return False
        return True


class AURA_OT_concepts(_RunOperator, bpy.types.Operator):
    """Make concept images of the motif to pick from (image-to-3d)"""

    bl_idname = "aura.concepts"
    bl_label = "Concept Images"
    bl_options = UNDO
    run_class = ConceptsRun

    @classmethod
    def poll(cls, _context):
        if tasks.busy("concepts"):
            cls.poll_message_set("Concept images are being made")
            return False
        return True


class AURA_OT_start_server(_RunOperator, bpy.types.Operator):
    """Start the Aura server on this computer (command set in the add-on preferences)"""

    bl_idname = "aura.start_server"
    bl_label = "Start Server"
    run_class = StartServerRun


class AURA_OT_cancel_job(bpy.types.Operator):
    """Cancel the running job, here and on the server"""

    bl_idname = "aura.cancel_job"
    bl_label = "Cancel"
    kind: StringProperty(name="Kind", default="generate")

    def execute(self, context):
        task = tasks.active(self.kind)
        if task is None:
            tell(self, context.scene.aura, "INFO", "Nothing to cancel")
            return {"CANCELLED"}
        task.cancel()
        tell(self, context.scene.aura, "INFO", f"Cancelling {task.label}...")
        return {"FINISHED"}


class AURA_OT_stop_server(bpy.types.Operator):
    """Stop the server that Aura started on this computer"""

    bl_idname = "aura.stop_server"
    bl_label = "Stop Server"

    def execute(self, context):
        if server_line.stop_local():
            server_line.refresh(context)
            tell(self, context.scene.aura, "INFO", "Aura server stopped")
            return {"FINISHED"}
        tell(self, context.scene.aura, "INFO", "Aura did not start a server in this session")
        return {"CANCELLED"}


class AURA_OT_check_server(bpy.types.Operator):
    """Ask the server how it is now"""

    bl_idname = "aura.check_server"
    bl_label = "Check Server"

    def execute(self, context):
        server_line.refresh(context, wait=context.window is None)
        return {"FINISHED"}


# Design operators (main thread, no network) ------------------------------------------------
class _DesignOperator:
    """Mixin: run `act()` and turn any user mistake into a report."""

    def act(self, context) -> str:
        raise NotImplementedError

    def execute(self, context):
        self._level = "INFO"
        try:
            message = self.act(context)
        except Exception as exc:
            return _fail(self, context, exc)
        tell(self, context.scene.aura, self._level, message)
        return {"FINISHED"}


class AURA_OT_build_ring(_DesignOperator, bpy.types.Operator):
    """Build a new ring from the fields in the panel, check it, and show the results"""

    bl_idname = "aura.build_ring"
    bl_label = "Build Ring"
    bl_options = UNDO

    def act(self, context):
        settings = context.scene.aura
        spec = properties.spec_from_settings(settings)
        result = design.build(context, spec, design.motif_file(settings))
        self._level = "INFO" if result.passed else "WARNING"
        return f"Built {result.metal.name}: {result.report['weight_g']:.2f} g; {design.failing_summary(result.report)}"


class AURA_OT_rebuild(_DesignOperator, bpy.types.Operator):
    """Rebuild the current design in place from the panel's fields (say, after a resize)"""

    bl_idname = "aura.rebuild"
    bl_label = "Rebuild"
    bl_options = UNDO

    def act(self, context):
        settings = context.scene.aura
        metal = design.require_current(context)
        spec = properties.spec_from_settings(settings)
        result = design.build(
            context, spec, design.motif_file(settings), replace=design.result_of(metal)
        )
        self._level = "INFO" if result.passed else "WARNING"
        return f"Rebuilt {metal.name} as {spec.size.label}: {design.failing_summary(result.report)}"


class AURA_OT_load_design(_DesignOperator, bpy.types.Operator):
    """Load the selected Aura ring's design into the panel"""

    bl_idname = "aura.load_design"
    bl_label = "Edit Selected"
    bl_options = UNDO

    def act(self, context):
        metal = design.require_current(context)
        settings = context.scene.aura
        spec = design.spec_of(metal)
        properties.apply_spec(settings, spec)
        settings.motif_path = metal.get(design.MOTIF_PROP, "")
        report = design.report_of(metal)
        if report:
            settings.store_report(report)
        settings.design = metal
        return f"Editing {metal.name}: {properties.spec_label(spec)}"


class AURA_OT_apply_variation(_DesignOperator, bpy.types.Operator):
    """Load this variation into the panel"""

    bl_idname = "aura.apply_variation"
    bl_label = "Use Variation"
    bl_options = UNDO
    index: IntProperty(name="Index", default=0, min=0)

    def act(self, context):
        settings = context.scene.aura
        if self.index >= len(settings.variations):
            raise UserError(f"There is no variation {self.index + 1}: ask for Variations first")
        item = settings.variations[self.index]
        properties.apply_spec(settings, DesignSpec.from_json(item.spec_json))
        return f"Variation {self.index + 1}: {item.label} (Build Ring or Rebuild to see it)"


class AURA_OT_pick_concept(_DesignOperator, bpy.types.Operator):
    """Use this concept image for the motif"""

    bl_idname = "aura.pick_concept"
    bl_label = "Pick"
    bl_options = UNDO
    index: IntProperty(name="Index", default=0, min=0)

    def act(self, context):
        settings = context.scene.aura
        if self.index >= len(settings.concepts):
            raise UserError(f"There is no concept image {self.index + 1}")
        settings.concept_index = self.index
        return f"Concept {self.index + 1} picked: Generate turns it into the motif"


class AURA_OT_check_print(_DesignOperator, bpy.types.Operator):
    """Measure the current ring's metal as it is now: walls, shells, size, weight"""

    bl_idname = "aura.check_print"
    bl_label = "Check"
    bl_options = UNDO

    def act(self, context):
        metal = design.require_current(context)
        result = design.check(context, metal)
        self._level = "INFO" if result.passed else "WARNING"
        return f"{metal.name}: {design.failing_summary(result.report)}"


class AURA_OT_select_failing(_DesignOperator, bpy.types.Operator):
    """Select the metal's faces whose wall is thinner than casting allows"""

    bl_idname = "aura.select_failing"
    bl_label = "Select Failing"
    bl_options = UNDO
    edit_mode: BoolProperty(
        name="Edit mode", default=True, description="Enter edit mode to show the selection"
    )

    def act(self, context):
        metal = design.require_current(context)
        if context.mode != "OBJECT":
            bpy.ops.object.mode_set(mode="OBJECT")
        thin = design.check(context, metal).thin_faces
        count = design.select_faces(context, metal, thin)
        if self.edit_mode and count:
            bpy.ops.object.mode_set(mode="EDIT")
            context.tool_settings.mesh_select_mode = (False, False, True)
        if not count:
            return f"No thin walls on {metal.name}: every wall is at least the casting minimum"
        self._level = "WARNING"
        return f"Selected {count} face(s) of {metal.name} thinner than the casting minimum"


class AURA_OT_export_stl(_DesignOperator, bpy.types.Operator, ExportHelper):
    """Export the ring's metal as an STL in millimetres (optionally its stones and report)"""

    bl_idname = "aura.export_stl"
    bl_label = "Export STL"
    filename_ext = ".stl"
    filter_glob: StringProperty(default="*.stl", options={"HIDDEN"})
    stones: BoolProperty(name="Stones STL", default=True, description="Also <name>_stones.stl")
    report_json: BoolProperty(name="Report", default=True, description="Also <name>_report.json")

    def invoke(self, context, event):
        metal = design.current(context)
        if metal is not None and not self.filepath:
            self.filepath = bpy.path.clean_name(metal.name) + self.filename_ext
        settings = context.scene.aura
        self.stones, self.report_json = settings.export_stones, settings.export_report
        return ExportHelper.invoke(self, context, event)

    def act(self, context):
        if not self.filepath:
            raise UserError("Export STL: choose a file name")
        metal = design.require_current(context)
        result = design.result_of(metal)
        if not result.report.get("checks"):
            result = design.check(context, metal)
        stl = Path(bpy.path.ensure_ext(bpy.path.abspath(self.filepath), self.filename_ext))
        stones = stl.with_name(stl.stem + "_stones.stl") if self.stones else None
        report_path = stl.with_name(stl.stem + "_report.json") if self.report_json else None
        written = pipeline.export_files(result, stl, stones, report_path)
        design.keep(context, metal, result.report)
        if not result.passed:
            self._level = "WARNING"
        return f"Exported {', '.join(Path(p).name for p in written.values())} (mm)" + (
            "" if result.passed else f"; {design.failing_summary(result.report)}"
        )


class AURA_OT_setup_units(_DesignOperator, bpy.types.Operator):
    """Set the scene to millimetres (1 unit = 1 mm), as jewelry CAD works"""

    bl_idname = "aura.setup_units"
    bl_label = "Millimetre Units"
    bl_options = UNDO

    def act(self, context):
        scene.setup_units(context.scene)
        return "Scene units: metric, millimetres (1 unit = 1 mm)"


CLASSES = (
    AURA_OT_plan,
    AURA_OT_refine,
    AURA_OT_variations,
    AURA_OT_apply_variation,
    AURA_OT_generate,
    AURA_OT_concepts,
    AURA_OT_pick_concept,
    AURA_OT_cancel_job,
    AURA_OT_build_ring,
    AURA_OT_rebuild,
    AURA_OT_load_design,
    AURA_OT_check_print,
    AURA_OT_select_failing,
    AURA_OT_export_stl,
    AURA_OT_setup_units,
    AURA_OT_start_server,
    AURA_OT_stop_server,
    AURA_OT_check_server,
)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister() -> None:
    tasks.cancel_all()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
