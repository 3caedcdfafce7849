"""The Aura sidebar (3D Viewport > Sidebar > Aura). Drawing only reads state: the settings,
the design's report, the server line and the running tasks; it never calls the network."""

from __future__ import annotations

import bpy

from ..studio import tasks
from . import properties, server_line
from .properties import DIAMETER, SIZE_FIELDS

LEVEL_ICONS = {"INFO": "INFO", "WARNING": "ERROR", "ERROR": "CANCEL"}


class _AuraPanel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Aura"


def _wrapped(layout, text: str, icon: str = "NONE", width: int = 48) -> None:
    """A long message as several labels (the sidebar does not wrap)."""
    words, line, first = text.split(), "", True
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            layout.label(text=line, icon=icon if first else "BLANK1")
            line, first = word, False
        else:
            line = f"{line} {word}".strip()
    if line:
        layout.label(text=line, icon=icon if first else "BLANK1")


def _task_progress(layout, kind: str) -> bool:
    """A progress bar and Cancel button for a running task; False when none runs."""
    task = tasks.active(kind)
    if task is None:
        return False
    snap = task.snapshot()
    if snap.done:
        return False
    row = layout.row(align=True)
    row.progress(factor=snap.progress, type="BAR", text=f"{snap.stage} {snap.progress:.0%}")
    cancel = row.operator("aura.cancel_job", text="", icon="CANCEL")
    cancel.kind = kind
    return True


class VIEW3D_PT_aura_main(_AuraPanel, bpy.types.Panel):
    bl_label = "Aura"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        line = server_line.line()
        icon = {True: "LINKED", False: "UNLINKED", None: "QUESTION"}[line.connected]
        row = layout.row(align=True)
        row.label(text=f"Server: {line.text}", icon=icon)
        row.operator("aura.check_server", text="", icon="FILE_REFRESH")
        if line.connected is not True:
            row = layout.row(align=True)
            row.operator("aura.start_server", icon="PLAY")
            if server_line.local_server() is not None:
                row.operator("aura.stop_server", text="", icon="X")
        elif server_line.local_server() is not None:
            layout.operator("aura.stop_server", icon="X")
        for kind in ("plan", "refine", "variations", "start_server"):
            _task_progress(layout, kind)
        if settings.status:
            box = layout.box()
            _wrapped(box, settings.status, LEVEL_ICONS[settings.status_level])


class VIEW3D_PT_aura_describe(_AuraPanel, bpy.types.Panel):
    bl_label = "Describe"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.prop(settings, "prompt", text="")
        layout.operator("aura.plan", icon="PLAY")
        if settings.understood:
            box = layout.box()
            box.label(text=f"Understood ({settings.provider}):")
            for line in settings.understood.splitlines():
                _wrapped(box, line)
        row = layout.row(align=True)
        row.prop(settings, "instruction", text="")
        row.operator("aura.refine", text="Refine")
        row = layout.row(align=True)
        row.prop(settings, "variation_count")
        row.prop(settings, "variation_seed")
        row.operator("aura.variations", text="", icon="SHADERFX")
        for index, item in enumerate(settings.variations):
            op = layout.operator("aura.apply_variation", text=item.label, icon="IMPORT")
            op.index = index


class VIEW3D_PT_aura_ring(_AuraPanel, bpy.types.Panel):
    bl_label = "Ring"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(settings, "design_name")
        layout.prop(settings, "size_system")
        layout.prop(settings, SIZE_FIELDS[settings.size_system], text="Size")
        col = layout.column(align=True)
        col.label(text=properties.size_summary(settings), icon="MESH_CIRCLE")
        if settings.size_system != DIAMETER:
            others = properties.other_sizes_summary(settings)
            if others:
                _wrapped(col, others)
        layout.separator()
        layout.prop(settings, "shank_profile")
        col = layout.column(align=True)
        col.prop(settings, "shank_width")
        col.prop(settings, "shank_thickness")
        layout.prop(settings, "shoulders")
        layout.prop(settings, "shank_taper")
        if settings.shank_taper:
            col = layout.column(align=True)
            col.prop(settings, "shank_top_width")
            col.prop(settings, "shank_top_thickness")


class VIEW3D_PT_aura_stone(_AuraPanel, bpy.types.Panel):
    bl_label = "Stone & Setting"

    def draw_header(self, context):
        self.layout.prop(context.scene.aura, "has_gem", text="")

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.active = settings.has_gem
        layout.prop(settings, "gem_cut")
        layout.prop(settings, "gem_stone")
        layout.row().prop(settings, "gem_by", expand=True)
        if settings.gem_by == "CARAT":
            layout.prop(settings, "gem_carat")
        else:
            col = layout.column(align=True)
            col.prop(
                settings, "gem_length", text="Diameter" if settings.gem_cut == "round" else "Length"
            )
            if settings.gem_cut != "round":
                col.prop(settings, "gem_width")
        summary = properties.gem_summary(settings)
        if summary:
            layout.label(text=summary, icon="SHADING_SOLID")
        layout.prop(settings, "setting_type")
        layout.prop(settings, "head_style")
        layout.row().prop(settings, "head_height", expand=True)
        if settings.setting_type == "prong":
            layout.row().prop(settings, "prongs", expand=True)
            layout.row().prop(settings, "prong_tips", expand=True)


