"""GLB of the metal and the stones with their materials, in metres as glTF requires.

Blender's glTF exporter writes Blender units as metres and ignores the scene's unit scale,
so a ring modelled in millimetres would come out a thousand times too big. The export goes
through temporary copies whose vertices are scaled to metres (no scale left on the nodes),
gathered in a collection of the showcase scene and exported by collection: the user's
objects, selection and active scene are never touched (the exporter switches the window's
scene to the one it exported; that is put back).
"""

from __future__ import annotations

from pathlib import Path

import bpy
from mathutils import Matrix

from ..geometry.scene import SPEC_PROP

MM_TO_M = 0.001


def export_glb(stage, path) -> Path:
    """Write `path` (.glb) from a studio.Stage's metal and stone copies."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    collection = bpy.data.collections.new("Aura GLB export")
    stage.scene.collection.children.link(collection)
    made = []
    spec_json = stage.result.spec.to_json(indent=None)
    label = stage.result.report["metal"]["label"]
    stone = stage.result.spec.gem.stone if stage.result.spec.gem else "stone"
    names = [f"Aura metal ({label})"] + [f"Aura {stone} {i + 1}" for i in range(len(stage.stones))]
    window = bpy.context.window
    user_scene = window.scene if window else None
    try:
        for source, name in zip([stage.metal] + stage.stones, names, strict=True):
            mesh = source.data.copy()
            mesh.name = name
            made.append(mesh)
            mesh.transform(Matrix.Scale(MM_TO_M, 4) @ source.matrix_world)
            obj = bpy.data.objects.new(name, mesh)
            made.append(obj)
            obj[SPEC_PROP] = spec_json  # the design travels with the file (glTF extras)
            collection.objects.link(obj)
        with bpy.context.temp_override(scene=stage.scene, view_layer=stage.scene.view_layers[0]):
            bpy.ops.export_scene.gltf(
                filepath=str(path),
                export_format="GLB",
                collection=collection.name,
                export_materials="EXPORT",
                export_extras=True,
                export_yup=True,
                export_apply=False,
                export_cameras=False,
                export_lights=False,
                export_animations=False,
            )
    finally:
        if window is not None and user_scene is not None and window.scene != user_scene:
            window.scene = user_scene
        for block in reversed(made):
            store = bpy.data.objects if isinstance(block, bpy.types.Object) else bpy.data.meshes
            store.remove(block)
        bpy.data.collections.remove(collection)
    if not path.exists():
        raise RuntimeError(f"the glTF exporter wrote nothing to {path}")
    return path
