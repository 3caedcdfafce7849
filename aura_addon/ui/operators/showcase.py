"""Showcase: renders, technical drawing, contact sheet, GLB and spec sheet of the current
design, written to a folder (thin glue over aura_addon.showcase, loaded when used)."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import IntProperty, StringProperty

from ...showcase.options import QUICK_SAMPLES, QUICK_SIZE, VIEW_NAMES, ShowcaseError
from .. import design
from .base import fail, tell, user_dir


def default_folder(metal) -> Path:
    """Next to the saved .blend file (showcase/<ring>), else in Aura's user folder."""
    name = bpy.path.clean_name(metal.name)
    if bpy.data.filepath:
        return Path(bpy.path.abspath("//showcase")) / name
    return user_dir("showcase") / name


class AURA_OT_showcase(bpy.types.Operator):
    """Render the current design from every side and write its technical drawing with
    dimensions, a contact sheet, a GLB for web viewers and a spec sheet (HTML and JSON)"""

    bl_idname = "aura.showcase"
    bl_label = "Showcase"
    bl_options = {"REGISTER"}

    directory: StringProperty(
        name="Folder", subtype="DIR_PATH", description="Where the showcase files go"
    )
    size: IntProperty(
        name="Size",
        default=QUICK_SIZE,
        min=32,
        max=4096,
        description="Render width and height, pixels",
    )
    samples: IntProperty(
        name="Samples",
        default=QUICK_SAMPLES,
        min=1,
        max=4096,
        description="Cycles samples per pixel",
    )

    @classmethod
    def poll(cls, context):
        return design.current(context) is not None

    def invoke(self, context, _event):
        metal = design.current(context)
        if metal is not None and not self.directory:
            self.directory = str(default_folder(metal)) + "/"
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        from ...showcase import make_showcase

        settings = context.scene.aura
        wm = context.window_manager
        wm.progress_begin(0, len(VIEW_NAMES) + 4)
        try:
            metal = design.require_current(context)
            result = design.result_of(metal)
            if not result.report.get("checks"):
                result = design.check(context, metal)
            folder = (
                Path(bpy.path.abspath(self.directory)) if self.directory else default_folder(metal)
            )
            written = make_showcase(
                result,
                folder,
                size=self.size,
                samples=self.samples,
                progress=lambda done, _total, _what: wm.progress_update(done),
            )
        except ShowcaseError as exc:
            tell(self, settings, "ERROR", str(exc))
            return {"CANCELLED"}
        except Exception as exc:  # a user mistake is told; a bug briefly, details to the console
            return fail(self, context, exc)
        finally:
            wm.progress_end()
        skipped = f" (skipped: {', '.join(written['skipped'])})" if written["skipped"] else ""
        tell(
            self,
            settings,
            "INFO",
            f"Showcase of {metal.name}: {len(written['renders'])} views, drawing at "
            f"{written['dimensions']['scale']}, GLB and spec sheet in {folder}{skipped}",
        )
        return {"FINISHED"}