class VIEW3D_PT_aura_accents(_AuraPanel, bpy.types.Panel):
    bl_label = "Accents"

    def draw_header(self, context):
        self.layout.prop(context.scene.aura, "has_accents", text="")

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.use_property_split = True
        layout.use_property_decorate = False
        col = layout.column()
        col.active = settings.has_accents
        for name in ("accents_layout", "accents_coverage", "accents_cut", "accents_stone",
                     "accents_size", "accents_gap", "accents_count"):  # fmt: skip
            col.prop(settings, name)
        summary = properties.stones_summary(settings)
        if summary:
            col.label(text=summary, icon="SHADING_SOLID")
        for line in properties.bill_lines(settings.report()):  # the last build's bill
            layout.label(text=line)


class VIEW3D_PT_aura_engraving(_AuraPanel, bpy.types.Panel):
    bl_label = "Engraving & Stamp"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(settings, "has_engraving")
        col = layout.column()
        col.active = settings.has_engraving
        col.prop(settings, "engraving_text")
        col.prop(settings, "engraving_font")
        layout.prop(settings, "stamp")


class VIEW3D_PT_aura_metal(_AuraPanel, bpy.types.Panel):
    bl_label = "Metal"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.prop(settings, "metal", text="")
        if settings.weight_g > 0:
            layout.label(
                text=f"Weight {settings.weight_g:.2f} g · {settings.volume_mm3:.0f} mm³",
                icon="MOD_PHYSICS",
            )


class VIEW3D_PT_aura_motif(_AuraPanel, bpy.types.Panel):
    bl_label = "Motif"

    def draw_header(self, context):
        self.layout.prop(context.scene.aura, "has_motif", text="")

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        layout.active = settings.has_motif
        layout.prop(settings, "motif_prompt", text="")
        col = layout.column()
        col.use_property_split = True
        col.use_property_decorate = False
        col.prop(settings, "motif_backend")
        col.prop(settings, "motif_seed")
        col.prop(settings, "motif_size")
        col.prop(settings, "motif_params")
        if settings.motif_backend == "image-to-3d":
            self._concepts(layout, settings)
        if not _task_progress(layout, "generate"):
            layout.operator("aura.generate", icon="SHADERFX")
        layout.prop(settings, "build_after_generate")
        if settings.motif_path:
            layout.prop(settings, "motif_path", text="")

    @staticmethod
    def _concepts(layout, settings):
        if not _task_progress(layout, "concepts"):
            layout.operator("aura.concepts", icon="IMAGE_DATA")
        if not len(settings.concepts):
            return
        grid = layout.grid_flow(columns=2, even_columns=True, even_rows=True, align=True)
        for index, concept in enumerate(settings.concepts):
            cell = grid.column(align=True)
            image = bpy.data.images.get(concept.image_name)
            if image is not None and image.preview is not None:
                cell.template_icon(icon_value=image.preview.icon_id, scale=5.0)
            else:
                cell.label(text=concept.image_name or "missing image", icon="ERROR")
            picked = index == settings.concept_index
            op = cell.operator(
                "aura.pick_concept",
                text="Picked" if picked else f"Pick {index + 1}",
                depress=picked,
            )
            op.index = index


class VIEW3D_PT_aura_checks(_AuraPanel, bpy.types.Panel):
    bl_label = "Build & Checks"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        row = layout.row(align=True)
        row.scale_y = 1.3
        row.operator("aura.build_ring", icon="MESH_TORUS")
        row.operator("aura.rebuild", icon="FILE_REFRESH")
        row = layout.row(align=True)
        row.operator("aura.load_design", icon="EYEDROPPER")
        row.operator("aura.check_print", icon="CHECKMARK")
        if not len(settings.checks):
            layout.label(text="Build a ring to see its checks")
            return
        box = layout.box()
        for check in settings.checks:
            row = box.row()
            row.alert = not check.passed
            row.label(
                text=check.name.replace("_", " "), icon="CHECKMARK" if check.passed else "ERROR"
            )
            row.label(text=f"{check.value} / {check.threshold}")
        verdict = "All checks passed" if settings.checks_passed else "Some checks failed"
        layout.label(text=verdict, icon="CHECKMARK" if settings.checks_passed else "ERROR")
        if not settings.checks_passed:
            layout.operator("aura.select_failing", icon="RESTRICT_SELECT_OFF")


class VIEW3D_PT_aura_export(_AuraPanel, bpy.types.Panel):
    bl_label = "Export"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.aura
        row = layout.row(align=True)
        row.prop(settings, "export_stones")
        row.prop(settings, "export_report")
        layout.operator("aura.export_stl", icon="EXPORT")
        layout.operator("aura.showcase", icon="RENDER_STILL")
        layout.operator("aura.setup_units", icon="DRIVER_DISTANCE")
