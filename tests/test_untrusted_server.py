"""The add-on and the batch script facing a server that cannot be trusted: a REAL HTTP server
on loopback (tests/fake_server.py) answering job ids that are paths, and motif files that are
malformed or too large. Nothing may be written outside the add-on's or the script's folder,
and every failure is a clear message, never a traceback."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import bpy
import pytest

from aura_addon.geometry import motif
from aura_addon.studio import client as aura_client
from tests.fake_server import CUBE_OBJ, FakeServer

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "aura_batch.py"
ADDON = "aura_addon"
HOSTILE_IDS = ["../../pwn/rel", "../../../../pwn", "/ABS/pwn/rel", "x/../../y", "a" * 65, ""]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# The client: ids checked before any path is built ---------------------------------------------
@pytest.mark.parametrize("job_id", HOSTILE_IDS)
def test_client_refuses_a_job_id_that_is_a_path(tmp_path, job_id):
    job_id = job_id.replace("/ABS", str(tmp_path / "abs"))
    with FakeServer(job_id=job_id) as fake, aura_client.AuraClient(fake.url) as client:
        with pytest.raises(aura_client.ServerError, match="job id that is not allowed") as err:
            client.create_job("a star")
        assert err.value.code == "bad_response"
        with pytest.raises(aura_client.ServerError, match="job id"):
            client.concepts("a star")
        with pytest.raises(aura_client.ServerError, match="job id"):
            client.download_mesh(job_id, tmp_path / "motifs" / f"motif_{job_id}.obj")
        assert fake.requests == ["POST /v1/jobs", "POST /v1/concepts"]  # nothing fetched
    assert files_under(tmp_path) == []


def test_client_takes_the_servers_own_ids(tmp_path):
    with FakeServer(job_id="3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7") as fake:
        with aura_client.AuraClient(fake.url) as client:
            job = client.create_job("a star")
            client.wait(job["id"], poll_s=0.01)
            path = client.download_mesh(job["id"], tmp_path / "m.obj")
    assert path.read_text() == CUBE_OBJ


# The add-on's operators -------------------------------------------------------------------
@pytest.fixture(scope="module")
def addon():
    import addon_utils

    module = addon_utils.enable(ADDON, default_set=True)
    assert module is not None
    yield module
    addon_utils.disable(ADDON, default_set=True)


@pytest.fixture
def downloads(tmp_path, monkeypatch):
    """The add-on's download folders (outside an installed extension: the temp dir) in tmp_path."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def pointed_at(addon):
    prefs = bpy.context.preferences.addons[ADDON].preferences
    settings = bpy.context.scene.aura

    def point(fake: FakeServer):
        prefs.server_url, prefs.poll_interval = fake.url, 0.05
        settings.has_motif, settings.motif_prompt = True, "a star"
        settings.build_after_generate = False
        return settings

    yield point
    for name in ("server_url", "poll_interval"):
        prefs.property_unset(name)
    for name in ("has_motif", "motif_prompt", "build_after_generate", "motif_backend"):
        settings.property_unset(name)
    settings.concepts.clear()


@pytest.mark.parametrize("job_id", ["../../pwn/rel", "../../../pwn/rel", "/ABS/pwn/rel"])
@pytest.mark.parametrize("operator", ["generate", "concepts"])
def test_addon_writes_nothing_outside_its_folder(pointed_at, downloads, tmp_path, job_id, operator):
    job_id = job_id.replace("/ABS", str(tmp_path / "abs"))
    with FakeServer(job_id=job_id) as fake:
        settings = pointed_at(fake)
        if operator == "concepts":
            settings.motif_backend = "image-to-3d"
        with pytest.raises(RuntimeError, match="job id that is not allowed"):
            getattr(bpy.ops.aura, operator)()
    assert settings.status_level == "ERROR"
    assert files_under(tmp_path) == []
    assert not (tmp_path / "abs").exists()


# Token in clear ------------------------------------------------------------------------------
def test_token_over_plain_http_to_another_host_warns_once(caplog):
    caplog.set_level(logging.WARNING, logger="aura")
    token = "t" * 32
    for _ in range(3):
        aura_client.AuraClient("http://192.0.2.17:8765", token=token).close()
    warned = [r.getMessage() for r in caplog.records if r.name == "aura"]
    assert len(warned) == 1
    assert "192.0.2.17" in warned[0] and "unencrypted" in warned[0] and "https" in warned[0]
    caplog.clear()
    for url, tok in [("https://192.0.2.18", token), ("http://127.0.0.1:8765", token),
                     ("http://localhost:1", token), ("http://192.0.2.19", None)]:  # fmt: skip
        aura_client.AuraClient(url, token=tok).close()
    assert [r for r in caplog.records if r.name == "aura"] == []


