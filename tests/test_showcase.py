"""The showcase from the one model, in real bpy: Cycles renders that are not blank and differ
per view, a technical drawing whose stated dimensions are the model's (checked against the
build report, the spec and an independent reader of the GLB), a GLB in metres with its
materials, a spec sheet with the report's weight and size, and the user's scene untouched."""

from __future__ import annotations

import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import bpy
import numpy as np
import pytest
import trimesh
from mathutils import Matrix
from PIL import Image

from aura_addon.builder import pipeline
from aura_addon.jewelry import sizes
from aura_addon.jewelry.materials import METALS, STONES
from aura_addon.jewelry.spec import DesignSpec
from aura_addon.showcase import VIEW_NAMES, ShowcaseError, make_showcase, materials, render, studio

FAST = {"size": 96, "samples": 2}  # tiny renders: the checks are about content, not beauty
SVG = "{http://www.w3.org/2000/svg}"

SOLITAIRE = {"name": "Solitaire"}  # US 7, 1 ct round diamond, four prongs, 18K yellow
OVAL = {
    "name": "Oval bezel",
    "size": {"system": "UK", "value": "P"},
    "metal": "platinum_950",
    "shank": {"profile": "knife-edge", "width_mm": 3.0, "thickness_mm": 2.0},
    "gem": {"cut": "oval", "stone": "sapphire", "carat": 1.5},
    "setting": {"type": "bezel"},
}


def _data_counts() -> dict:
    kinds = (
        "objects",
        "meshes",
        "materials",
        "scenes",
        "worlds",
        "cameras",
        "lights",
        "collections",
    )
    return {k: len(getattr(bpy.data, k)) for k in kinds}


def _showcase(tmp_path_factory, spec: dict, name: str, move=None):
    result = pipeline.build(DesignSpec.from_dict(spec), name=spec["name"])
    if move is not None:  # a ring the user has moved: the showcase works in its own frame
        result.metal.location = move
        for stone in result.stones:
            stone.location = move
    out = tmp_path_factory.mktemp(name)
    written = make_showcase(result, out, **FAST)
    return result, written, out


@pytest.fixture(scope="module")
def solitaire(tmp_path_factory):
    return _showcase(tmp_path_factory, SOLITAIRE, "solitaire")


@pytest.fixture(scope="module")
def oval(tmp_path_factory):
    return _showcase(tmp_path_factory, OVAL, "oval", move=(40.0, -5.0, 3.0))


