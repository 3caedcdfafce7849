"""Aura: an AI jewelry design studio inside Blender (the extension's entry point).

Nothing here imports bpy at module level: the AI server imports `aura_addon.jewelry`
outside Blender, which runs this file first. register() loads the Blender glue (ui/) only;
the build, the geometry and the network code load when first used.
"""

from __future__ import annotations


def classes() -> tuple:
    """Every class Aura registers, in order: preferences and properties before the operators
    and panels that use them (the one list; unregister goes through it backwards)."""
    from .ui import panels, preferences, properties
    from .ui.operators import build, describe, export, motif, server, showcase

    return (
        preferences.AuraPreferences,
        properties.AuraCheck,
        properties.AuraVariation,
        properties.AuraConcept,
        properties.AuraSettings,
        describe.AURA_OT_plan,
        describe.AURA_OT_refine,
        describe.AURA_OT_variations,
        describe.AURA_OT_apply_variation,
        motif.AURA_OT_generate,
        motif.AURA_OT_concepts,
        motif.AURA_OT_pick_concept,
        motif.AURA_OT_cancel_job,
        build.AURA_OT_build_ring,
        build.AURA_OT_rebuild,
        build.AURA_OT_load_design,
        build.AURA_OT_check_print,
        build.AURA_OT_select_failing,
        export.AURA_OT_export_stl,
        export.AURA_OT_setup_units,
        showcase.AURA_OT_showcase,
        server.AURA_OT_start_server,
        server.AURA_OT_stop_server,
        server.AURA_OT_check_server,
        panels.VIEW3D_PT_aura_main,
        panels.VIEW3D_PT_aura_describe,
        panels.VIEW3D_PT_aura_ring,
        panels.VIEW3D_PT_aura_stone,
        panels.VIEW3D_PT_aura_accents,
        panels.VIEW3D_PT_aura_engraving,
        panels.VIEW3D_PT_aura_metal,
        panels.VIEW3D_PT_aura_motif,
        panels.VIEW3D_PT_aura_checks,
        panels.VIEW3D_PT_aura_export,
    )


def register() -> None:
    import bpy

    from .ui import properties, server_line

    for cls in classes():
        bpy.utils.register_class(cls)
    properties.attach()
    server_line.start()


def unregister() -> None:
    import bpy

    from .studio import tasks
    from .ui import properties, server_line

    tasks.cancel_all()
    server_line.stop()
    properties.detach()
    for cls in reversed(classes()):
        bpy.utils.unregister_class(cls)
