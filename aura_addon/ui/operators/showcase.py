"""Showcase: renders, technical drawing, contact sheet, GLB and spec sheet of the current
design, written to a folder (thin glue over aura_addon.showcase, loaded when used)."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty

from ...showcase.options import PRESETS, TURNTABLE_FRAMES, VIEW_NAMES, ShowcaseError
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
    preset: EnumProperty(
        name="Quality",
        items=[
            (p.name, p.name.capitalize(), f"{p.purpose}: {p.size} px, {p.samples} samples")
            for p in PRESETS.values()
        ],
        default="quick",
        description="Render quality preset (stated in the spec sheet)",
    )
    size: IntProperty(
        name="Size",
        default=0,
        min=0,
        max=4096,
        description="Render width and height, pixels (0: the preset's)",
    )
    samples: IntProperty(
        name="Samples",
        default=0,
        min=0,
        max=4096,
        description="Cycles samples per pixel (0: the preset's)",
    )
    turntable: BoolProperty(
        name="Turntable",
        default=False,
        description="Also a 36-frame turntable (animated WebP; MP4 where ffmpeg is installed)",
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
        wm.progress_begin(0, len(VIEW_NAMES) + 4 + (TURNTABLE_FRAMES if self.turntable else 0))
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
                preset=self.preset,
                size=self.size or None,
                samples=self.samples or None,
                turntable=self.turntable,
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
