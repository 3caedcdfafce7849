"""Aura's operators in real bpy, against a REAL ai_server process on loopback: the whole
plan -> generate -> build -> check -> export path, the modal generate stepped by hand (the
main thread never waits on the network), cancelling, a dead server, and the design
operators (rebuild in place, checks, failing faces) leaving the user's own objects alone."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import namedtuple

import bpy
import numpy as np
import pytest
import trimesh
from mathutils import Matrix

import aura_addon
from aura_addon.builder import pipeline
from aura_addon.geometry import scene
from aura_addon.jewelry import sizes
from aura_addon.studio import tasks
from aura_addon.studio.client import AuraClient, free_port
from aura_addon.ui import design, server_line
from aura_addon.ui.operators import base, motif
from tests import tiny_models
from tests.server_process import REPO_ROOT, ServerProcess

SLOW = {"resolution": 320}  # a procedural job of ~1.4 s: keeps the server's CPU lane busy
Event = namedtuple("Event", "type value")
TIMER = Event("TIMER", "NOTHING")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(data_dir=tmp_path_factory.mktemp("ops") / "data") as srv:
        yield srv


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory):
    """A server with tiny random-weight diffusers models (text -> image -> 3D)."""
    models = tiny_models.shared_models(tmp_path_factory.getbasetemp())
    root = tmp_path_factory.mktemp("ops-tiny")
    env = dict(tiny_models.TINY_SERVER_ENV, U2NET_HOME=str(root / "u2net"))
    with ServerProcess(root / "data", tiny_models.model_args(models), env=env) as srv:
        yield srv


@pytest.fixture
def prefs():
    p = bpy.context.preferences.addons[aura_addon.__name__].preferences
    yield p
    for name in ("server_url", "token", "server_command", "server_dir", "poll_interval"):
        p.property_unset(name)


@pytest.fixture
def online(prefs, server):
    prefs.server_url = server.base_url
    prefs.poll_interval = 0.1
    return server


@pytest.fixture(autouse=True)
def settings(aura_settings):
    """Fresh panel fields, and every object a test makes removed after it."""
    before = set(bpy.data.objects)
    yield aura_settings
    for obj in set(bpy.data.objects) - before:
        bpy.data.objects.remove(obj, do_unlink=True)
    for mesh in [m for m in bpy.data.meshes if m.users == 0]:
        bpy.data.meshes.remove(mesh)


def _min_radius_xz(mesh: trimesh.Trimesh) -> float:
    """Inner radius of a ring whose finger runs along Y (an independent reading of the STL)."""
    return float(np.min(np.hypot(mesh.vertices[:, 0], mesh.vertices[:, 2])))


def _busy_lane(server, count: int = 2) -> list[str]:
    """Queue slow jobs so a job submitted next waits behind them (the server stays busy)."""
    return [server.submit(prompt="a knot", backend="procedural", params=SLOW) for _ in range(count)]


def _cancel(server, job_ids) -> None:
    for job_id in job_ids:
        server.post(f"/v1/jobs/{job_id}/cancel")


# The whole path ---------------------------------------------------------------------------
def test_plan_generate_build_check_export(online, settings, tmp_path):
    settings.prompt = "1 ct round diamond in four prongs, 18k yellow gold, UK M, with a heart"
    assert bpy.ops.aura.plan() == {"FINISHED"}
    assert settings.size_system == "UK" and settings.size_uk == "M"
    assert settings.has_motif and settings.motif_prompt == "heart"
    assert "size: UK M" in settings.understood and settings.provider

    settings.build_after_generate = False
    stale = base.user_dir("motifs") / "motif_from_last_year.obj"  # retention: old downloads go
    stale.write_text("v 0 0 0\n")
    os.utime(stale, (time.time() - 400 * 86400,) * 2)
    assert bpy.ops.aura.generate() == {"FINISHED"}  # no window: runs the same steps to the end
    assert not stale.exists()
    motif = trimesh.load(settings.motif_path, force="mesh")
    assert motif.is_watertight and max(motif.extents) == pytest.approx(settings.motif_size, abs=0.1)
    assert tasks.active("generate") is None

    assert bpy.ops.aura.build_ring() == {"FINISHED"}
    metal = settings.design
    assert metal.name in scene.aura_collection().objects
    assert json.loads(metal[scene.SPEC_PROP])["motif"]["prompt"] == "heart"
    assert [s.name for s in design.stones_of(metal)] and settings.weight_g > 0

    assert bpy.ops.aura.check_print() == {"FINISHED"}
    names = {c.name for c in settings.checks}
    assert {"manifold", "min_wall", "inner_diameter", "one_shell"} <= names

    stl = tmp_path / "ring.stl"
    assert bpy.ops.aura.export_stl(filepath=str(stl)) == {"FINISHED"}
    ring = trimesh.load(stl, force="mesh")
    assert ring.is_watertight and ring.volume > 0
    inner = sizes.inner_diameter_mm("UK", "M")
    assert 2 * _min_radius_xz(ring) == pytest.approx(inner, abs=0.05)  # millimetres in the file
    stones = trimesh.load(tmp_path / "ring_stones.stl", force="mesh")
    assert stones.is_watertight
    report = json.loads((tmp_path / "ring_report.json").read_text())
    assert report["spec"]["size"]["value"] == "M" and report["weight_g"] == pytest.approx(
        settings.weight_g, rel=1e-3
    )


def test_refine_and_variations(online, settings):
    with pytest.raises(RuntimeError, match="say what to change first"):
        bpy.ops.aura.refine()  # a user mistake: a report (scripts see it as RuntimeError)
    assert settings.status_level == "ERROR"
    settings.instruction = "make it rose gold"
    assert bpy.ops.aura.refine() == {"FINISHED"}
    assert settings.metal == "gold_18k_rose"
    settings.variation_count = 3
    assert bpy.ops.aura.variations() == {"FINISHED"}
    assert len(settings.variations) == 3
    assert len({v.spec_json for v in settings.variations}) == 3
    chosen = json.loads(settings.variations[1].spec_json)
    assert bpy.ops.aura.apply_variation(index=1) == {"FINISHED"}
    assert settings.design_name == chosen["name"]
    assert settings.shank_profile == chosen["shank"]["profile"]
    with pytest.raises(RuntimeError, match="no variation 9"):
        bpy.ops.aura.apply_variation(index=8)


def test_concepts_then_generate_from_the_picked_one(tiny_server, prefs, settings):
    prefs.server_url, prefs.poll_interval = tiny_server.base_url, 0.1
    settings.has_motif, settings.motif_prompt = True, "a crescent moon"
    settings.motif_backend = "image-to-3d"
    settings.motif_params = json.dumps(tiny_models.FAST_PARAMS)
    assert bpy.ops.aura.concepts() == {"FINISHED"}
    assert len(settings.concepts) == motif.CONCEPT_COUNT
    images = [bpy.data.images[c.image_name] for c in settings.concepts]
    try:
        assert all(tuple(image.size) == (32, 32) and image.preview for image in images)
        assert bpy.ops.aura.pick_concept(index=2) == {"FINISHED"}
        settings.build_after_generate = False
        assert bpy.ops.aura.generate() == {"FINISHED"}
        job_id = settings.motif_path.rsplit("motif_", 1)[1].removesuffix(".obj")
        job = tiny_server.get(f"/v1/jobs/{job_id}").json()
        assert job["result"]["info"]["image"] == "the given image"  # the picked concept
        assert trimesh.load(settings.motif_path, force="mesh").is_watertight

        settings.motif_params = "{steps"
        with pytest.raises(RuntimeError, match="Model settings"):
            bpy.ops.aura.generate()
        settings.motif_params = '{"steps": "many"}'
        with pytest.raises(RuntimeError, match="steps"):  # the server's own 422 message
            bpy.ops.aura.generate()
    finally:
        for image in images:
            bpy.data.images.remove(image)


# The modal generate, step by step -------------------------------------------------------------
def test_generate_steps_never_wait_on_the_network(online, settings):
    blockers = _busy_lane(online)
    settings.has_motif, settings.motif_prompt = True, "a star"
    run = motif.GenerateRun()
    try:
        run.start(bpy.context)
        durations, pending_steps = [], 0
        started = time.monotonic()
        while True:
            t0 = time.perf_counter()
            outcome = run.step(bpy.context)
            durations.append(time.perf_counter() - t0)
            if outcome != {"RUNNING_MODAL"}:
                break
            pending_steps += 1
            time.sleep(0.005)
        waited = time.monotonic() - started
    finally:
        _cancel(online, blockers)
    assert outcome == {"FINISHED"}, run.message
    running = durations[:-1]  # the last step builds the ring (main-thread bpy work, by design)
    # the job sat behind the slow ones for a good while; no step ever waited for it
    assert waited > 0.3 and pending_steps > 20
    assert statistics.median(running) < 0.002 and max(running) < 0.05, max(running)
    assert max(running) * 10 < waited
    assert settings.motif_path.endswith(".obj") and settings.design is not None


def test_modal_escape_cancels_the_server_job(online, settings):
    blockers = _busy_lane(online)
    settings.has_motif, settings.motif_prompt = True, "a moon"

    class ModalSelf:  # what Blender hands modal() as self: the running operator's state
        def __init__(self, run):
            self._run, self._timer, self.reports = run, None, []

        def report(self, level, message):
            self.reports.append((level, message))

    run = motif.GenerateRun()
    op = ModalSelf(run)
    try:
        run.start(bpy.context)
        while run.task.snapshot().job_id is None:
            t0 = time.perf_counter()
            assert motif.AURA_OT_generate.modal(op, bpy.context, TIMER) == {"PASS_THROUGH"}
            assert time.perf_counter() - t0 < 0.05
            time.sleep(0.005)
        job_id = run.task.snapshot().job_id
        other = Event("MOUSEMOVE", "NOTHING")
        assert motif.AURA_OT_generate.modal(op, bpy.context, other) == {"PASS_THROUGH"}
        assert motif.AURA_OT_generate.modal(op, bpy.context, Event("ESC", "PRESS")) == {
            "RUNNING_MODAL"
        }
        deadline = time.monotonic() + 10
        while (outcome := motif.AURA_OT_generate.modal(op, bpy.context, TIMER)) == {"PASS_THROUGH"}:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        _cancel(online, blockers)
    assert outcome == {"CANCELLED"}
    assert op.reports and op.reports[-1][0] == {"WARNING"} and job_id in op.reports[-1][1]
    assert online.get(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert settings.status_level == "WARNING" and "cancelled" in settings.status
    assert not settings.motif_path


def test_cancel_button_cancels_the_server_job(online, settings):
    blockers = _busy_lane(online, 1)
    settings.has_motif, settings.motif_prompt = True, "a crown"
    run = motif.GenerateRun()
    try:
        run.start(bpy.context)
        while run.task.snapshot().job_id is None:
            assert run.step(bpy.context) == {"RUNNING_MODAL"}
            time.sleep(0.005)
        job_id = run.task.snapshot().job_id
        assert bpy.ops.aura.cancel_job(kind="generate") == {"FINISHED"}
        outcome = base.run_blocking(run, bpy.context)
    finally:
        _cancel(online, blockers)
    assert outcome == {"CANCELLED"} and run.level == "WARNING"
    assert online.get(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert tasks.active("generate") is None


# A dead server, a forbidden one, and starting one --------------------------------------------
def test_server_down_is_a_clear_report(prefs, settings):
    url = f"http://127.0.0.1:{free_port()}"
    prefs.server_url = url
    settings.prompt = "a gold band"
    with pytest.raises(RuntimeError, match="cannot reach the Aura server"):
        bpy.ops.aura.plan()  # a script sees the report as RuntimeError; the panel shows it
    assert settings.status_level == "ERROR" and url in settings.status
    assert "refused" in settings.status

    settings.has_motif, settings.motif_prompt = True, "a leaf"
    run = motif.GenerateRun()
    run.start(bpy.context)
    outcome = base.run_blocking(run, bpy.context)  # no exception escapes the run
    assert outcome == {"CANCELLED"} and run.level == "ERROR"
    assert url in run.message and "is the server running?" in run.message

    server_line.refresh(bpy.context, wait=True)
    line = server_line.line()
    assert line.connected is False and "refused" in line.text


def test_remote_server_needs_online_access(prefs, settings):
    assert bpy.app.online_access is False  # the bpy module's default
    prefs.server_url = "http://192.0.2.1:8765"  # TEST-NET: never contacted
    settings.prompt = "a gold band"
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="online access is off"):
        bpy.ops.aura.plan()
    assert time.monotonic() - t0 < 1.0  # refused before any connection attempt
    prefs.server_url = "ftp://127.0.0.1"
    with pytest.raises(RuntimeError, match="is not an http"):
        bpy.ops.aura.plan()


def test_start_and_stop_the_local_server(prefs, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    prefs.server_url = f"http://127.0.0.1:{free_port()}"
    prefs.server_dir = str(REPO_ROOT)  # Start Server runs this folder's .venv python
    try:
        assert bpy.ops.aura.start_server() == {"FINISHED"}, settings.status
        line = server_line.line()
        assert line.connected is True and "procedural" in line.backends
        assert line.text.startswith("connected · cpu · ") and "procedural" in line.text
        with AuraClient(prefs.server_url) as client:
            assert client.health()["status"] == "ok"
    finally:
        stopped = bpy.ops.aura.stop_server()
    assert stopped == {"FINISHED"} and server_line.local_server() is None


# Design operators (no server) ----------------------------------------------------------------
def _user_cube():
    mesh = bpy.data.meshes.new("user cube")
    mesh.from_pydata([(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)], [], [])
    obj = bpy.data.objects.new("user cube", mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = (50, 0, 0)
    return obj


def test_rebuild_updates_the_design_in_place(settings):
    cube = _user_cube()
    assert bpy.ops.aura.build_ring() == {"FINISHED"}
    metal = settings.design
    stones = design.stones_of(metal)
    count = len(scene.aura_collection().objects)
    us7 = sizes.inner_diameter_mm("US", 7)
    assert settings.report()["inner_diameter_mm"] == pytest.approx(us7, abs=0.02)

    settings.size_us = 9.0
    settings.metal = "platinum_950"
    assert bpy.ops.aura.rebuild() == {"FINISHED"}
    assert settings.design == metal and design.stones_of(metal) == stones
    assert len(scene.aura_collection().objects) == count
    spec = design.spec_of(metal)
    assert spec.size.value == 9 and spec.metal == "platinum_950"
    report = design.report_of(metal)
    assert report["inner_diameter_mm"] == pytest.approx(sizes.inner_diameter_mm("US", 9), abs=0.02)

    # a second Build Ring makes a second design beside the first, not inside it
    assert bpy.ops.aura.build_ring() == {"FINISHED"}
    second = settings.design
    assert second != metal and second.location.x > metal.location.x + 15

    # the user's own object was never touched
    assert cube.name == "user cube" and tuple(cube.location) == (50, 0, 0)
    assert len(cube.data.vertices) == 8 and scene.SPEC_PROP not in cube


def test_load_design_and_rebuild_need_an_aura_object(settings, reset_settings):
    with pytest.raises(RuntimeError, match="No Aura design here yet"):
        bpy.ops.aura.rebuild()
    settings.size_system, settings.size_jp = "JP", 11
    assert bpy.ops.aura.build_ring() == {"FINISHED"}
    metal = settings.design
    reset_settings(settings)
    bpy.context.view_layer.objects.active = design.stones_of(metal)[0]  # a stone picks its ring
    assert bpy.ops.aura.load_design() == {"FINISHED"}
    assert settings.size_system == "JP" and settings.size_jp == 11 and settings.design == metal


def test_check_print_finds_and_selects_thin_walls(settings):
    cube = _user_cube()
    cube.select_set(True)
    assert bpy.ops.aura.build_ring() == {"FINISHED"}
    metal = settings.design
    before = {c.name: float(c.value) for c in settings.checks if c.value not in ("", "None")}
    assert before["band_width"] == pytest.approx(settings.shank_width, abs=0.01)
    # the jeweler squashes the band to 0.4 mm wide by hand; Check measures the mesh as it is
    metal.data.transform(Matrix.Diagonal((1.0, 0.18, 1.0, 1.0)))
    assert bpy.ops.aura.check_print() == {"FINISHED"}
    failed = {c.name for c in settings.checks if not c.passed}
    assert {"min_wall", "band_width"} <= failed and not settings.checks_passed
    after = {c.name: float(c.value) for c in settings.checks if c.value not in ("", "None")}
    assert after["band_width"] == pytest.approx(0.18 * settings.shank_width, abs=0.01)
    thin = pipeline.recheck(design.result_of(metal)).thin_faces
    assert bpy.ops.aura.select_failing(edit_mode=False) == {"FINISHED"}
    selected = [p.index for p in metal.data.polygons if p.select]
    assert set(thin) <= set(selected) and len(selected) > 0  # and any failing claw's faces
    assert not cube.select_get() and bpy.context.view_layer.objects.active == metal
    # in edit mode (face select) Blender also selects faces whose corners are all selected
    assert bpy.ops.aura.select_failing() == {"FINISHED"}
    assert metal.mode == "EDIT" and cube.mode == "OBJECT"
    bpy.ops.object.mode_set(mode="OBJECT")
    assert set(thin) <= {p.index for p in metal.data.polygons if p.select}


def test_check_measures_a_scaled_ring_and_every_figure_moves_with_it(settings, tmp_path):
    """One report: after a mesh edit, Check gives the figures a build of that mesh would, and
    the spec sheet prints them (nothing stale from the build)."""
    import bmesh

    from aura_addon.showcase import make_showcase

    assert bpy.ops.aura.build_ring() == {"FINISHED"}  # US 7, 1 ct round diamond, 18K yellow
    metal = settings.design
    built = design.report_of(metal)
    # the jeweler scales the metal by 1.1 and splits some faces (the triangle count changes)
    metal.data.transform(Matrix.Scale(1.1, 4))
    bm = bmesh.new()
    bm.from_mesh(metal.data)
    bmesh.ops.subdivide_edges(bm, edges=bm.edges[:200], cuts=1, use_grid_fill=True)
    bm.to_mesh(metal.data)
    bm.free()
    assert bpy.ops.aura.check_print() == {"FINISHED"}
    report = design.report_of(metal)

    stl = tmp_path / "scaled.stl"  # an independent reading of the mesh as it is now
    assert bpy.ops.aura.export_stl(filepath=str(stl), stones=False) == {"FINISHED"}
    ring = trimesh.load(stl, force="mesh")
    diameter = report["inner_diameter_mm"]
    assert diameter == pytest.approx(1.1 * built["inner_diameter_mm"], abs=0.01)
    assert diameter == pytest.approx(2 * _min_radius_xz(ring), abs=0.05)
    assert report["inner_circumference_mm"] == pytest.approx(np.pi * diameter, abs=1e-3)
    assert report["design_inner_diameter_mm"] == built["design_inner_diameter_mm"]
    assert report["triangles"] == len(ring.faces) != built["triangles"]
    assert report["volume_mm3"] == pytest.approx(ring.volume, rel=1e-4)
    assert report["volume_mm3"] == pytest.approx(1.1**3 * built["volume_mm3"], rel=1e-3)
    assert report["weight_g"] == pytest.approx(ring.volume * 15.53 / 1000, rel=1e-3)
    assert settings.weight_g == pytest.approx(report["weight_g"], rel=1e-3)
    us = (np.pi * 2 * _min_radius_xz(ring) - 36.5367) / 2.5535  # the US size this ring is now
    assert abs(report["size"]["nearest"]["US"]["value"] - us) <= 0.125 + 0.01
    assert report["size"]["nearest"]["US"]["value"] >= 9  # was US 7
    failed = {c["name"]: c for c in report["checks"] if not c["passed"]}
    assert failed["inner_diameter"]["value"] == pytest.approx(diameter, abs=1e-3)
    assert report["gems"] == built["gems"] and report["solver"] == built["solver"]

    out = tmp_path / "showcase"
    written = make_showcase(design.result_of(metal), out, views=["front"], size=32, samples=1)
    sheet = json.loads((out / "spec_sheet.json").read_text())
    assert sheet["size"]["inner_diameter_mm"] == diameter
    assert sheet["size"]["inner_circumference_mm"] == report["inner_circumference_mm"]
    assert sheet["metal"]["weight_g"] == report["weight_g"]
    html = (out / "spec_sheet.html").read_text()
    assert f"{diameter:.2f} mm" in html and f"{report['inner_circumference_mm']:.2f} mm" in html
    assert f"{report['weight_g']:.2f} g" in html and written["spec_html"]


def test_user_mistakes_are_reports(settings, tmp_path):
    settings.size_us = 7.1
    with pytest.raises(RuntimeError, match=r"size\.value: 7\.1 is not allowed"):
        bpy.ops.aura.build_ring()
    assert settings.status_level == "ERROR" and "quarter" in settings.status
    with pytest.raises(RuntimeError, match="No Aura design here yet"):
        bpy.ops.aura.export_stl(filepath=str(tmp_path / "x.stl"))
    settings.property_unset("size_us")
    settings.has_motif, settings.motif_prompt = True, "a rose"
    settings.motif_path = str(tmp_path / "gone.obj")
    with pytest.raises(RuntimeError, match="Generate the motif again"):
        bpy.ops.aura.build_ring()


def test_data_changing_operators_are_undoable():
    for cls in [c for c in aura_addon.classes() if issubclass(c, bpy.types.Operator)]:
        changes_data = cls.bl_idname not in {
            "aura.cancel_job", "aura.start_server", "aura.stop_server", "aura.check_server",
            "aura.export_stl", "aura.showcase",
        }  # fmt: skip
        assert ("UNDO" in getattr(cls, "bl_options", set())) == changes_data, cls.bl_idname


def test_setup_units(settings):
    units = bpy.context.scene.unit_settings
    units.system, units.scale_length = "IMPERIAL", 1.0
    assert bpy.ops.aura.setup_units() == {"FINISHED"}
    assert (units.system, units.length_unit) == ("METRIC", "MILLIMETERS")
    assert units.scale_length == pytest.approx(0.001)
