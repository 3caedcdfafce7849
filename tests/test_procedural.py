"""The procedural backend: every motif through a real server, keywords, determinism, cancelling."""

from __future__ import annotations

import io
import itertools
import threading
import time

import numpy as np
import pytest
import trimesh

from ai_server.backends import motifs
from ai_server.backends.base import BackendError, JobCancelled, JobContext, JobTimedOut
from ai_server.backends.procedural import ProceduralBackend
from ai_server.config import ServerConfig
from tests.server_process import ServerProcess

PROMPTS = {  # motif -> a prompt a jeweller might type
    "heart": "a puffy heart",
    "star": "a five point star",
    "flower": "a little daisy flower",
    "rose": "an open rose",
    "leaf": "a vine leaf",
    "moon": "a crescent moon",
    "infinity": "infinity symbol",
    "crown": "a royal crown",
    "knot": "a celtic knot",
    "paw": "my dog's paw print",
    "butterfly": "a butterfly",
    "cross": "a small cross",
    "clover": "a four leaf clover",
    "shamrock": "an irish shamrock",
    "drop": "a teardrop",
    "shell": "a scallop shell",
    "snowflake": "a snowflake",
    "bolt": "a lightning bolt",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("procedural") / "data") as running:
        yield running


def fetch_mesh(server, job_id: str) -> trimesh.Trimesh:
    job = server.wait_job(job_id)
    assert job["status"] == "succeeded", job
    response = server.get(job["result"]["mesh_url"])
    assert response.status_code == 200
    return trimesh.load(io.BytesIO(response.content), file_type="obj", force="mesh"), job


def test_every_motif_is_a_watertight_solid_of_the_asked_size(server):
    assert set(PROMPTS) == set(motifs.MOTIFS)
    ids = {name: server.submit(prompt=prompt, size_mm=15.0) for name, prompt in PROMPTS.items()}
    shapes = {}
    for name, job_id in ids.items():
        mesh, job = fetch_mesh(server, job_id)
        assert job["result"]["info"]["motif"] == name
        assert mesh.is_watertight and mesh.is_winding_consistent, name
        assert mesh.body_count == 1 and mesh.volume > 0, name
        assert max(mesh.extents) == pytest.approx(15.0, rel=0.01), name
        # a motif lies flat: thickness (Z) is the smallest extent, its front faces +Z
        assert mesh.extents[2] <= min(mesh.extents[:2]) + 1e-6, name
        shapes[name] = mesh
    # distinct shapes: volume and proportions differ between every pair
    for a, b in itertools.combinations(shapes, 2):
        va, vb = shapes[a].volume, shapes[b].volume
        ea, eb = np.sort(shapes[a].extents), np.sort(shapes[b].extents)
        assert abs(va - vb) > 0.01 * max(va, vb) or np.abs(ea - eb).max() > 0.1, (a, b)


def test_other_prompts_get_a_seeded_organic_shape(server):
    mesh, job = fetch_mesh(server, server.submit(prompt="a sleeping dragon", size_mm=10.0))
    assert job["result"]["info"]["motif"] == "organic"
    assert mesh.is_watertight and mesh.body_count == 1
    assert max(mesh.extents) == pytest.approx(10.0, rel=0.01)


def test_same_prompt_and_seed_give_the_same_mesh(server):
    def obj(prompt: str, seed: int) -> bytes:
        job = server.wait_job(server.submit(prompt=prompt, seed=seed))
        return server.get(job["result"]["mesh_url"]).content

    for prompt in ("a rose", "a sleeping dragon"):
        first = obj(prompt, 7)
        assert obj(prompt, 7) == first
        assert obj(prompt, 8) != first
    assert obj("a sleeping dragon", 1) != obj("a waking dragon", 1)


@pytest.mark.parametrize(
    ("prompt", "motif"),
    [
        ("Heart", "heart"),
        ("rose gold heart pendant", "heart"),  # "rose gold" is a metal
        ("a rose with leaves", "rose"),
        ("flower with a rose in the middle", "rose"),  # the specific motif wins
        ("four-leaf clover", "clover"),
        ("vine motif", "leaf"),
        ("eternity knot", "infinity"),
        ("CELTIC trefoil", "knot"),
        ("kitten", "paw"),
        ("a dragon", None),
        ("", None),
        (None, None),
    ],
)
def test_keywords(prompt, motif):
    assert motifs.pick_motif(prompt) == motif


def context(tmp_path, **overrides) -> JobContext:
    values = dict(
        job_id="0" * 32,
        prompt="a pebble",
        seed=0,
        size_mm=12.0,
        params={"resolution": 200},
        image_path=None,
        work_dir=tmp_path,
    )
    values.update(overrides)
    return JobContext(**values)


def test_resolution_is_checked(tmp_path):
    backend = ProceduralBackend(ServerConfig(data_dir=tmp_path))
    for bad in (8, 1000, 64.5, "64", True):
        with pytest.raises(BackendError, match="params.resolution"):
            backend.check_params({"resolution": bad})
    backend.check_params({"resolution": 100})


def test_generation_reports_progress_and_stops_when_cancelled(tmp_path):
    backend = ProceduralBackend(ServerConfig(data_dir=tmp_path))
    cancel = threading.Event()
    seen = []

    def on_progress(fraction, stage):
        seen.append((fraction, stage))
        if stage == "sampling field":
            cancel.set()  # cancel as soon as the sampling has begun

    ctx = context(tmp_path, cancel_event=cancel, on_progress=on_progress)
    with pytest.raises(JobCancelled):
        backend.generate(ctx)
    assert seen[0] == (0.05, "shaping") and seen[-1][1] == "sampling field"
    assert seen[-1][0] < 0.95  # stopped part way through


def test_generation_stops_at_the_deadline(tmp_path):
    backend = ProceduralBackend(ServerConfig(data_dir=tmp_path))
    ctx = context(tmp_path, deadline=time.monotonic() - 1, timeout_s=3.0)
    with pytest.raises(JobTimedOut, match="timed out after 3 s"):
        backend.generate(ctx)
