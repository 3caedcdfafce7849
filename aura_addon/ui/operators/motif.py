"""Motif: Generate (a motif mesh on the server, then the ring built with it), Concept Images
(for image-to-3d, to pick from first), Pick, Cancel. The server work is the studio's
MotifStore, the same path the batch script fetches motifs by; this adds the worker thread,
the progress bar and the panel's fields."""

from __future__ import annotations

import json
from pathlib import Path

import bpy
from bpy.props import IntProperty, StringProperty

from ...jewelry.spec import Motif
from ...studio import tasks
from ...studio.errors import UserError
from .. import design, preferences, properties
from .base import UNDO, DesignOperator, Run, RunOperator, linked, publisher, tell, user_dir

CONCEPT_COUNT = 4


def _store(context, folder: str):
    """A MotifStore on the configured server, downloading into Aura's `folder`."""
    from ...studio.production import MotifStore

    prefs = preferences.get(context)
    link = preferences.server_link(context)
    store = MotifStore(
        link, user_dir(folder), timeout_s=prefs.job_timeout, poll_s=prefs.poll_interval
    )
    return link, store


class GenerateRun(Run):
    kind = "generate"
    label = "Generate motif"
    cancellable = True

    def prepare(self, context):
        settings = context.scene.aura
        concept = _picked_concept(settings)
        # read every bpy value now: the worker thread must not touch Blender data
        motif = Motif(
            settings.motif_prompt.strip(),
            settings.motif_backend,
            int(settings.motif_seed),
            float(settings.motif_size),
        )
        if concept is None:
            motif.validate()
        params = _model_params(settings)
        link, store = _store(context, "motifs")

        def work(_link, task):
            path, _info = store.get(
                motif,
                params=params,
                concept=concept,
                on_job=publisher(task),
                cancel_event=task.cancel_event,
            )
            return str(path)

        return linked(work, link)

    def finish(self, context, path):
        from ...studio.production import checks_text

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
        return f"Motif placed on {result.metal.name}; checks {checks_text(result.report)}"


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
        seed = int(settings.motif_seed)
        Motif(prompt, "image-to-3d", seed, settings.motif_size).validate()
        params = _model_params(settings)
        link, store = _store(context, "concepts")

        def work(_link, task):
            found = store.concepts(
                prompt,
                CONCEPT_COUNT,
                seed,
                params=params,
                on_job=publisher(task),
                cancel_event=task.cancel_event,
            )
            return [(str(path), ref) for path, ref in found]

        return linked(work, link)

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


class AURA_OT_generate(RunOperator, bpy.types.Operator):
    """Generate the motif mesh on the server (Blender stays usable; Esc cancels)"""

    bl_idname = "aura.generate"
    bl_label = "Generate Motif"
    bl_options = UNDO
    run_class = GenerateRun
    busy_message = "A motif is being generated"


class AURA_OT_concepts(RunOperator, bpy.types.Operator):
    """Make concept images of the motif to pick from (image-to-3d)"""

    bl_idname = "aura.concepts"
    bl_label = "Concept Images"
    bl_options = UNDO
    run_class = ConceptsRun
    busy_message = "Concept images are being made"


class AURA_OT_pick_concept(DesignOperator, bpy.types.Operator):
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