# The batch script ------------------------------------------------------------------------------
def batch(tmp_path: Path, fake_url: str, *args) -> subprocess.CompletedProcess:
    """aura_batch.py against the fake server, with its temp dir (the motif work folder) inside
    tmp_path/tmp, so a file it writes there is seen."""
    spec = tmp_path / "rose.json"
    spec.write_text(json.dumps({"gem": None, "motif": {"prompt": "a rose"}}), encoding="utf-8")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURA_SERVER")}
    env.update(TMPDIR=str(tmp_path / "tmp"), HF_HUB_OFFLINE="1")
    cmd = [sys.executable, str(SCRIPT), "--spec", str(spec), "--server", fake_url,
           "--no-autostart", *map(str, args)]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("job_id", ["../../pwn/rel", "/../../../../pwn", "/ABS/pwn/rel"])
def test_batch_refuses_a_job_id_that_is_a_path(tmp_path, job_id):
    job_id = job_id.replace("/ABS", str(tmp_path / "abs"))
    with FakeServer(job_id=job_id) as fake:
        done = batch(tmp_path, fake.url, "--out", tmp_path / "out" / "ring.stl")
    assert done.returncode == 3, done.stderr
    assert "job id that is not allowed" in done.stderr and "Traceback" not in done.stderr
    assert files_under(tmp_path / "tmp") == [] and not (tmp_path / "abs").exists()
    assert not (tmp_path / "out" / "ring.stl").exists()


def test_batch_malformed_motif_is_a_motif_error_naming_the_line(tmp_path):
    obj = CUBE_OBJ.replace("v 0 0 1", "v 1 0 x")
    with FakeServer(obj_text=obj) as fake:
        done = batch(tmp_path, fake.url, "--out", tmp_path / "ring.stl")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "motif" in done.stderr and "line 2: 'v 1 0 x'" in done.stderr
    assert not (tmp_path / "ring.stl").exists()


# The motif file's bounds (read in this process with the add-on's own reader) -------------------
@pytest.mark.parametrize(
    "text, words",
    [
        ("v 0 0 0\nv 1 0 x\n", "line 2: 'v 1 0 x'"),
        ("v 0 0\n", "line 1"),
        ("v 0 0 nan\n", "line 1"),
        (CUBE_OBJ + "\nf 1 2 99\n", "line 15: 'f 1 2 99'"),
        (CUBE_OBJ + "\nf 1 2\n", "line 15"),
        (CUBE_OBJ + "\nf 1 2 three\n", "line 15"),
        (CUBE_OBJ + "\nf " + " ".join(["1"] * (motif.MAX_FACE_CORNERS + 1)) + "\n", "line 15"),
        ("# nothing\n", "holds no mesh"),
    ],
)
def test_malformed_obj_names_the_line(tmp_path, text, words):
    path = tmp_path / "m.obj"
    path.write_text(text)
    with pytest.raises(motif.MotifError, match="m.obj") as err:
        motif.read_obj(path)
    assert words in str(err.value)


def test_obj_faces_are_bounded(tmp_path):
    path = tmp_path / "many.obj"
    with open(path, "w") as fh:
        fh.write("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n")
        fh.write("f 1 2 3\n" * (motif.MAX_OBJ_FACES + 1))
    with pytest.raises(motif.MotifError, match="more than 1,000,000 faces"):
        motif.read_obj(path)


def test_obj_bytes_are_bounded(tmp_path):
    path = tmp_path / "huge.obj"
    with open(path, "wb") as fh:
        fh.truncate(motif.MAX_OBJ_BYTES + 1)  # sparse: no disk used
    with pytest.raises(motif.MotifError, match="larger than 100 MB"):
        motif.read_obj(path)


def test_a_good_obj_reads_as_before(tmp_path):
    path = tmp_path / "cube.obj"
    path.write_text(CUBE_OBJ + "\nvn 0 0 1\nf -8 -7 -6\n")
    data = motif.read_obj(path)
    assert data.verts.shape == (8, 3) and len(data.faces) == 7
    assert data.faces[0] == (0, 2, 3, 1) and data.faces[-1] == (0, 1, 2)
