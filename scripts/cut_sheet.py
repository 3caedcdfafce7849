"""A sheet of every gem cut, 1 ct diamond each: top, side and pavilion (bottom) views, with
the cut's name, size and facet count, rendered with Blender's Workbench (flat facets shaded by a
studio light, edges outlined) so a person can see the facet patterns.

    .venv/bin/python scripts/cut_sheet.py [--out cuts.png] [--px 2400]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLUMNS = 6
CELL = 12.0  # mm between stones
PITCH = 2.9  # rows of a cut (top, side, bottom, label) in cells


def _stone_object(bpy, name, mesh_data):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(mesh_data.verts, [], mesh_data.faces)
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _label(bpy, text, location, size=1.1):
    curve = bpy.data.curves.new(text, "FONT")
    curve.body = text
    curve.size = size
    curve.align_x = "CENTER"
    obj = bpy.data.objects.new(text, curve)
    obj.location = location
    bpy.context.scene.collection.objects.link(obj)
    return obj


def main() -> int:
    import bpy

    from aura_addon.jewelry import gem_cuts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("cuts.png"))
    parser.add_argument("--px", type=int, default=2400)
    parser.add_argument("--cuts", nargs="*", default=list(gem_cuts.CUTS), choices=gem_cuts.CUTS)
    args = parser.parse_args()
    columns = min(COLUMNS, len(args.cuts))

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    rows = (len(args.cuts) + columns - 1) // columns
    for i, cut in enumerate(args.cuts):
        col, row = i % columns, i // columns
        x, y = col * CELL, -row * PITCH * CELL
        length, width = gem_cuts.dimensions_for_carat(cut, "diamond", 1.0)
        mesh = gem_cuts.cut_mesh(cut, length, width)
        top = _stone_object(bpy, f"{cut} top", mesh)
        top.location = (x, y, 0.0)
        side = _stone_object(bpy, f"{cut} side", mesh)
        # seen from the side: the stone turned about X so its profile faces the camera
        side.rotation_euler = (-1.5708, 0.0, 0.0)
        side.location = (x, y - CELL * 0.85, 0.0)
        bottom = _stone_object(bpy, f"{cut} bottom", mesh)
        bottom.rotation_euler = (3.14159, 0.0, 0.0)  # turned over: the pavilion's facets
        bottom.location = (x, y - CELL * 1.75, 0.0)
        facets = sum(n for k, n in gem_cuts.facet_count(cut).items() if k != "girdle")
        _label(bpy, cut, (x, y + 5.6, 0.0), 1.0)
        size = f"{length:.2f} x {width:.2f} mm" if cut != "round" else f"{width:.2f} mm"
        _label(bpy, f"{size}, {facets} facets", (x, y - CELL * 1.75 - 6.2, 0.0), 0.7)

    cam_data = bpy.data.cameras.new("sheet")
    cam_data.type = "ORTHO"
    cam_data.ortho_scale = columns * CELL
    cam = bpy.data.objects.new("sheet", cam_data)
    cam.location = ((columns - 1) * CELL / 2, 0.6 * CELL - rows * PITCH * CELL / 2, 50.0)
    scene.collection.objects.link(cam)
    scene.camera = cam
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x = args.px
    scene.render.resolution_y = int(args.px * rows * PITCH / columns)
    shading = scene.display.shading
    shading.light = "MATCAP"  # a shiny sphere's picture on every facet: each facet one tone
    shading.studio_light = "check_normal+y.exr"
    shading.show_object_outline = True
    shading.show_cavity = True
    shading.cavity_type = "WORLD"
    shading.cavity_ridge_factor = 1.0
    shading.background_type = "VIEWPORT"
    shading.background_color = (1.0, 1.0, 1.0)
    scene.world = bpy.data.worlds.new("sheet")
    scene.world.color = (1.0, 1.0, 1.0)
    scene.render.filepath = str(args.out.resolve())
    bpy.ops.render.render(write_still=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
