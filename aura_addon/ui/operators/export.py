"""Export: the STL in millimetres (with the stones and the report beside it, if asked), and
the scene's units set to millimetres."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, StringProperty
from bpy_extras.io_utils import ExportHelper

from ...studio.errors import UserError
from .. import design
from .base import UNDO, DesignOperator


class AURA_OT_export_stl(DesignOperator, bpy.types.Operator, ExportHelper):
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
        from ...studio.production import checks_text

        if not self.filepath:
            raise UserError("Export STL: choose a file name")
        metal = design.require_current(context)
        stl = Path(bpy.path.ensure_ext(bpy.path.abspath(self.filepath), self.filename_ext))
        stones = stl.with_name(stl.stem + "_stones.stl") if self.stones else None
        report = stl.with_name(stl.stem + "_report.json") if self.report_json else None
        result, written = design.export(context, metal, stl, stones, report)
        if not result.passed:
            self._level = "WARNING"
        return f"Exported {', '.join(Path(p).name for p in written.values())} (mm)" + (
            "" if result.passed else f"; checks {checks_text(result.report)}"
        )


class AURA_OT_setup_units(DesignOperator, bpy.types.Operator):
    """Set the scene to millimetres (1 unit = 1 mm), as jewelry CAD works"""

    bl_idname = "aura.setup_units"
    bl_label = "Millimetre Units"
    bl_options = UNDO

    def act(self, context):
        from ...geometry import scene

        scene.setup_units(context.scene)
        return "Scene units: metric, millimetres (1 unit = 1 mm)"
