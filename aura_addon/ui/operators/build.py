"""Build & Checks: Build Ring, Rebuild (in place), Edit Selected, Check, Select Failing. The
build and the report are the builder's (through ui.design); this reads the panel and says
what came out."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty

from .. import design, properties
from .base import UNDO, DesignOperator


def _checks(report: dict) -> str:
    from ...studio.production import checks_text  # the batch's wording too

    return f"checks {checks_text(report)}"


class AURA_OT_build_ring(DesignOperator, bpy.types.Operator):
    """Build a new ring from the fields in the panel, check it, and show the results"""

    bl_idname = "aura.build_ring"
    bl_label = "Build Ring"
    bl_options = UNDO

    def act(self, context):
        settings = context.scene.aura
        spec = properties.spec_from_settings(settings)
        result = design.build(context, spec, design.motif_file(settings))
        self._level = "INFO" if result.passed else "WARNING"
        weight = result.report["weight_g"]
        return f"Built {result.metal.name}: {weight:.2f} g; {_checks(result.report)}"


class AURA_OT_rebuild(DesignOperator, bpy.types.Operator):
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
        return f"Rebuilt {metal.name} as {spec.size.label}: {_checks(result.report)}"


class AURA_OT_load_design(DesignOperator, bpy.types.Operator):
    """Load the selected Aura ring's design into the panel"""

    bl_idname = "aura.load_design"
    bl_label = "Edit Selected"
    bl_options = UNDO

    def act(self, context):
        from ...studio.production import describe

        metal = design.require_current(context)
        settings = context.scene.aura
        spec = design.spec_of(metal)
        properties.apply_spec(settings, spec)
        settings.motif_path = metal.get(design.MOTIF_PROP, "")
        report = design.report_of(metal)
        if report:
            settings.store_report(report)
        settings.design = metal
        return f"Editing {metal.name}: {describe(spec)}"


class AURA_OT_check_print(DesignOperator, bpy.types.Operator):
    """Measure the current ring's metal as it is now: walls, shells, size, weight"""

    bl_idname = "aura.check_print"
    bl_label = "Check"
    bl_options = UNDO

    def act(self, context):
        metal = design.require_current(context)
        result = design.check(context, metal)
        self._level = "INFO" if result.passed else "WARNING"
        return f"{metal.name}: {_checks(result.report)}"


class AURA_OT_select_failing(DesignOperator, bpy.types.Operator):
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