def _grey(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"), dtype=float)


def _glb_json(path) -> dict:
    data = Path(path).read_bytes()
    assert data[:4] == b"glTF"
    length = struct.unpack("<I", data[12:16])[0]
    assert data[16:20] == b"JSON"
    return json.loads(data[20 : 20 + length])


def _svg_texts_and_lines(path):
    root = ET.parse(path).getroot()
    texts = [t.text for t in root.iter(f"{SVG}text")]
    lines = [
        {k: float(v) for k, v in line.attrib.items() if k != "stroke"}
        for line in root.iter(f"{SVG}line")
    ]
    return root, texts, lines


@pytest.mark.parametrize("case", ["solitaire", "oval"])
def test_every_file_is_written(case, request):
    result, written, out = request.getfixturevalue(case)
    assert set(written["renders"]) == set(VIEW_NAMES)
    files = list(written["renders"].values()) + [
        written[k]
        for k in ("contact_sheet", "drawing_png", "drawing_svg", "glb", "spec_json", "spec_html")
    ]
    for f in files:
        assert Path(f).is_file() and Path(f).stat().st_size > 100, f
        assert Path(f).parent == out
    for f in written["renders"].values():
        assert Image.open(f).size == (FAST["size"], FAST["size"])
    assert Image.open(written["drawing_png"]).size == (2480, 1754)  # A3 at 150 dpi
    contact = Image.open(written["contact_sheet"])
    assert contact.width >= 4 * FAST["size"] and contact.height >= 2 * FAST["size"]
    assert written["skipped"] == {}


@pytest.mark.parametrize("case", ["solitaire", "oval"])
def test_renders_show_the_ring_on_white_and_every_view_differs(case, request):
    _result, written, _out = request.getfixturevalue(case)
    images = {name: _grey(path) for name, path in written["renders"].items()}
    for name, img in images.items():
        foreground = float((img < 245).mean())
        assert 0.02 < foreground < 0.97, (name, foreground)
        if name not in ("head", "shank"):  # whole-ring views: the corners are studio white
            corners = [img[0, 0], img[0, -1], img[-1, 0], img[-1, -1]]
            assert min(corners) >= 250, (name, corners)
    names = list(images)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            diff = float(np.abs(images[a] - images[b]).mean())
            assert diff > 3.0, (a, b, diff)


def test_drawing_states_the_models_dimensions(solitaire):
    result, written, _out = solitaire
    stated, report, spec = written["dimensions"], result.report, result.spec
    # the figures written on the sheet are the model's: report, spec, and the GLB as read
    # back by trimesh (an independent reader)
    assert stated["inner_diameter_mm"] == pytest.approx(report["inner_diameter_mm"], abs=0.006)
    assert stated["inner_diameter_mm"] == pytest.approx(spec.size.inner_diameter_mm, abs=0.01)
    assert stated["size"] == "US 7" == report["size"]["spec"]
    assert stated["shank_width_mm"] == pytest.approx(spec.shank.width_mm, abs=0.01)
    assert stated["shank_thickness_mm"] == pytest.approx(spec.shank.thickness_mm, abs=0.01)
    gem = report["gems"][0]
    assert stated["stone_length_mm"] == pytest.approx(gem["size_mm"][0], abs=0.006)
    assert stated["stone_width_mm"] == pytest.approx(gem["size_mm"][0], abs=0.006)
    assert stated["carat"] == pytest.approx(gem["carat"], abs=0.006)
    assert stated["carat"] == pytest.approx(1.0, abs=0.01)
    glb = trimesh.load(written["glb"])
    lo, hi = glb.bounds * 1000.0  # metres, +Y up
    top = hi[1]
    assert stated["head_height_mm"] == pytest.approx(
        top - spec.size.inner_diameter_mm / 2, abs=0.01
    )
    assert stated["overall_height_mm"] == pytest.approx(hi[1] - lo[1], abs=0.01)
    assert stated["overall_width_mm"] == pytest.approx(hi[0] - lo[0], abs=0.01)

    # and they are what the sheet says, in its own words
    _root, texts, _lines = _svg_texts_and_lines(written["drawing_svg"])
    assert "Ø17.32 (US 7)" in texts
    stone = f"{stated['stone_length_mm']:.2f}"
    assert 6.4 <= stated["stone_length_mm"] <= 6.5  # a 1 ct round brilliant (DESIGN.md)
    for value in (
        "1.70",
        "2.20",
        f"head {stated['head_height_mm']:.2f}",
        stone,
        f"{stone}  1.00 ct",
    ):
        assert value in texts, value


def test_drawing_is_to_the_stated_scale(solitaire):
    _result, written, _out = solitaire
    stated = written["dimensions"]
    assert stated["scale"] == "5:1"
    root, texts, lines = _svg_texts_and_lines(written["drawing_svg"])
    assert root.attrib["width"] == "420mm" and root.attrib["viewBox"] == "0 0 420 297"
    assert any("Scale 5:1" in t for t in texts)
    # the inner-diameter dimension line spans the hole at 5:1, in paper millimetres
    want = 5 * stated["inner_diameter_mm"]
    spans = [abs(ln["x2"] - ln["x1"]) for ln in lines if abs(ln["y2"] - ln["y1"]) < 1e-6]
    assert any(abs(s - want) < 0.05 for s in spans), want


def test_fancy_cut_moved_ring_is_measured_in_its_own_frame(oval):
    result, written, _out = oval
    stated, report, spec = written["dimensions"], result.report, result.spec
    assert result.metal.location.x == 40.0  # the user's placement is kept
    assert stated["inner_diameter_mm"] == pytest.approx(
        sizes.inner_diameter_mm("UK", "P"), abs=0.01
    )
    assert stated["size"] == "UK P"
    assert stated["shank_width_mm"] == pytest.approx(3.0, abs=0.01)
    assert stated["shank_thickness_mm"] == pytest.approx(2.0, abs=0.01)
    length, width = report["gems"][0]["size_mm"]
    assert length > width
    assert stated["stone_length_mm"] == pytest.approx(length, abs=0.006)
    assert stated["stone_width_mm"] == pytest.approx(width, abs=0.006)
    assert stated["carat"] == pytest.approx(1.5, abs=0.01)
    glb = trimesh.load(written["glb"])
    lo, hi = glb.bounds
    assert abs(lo[0] + hi[0]) < 1e-5  # centred: exported in the ring's own frame
    assert spec.gem.cut == "oval"


@pytest.mark.parametrize("case", ["solitaire", "oval"])
def test_glb_is_in_metres_with_the_materials(case, request):
    result, written, _out = request.getfixturevalue(case)
    glb = trimesh.load(written["glb"])
    assert len(glb.geometry) == 1 + len(result.stones)
    extents = glb.extents  # metres; a ring is about 0.02 across
    outer = written["measured"]["overall_mm"]["width_x"] / 1000.0
    assert extents[0] == pytest.approx(outer, abs=1e-5)
    assert 0.015 < extents[0] < 0.03 and max(extents) < 0.05
    gltf = _glb_json(written["glb"])
    assert all("scale" not in node for node in gltf["nodes"])  # metres in the vertices
    mats = {m["name"]: m for m in gltf["materials"]}
    metal = METALS[result.spec.metal]
    stone = STONES[result.spec.gem.stone]
    gold = next(m for name, m in mats.items() if metal.label in name)
    pbr = gold["pbrMetallicRoughness"]
    assert pbr.get("metallicFactor", 1.0) == 1.0
    assert pbr["baseColorFactor"][:3] == pytest.approx(metal.color, abs=1e-4)
    assert pbr["roughnessFactor"] == pytest.approx(metal.roughness, abs=1e-4)
    gem = next(m for name, m in mats.items() if stone.label in name)
    assert gem["extensions"]["KHR_materials_ior"]["ior"] == pytest.approx(
        stone.refractive_index, abs=1e-4
    )
    assert gem["extensions"]["KHR_materials_transmission"]["transmissionFactor"] == 1.0
    spec_json = gltf["nodes"][0]["extras"]["aura_spec"]
    assert DesignSpec.from_json(spec_json) == result.spec


def test_render_materials_follow_the_alloy_and_the_stone(solitaire):
    result, _written, _out = solitaire
    with studio.Stage(result) as stage:
        metal = materials.material_values(stage.metal.material_slots[0].material)
        stone = materials.material_values(stage.stones[0].material_slots[0].material)
    assert metal["metallic"] == 1.0
    assert metal["base_color"] == pytest.approx(METALS["gold_18k_yellow"].color, abs=1e-6)
    assert metal["roughness"] == pytest.approx(METALS["gold_18k_yellow"].roughness, abs=1e-6)
    assert stone["ior"] == pytest.approx(2.42, abs=1e-6) and stone["transmission"] == 1.0
    for name in ("ruby", "sapphire"):
        ruby = materials.stone_material(name)
        try:
            assert materials.material_values(ruby)["ior"] == pytest.approx(1.77, abs=1e-6)
        finally:
            bpy.data.materials.remove(ruby)


@pytest.mark.parametrize("case", ["solitaire", "oval"])
def test_spec_sheet_has_the_reports_weight_and_size(case, request):
    result, written, out = request.getfixturevalue(case)
    report = result.report
    data = json.loads(Path(written["spec_json"]).read_text(encoding="utf-8"))
    assert data["metal"]["weight_g"] == report["weight_g"]
    assert data["metal"]["volume_mm3"] == report["volume_mm3"]
    assert data["metal"]["label"] == report["metal"]["label"]
    assert data["size"]["design"] == report["size"]["spec"]
    assert data["size"]["inner_diameter_mm"] == report["inner_diameter_mm"]
    assert data["size"]["systems"] == report["size"]["nearest"]
    assert set(data["size"]["systems"]) == set(sizes.SYSTEMS)
    assert data["checks"] == report["checks"] and data["passed"] == report["passed"]
    assert [(s["cut"], s["stone"], s["carat"], s["count"]) for s in data["stones"]] == [
        (g["cut"], g["stone"], g["carat"], g["count"]) for g in report["gems"]
    ]
    assert data["dimensions_mm"]["overall"] == written["measured"]["overall_mm"]
    for view in data["views"].values():  # the views, linked relative to the sheet
        assert (out / view["file"]).is_file()
    html = Path(written["spec_html"]).read_text(encoding="utf-8")
    assert f"{report['weight_g']:.2f} g" in html
    for near in report["size"]["nearest"].values():
        assert near["label"] in html
    for view in data["views"].values():
        assert f'src="{view["file"]}"' in html


def test_the_users_scene_is_left_as_it_was(tmp_path):
    result = pipeline.build(DesignSpec.from_dict(SOLITAIRE), name="Untouched")
    user = bpy.context.scene
    result.metal.select_set(False)
    camera, world = user.camera, user.world
    engine = user.render.engine
    before = _data_counts()
    metal_mesh, verts = result.metal.data, len(result.metal.data.vertices)
    slots = list(metal_mesh.materials)
    steps = []
    written = make_showcase(
        result,
        tmp_path,
        size=64,
        samples=1,
        views=["front", "top"],
        progress=lambda *a: steps.append(a),
    )
    assert set(written["renders"]) == {"front", "top"}
    assert [s[0] for s in steps] == [1, 2, 3, 4, 5] and steps[-1][1] == 5
    assert _data_counts() == before
    assert bpy.context.scene == user and bpy.context.window.scene == user
    assert user.camera == camera and user.world == world and user.render.engine == engine
    assert result.metal.data == metal_mesh and len(metal_mesh.vertices) == verts
    assert list(metal_mesh.materials) == slots and not result.metal.select_get()
    assert tuple(result.metal.scale) == (1.0, 1.0, 1.0)


def test_bad_options_are_clear_errors(solitaire, tmp_path):
    result = solitaire[0]
    cases = [
        ({"size": 0}, "size: 0 is not allowed; a whole number from 32 to 4096"),
        ({"samples": "many"}, "samples: 'many' is not allowed"),
        ({"views": ["front", "bottom"]}, "views: 'bottom' not allowed; allowed: front, side"),
        ({"device": "tpu"}, "device: 'tpu' is not allowed; allowed: auto, cpu, gpu"),
        ({"preset": "best"}, "preset: 'best' is not allowed; allowed: quick, client"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ShowcaseError, match=re.escape(message)):
            make_showcase(result, tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())  # nothing written for a mistake


def test_gpu_is_used_when_present_and_preferences_are_restored():
    prefs = bpy.context.preferences.addons["cycles"].preferences
    before = prefs.compute_device_type
    with render.compute_device("cpu") as gpu:
        assert gpu is False
    try:
        with render.compute_device("gpu") as gpu:
            assert gpu is True
    except ShowcaseError as exc:  # a machine without one: said plainly
        assert "no GPU was found" in str(exc)
    assert prefs.compute_device_type == before


def test_a_design_without_a_full_report_is_measured_again(solitaire, tmp_path):
    """An older design's report (no gems, no circumference) is not patched: the showcase has
    the one report function measure the mesh, and prints what a build would."""
    import dataclasses

    result, _written, _out = solitaire
    old = {"checks": result.report["checks"], "passed": True, "weight_g": 99.0}
    written = make_showcase(
        dataclasses.replace(result, report=old), tmp_path, views=["front"], size=32, samples=1
    )
    data = json.loads(Path(written["spec_json"]).read_text(encoding="utf-8"))
    assert data["metal"]["weight_g"] == result.report["weight_g"] != 99.0
    assert data["size"]["inner_circumference_mm"] == result.report["inner_circumference_mm"]
    assert [s["carat"] for s in data["stones"]] == [g["carat"] for g in result.report["gems"]]


def test_a_mesh_that_is_not_a_ring_is_a_clear_error(tmp_path):
    result = pipeline.build(DesignSpec.from_dict(SOLITAIRE), name="Moved mesh")
    try:
        result.metal.data.transform(Matrix.Translation((0.0, 0.0, 40.0)))  # off the axis
        with pytest.raises(ShowcaseError, match="no band around the finger axis"):
            make_showcase(result, tmp_path, **FAST)
    finally:
        for obj in [result.metal, *result.stones]:
            bpy.data.objects.remove(obj, do_unlink=True)


def test_showcase_operator(tmp_path):
    import addon_utils

    addon_utils.enable("aura_addon", default_set=True)
    try:
        assert bpy.ops.aura.build_ring() == {"FINISHED"}
        metal = bpy.context.scene.aura.design
        assert bpy.ops.aura.showcase.poll()
        out = tmp_path / "showcase"
        done = bpy.ops.aura.showcase(directory=str(out), preset="client", size=48, samples=1)
        assert done == {"FINISHED"}
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [f"view_{v}.png" for v in VIEW_NAMES]
            + ["contact_sheet.png", "drawing.png", "drawing.svg", "ring.glb"]
            + ["spec_sheet.html", "spec_sheet.json", "viewer"]
        )
        data = json.loads((out / "spec_sheet.json").read_text(encoding="utf-8"))
        assert metal.name.startswith(data["name"])
        assert (data["render"]["preset"], data["render"]["size"]) == ("client", 48)
        assert Image.open(out / "view_front.png").size == (48, 48)
        for obj in [metal] + list(metal.children):
            bpy.data.objects.remove(obj, do_unlink=True)
        with pytest.raises(RuntimeError, match="poll"):
            bpy.ops.aura.showcase(directory=str(out))
    finally:
        addon_utils.disable("aura_addon", default_set=True)
