"""Describe: words -> a design (Plan), a change in words (Refine), alternatives to pick from
(Variations). The server is asked through the studio (production.plan, refine, variations),
the same path the batch script plans by."""

from __future__ import annotations

import bpy
from bpy.props import IntProperty

from ...jewelry.spec import DesignSpec
from ...studio.errors import UserError
from .. import preferences, properties
from .base import UNDO, DesignOperator, Run, RunOperator, linked


class PlanRun(Run):
    kind = "plan"
    label = "Plan"

    def prepare(self, context):
        from ...studio import production

        text = context.scene.aura.prompt.strip()
        if not text:
            raise UserError("Describe: type what you want first, e.g. '1 ct oval sapphire, UK M'")
        return linked(
            lambda link, _task: production.plan(link, text), preferences.server_link(context)
        )

    def finish(self, context, planned):
        from ...studio.production import describe

        spec, info = planned
        settings = context.scene.aura
        _apply_design(settings, spec, info)
        settings.understood = _understood_text(info.get("understood"))
        return f"Planned by {settings.provider}: {describe(spec)}"


class RefineRun(Run):
    kind = "refine"
    label = "Refine"

    def prepare(self, context):
        from ...studio import production

        settings = context.scene.aura
        instruction = settings.instruction.strip()
        if not instruction:
            raise UserError("Change: say what to change first, e.g. 'rose gold, half a size up'")
        spec = properties.spec_from_settings(settings)
        return linked(
            lambda link, _task: production.refine(link, spec, instruction),
            preferences.server_link(context),
        )

    def finish(self, context, refined):
        from ...studio.production import describe

        spec, info = refined
        _apply_design(context.scene.aura, spec, info)
        return f"Refined by {context.scene.aura.provider}: {describe(spec)}"


class VariationsRun(Run):
    kind = "variations"
    label = "Variations"

    def prepare(self, context):
        from ...studio import production

        settings = context.scene.aura
        spec = properties.spec_from_settings(settings)
        n, seed = settings.variation_count, settings.variation_seed
        return linked(
            lambda link, _task: production.variations(link, spec, n, seed),
            preferences.server_link(context),
        )

    def finish(self, context, specs):
        from ...studio.production import describe

        settings = context.scene.aura
        settings.variations.clear()
        for spec in specs:
            item = settings.variations.add()
            label = describe(spec)
            item.label = f"{spec.name}: {label}" if spec.name else label
            item.spec_json = spec.to_json(indent=None)
        return f"{len(specs)} variation(s): apply one to load it into the panel"


def _apply_design(settings, spec: DesignSpec, info: dict) -> None:
    old_motif = settings.motif_prompt if settings.has_motif else None
    properties.apply_spec(settings, spec)
    if spec.motif is None or spec.motif.prompt != old_motif:
        settings.motif_path = ""  # the old motif mesh no longer matches the design
    settings.provider = str(info.get("provider") or "server")


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


class AURA_OT_plan(RunOperator, bpy.types.Operator):
    """Turn the description into a design: fills the fields below"""

    bl_idname = "aura.plan"
    bl_label = "Plan"
    bl_options = UNDO
    run_class = PlanRun


class AURA_OT_refine(RunOperator, bpy.types.Operator):
    """Change the current design as the instruction says"""

    bl_idname = "aura.refine"
    bl_label = "Refine"
    bl_options = UNDO
    run_class = RefineRun


class AURA_OT_variations(RunOperator, bpy.types.Operator):
    """Ask the server for variations of the current design"""

    bl_idname = "aura.variations"
    bl_label = "Variations"
    bl_options = UNDO
    run_class = VariationsRun


class AURA_OT_apply_variation(DesignOperator, bpy.types.Operator):
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
