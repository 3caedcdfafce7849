"""aura_addon.studio.client against a REAL ai_server process on loopback (no mocks)."""

from __future__ import annotations

import threading
import time

import pytest
import trimesh

from aura_addon.studio.client import (
    AuraClient,
    JobFailed,
    LocalServer,
    ServerError,
    ServerStartError,
    ServerUnreachable,
    WaitCancelled,
    WaitTimeout,
    concept_ref,
    default_server_python,
    free_port,
)
from aura_addon.studio.urls import is_loopback_host, is_loopback_url
from tests.server_process import ServerProcess

SLOW = {"resolution": 320}  # a procedural job that takes seconds: time to cancel it


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(data_dir=tmp_path_factory.mktemp("client") / "data") as srv:
        yield srv


@pytest.fixture
def client(server):
    with AuraClient(server.base_url) as c:
        yield c


def test_health_and_status(client):
    assert client.health()["status"] == "ok"
    status = client.status()
    assert status["backends"]["procedural"]["available"] is True


def test_motif_job_end_to_end(client, tmp_path):
    seen = []
    job = client.create_job("a heart", backend="procedural", seed=3, size_mm=10.0)
    done = client.wait(job["id"], on_progress=seen.append, timeout_s=60)
    assert done["status"] == "succeeded" and seen and seen[-1]["status"] == "succeeded"
    path = client.download_mesh(job["id"], tmp_path / "sub" / "motif.obj")
    mesh = trimesh.load(path, force="mesh")
    assert mesh.is_watertight
    assert max(mesh.extents) == pytest.approx(10.0, abs=0.05)
    assert not list(tmp_path.glob("sub/*.part"))
    assert any(j["id"] == job["id"] for j in client.jobs())


def test_plan_refine_variations(client):
    planned = client.plan("1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif")
    spec = planned["spec"]
    assert spec["size"]["system"] == "UK" and spec["gem"]["stone"] == "sapphire"
    assert planned["provider"] == "rules"
    refined = client.refine(spec, "switch to platinum")["spec"]
    assert refined["metal"].startswith("platinum")
    variations = client.variations(spec, n=3, seed=1)
    assert len(variations) == 3


def test_server_errors_carry_status_and_message(client, tmp_path):
    with pytest.raises(ServerError) as bad_backend:
        client.create_job("a star", backend="no-such-backend")
    assert bad_backend.value.status == 422 and "no-such-backend" in bad_backend.value.message
    with pytest.raises(ServerError) as missing:
        client.job("0" * 32)
    assert missing.value.status == 404 and missing.value.code == "not_found"
    with pytest.raises(ServerError) as no_concepts:
        client.concepts("a rose", n=2, seed=0, backend="procedural")
    assert no_concepts.value.status == 422 and "procedural" in no_concepts.value.message
    with pytest.raises(ServerError) as too_many:
        client.concepts("a rose", n=50)
    assert too_many.value.status == 422 and "n" in too_many.value.message
    job = client.create_job("a moon")
    client.wait(job["id"])
    with pytest.raises(ServerError) as not_concepts:
        client.download_concept(job["id"], 0, tmp_path / "c.png")
    assert not_concepts.value.status == 404
    assert not (tmp_path / "c.png").exists()
    with pytest.raises(ServerError) as bad_ref:
        client.create_job(backend="image-to-3d", concept=concept_ref("f" * 32, 0))
    assert bad_ref.value.status == 404 and "f" * 32 in bad_ref.value.message


def test_failed_job_raises_with_the_servers_reason(client):
    # No weights in the test server's empty HF cache: the job fails at once, saying which model.
    job = client.create_job("a dragon", backend="shap-e")
    with pytest.raises(JobFailed) as failed:
        client.wait(job["id"], timeout_s=60)
    assert failed.value.status == "failed" and "shap-e" in failed.value.error


def test_wait_timeout_cancels_the_job(client, server):
    job = client.create_job("a dragon", params=SLOW)
    t0 = time.monotonic()
    with pytest.raises(WaitTimeout):
        client.wait(job["id"], timeout_s=0.3, poll_s=0.1)
    assert time.monotonic() - t0 < 5
    assert server.wait_job(job["id"], timeout_s=30)["status"] == "cancelled"


def test_wait_is_cancellable_from_another_thread(client, server):
    job = client.create_job("a dragon", seed=1, params=SLOW)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    with pytest.raises(WaitCancelled):
        client.wait(job["id"], poll_s=0.1, cancel_event=stop)
    assert server.wait_job(job["id"], timeout_s=30)["status"] == "cancelled"


def test_unreachable_server_names_url_and_reason():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServerUnreachable) as gone:
        AuraClient(url, timeout=2).health()
    assert url in str(gone.value) and "refused" in str(gone.value)


def test_bad_url_is_refused():
    with pytest.raises(ValueError, match="not an http"):
        AuraClient("ftp://example")


def test_token_server(tmp_path):
    """The start helper with a configured command: a server that demands a token."""
    token = "s3cret-s3cret-s3cret"  # the server refuses tokens under 16 characters
    (tmp_path / "token").write_text(token)
    command = [default_server_python(), "-m", "ai_server", "serve"]
    command += ["--token-file", str(tmp_path / "token")]
    with LocalServer(data_dir=tmp_path / "data", command=command) as local:
        assert AuraClient(local.url).health()["status"] == "ok"  # health is open
        with pytest.raises(ServerError) as refused:
            AuraClient(local.url).jobs()
        assert refused.value.status == 401
        assert AuraClient(local.url, token=token).jobs() == []
        process = local.process
    assert process.poll() is not None  # stopped with the context
    with pytest.raises(ServerUnreachable):
        AuraClient(local.url, timeout=2).health()


def test_local_server_that_cannot_start_says_why(tmp_path):
    broken = LocalServer(
        data_dir=tmp_path, command=[default_server_python(), "-m", "no_such_module"]
    )
    with pytest.raises(ServerStartError, match="exited with code 1.*no_such_module"):
        broken.start(timeout_s=30)
    missing = LocalServer(data_dir=tmp_path, command="/nonexistent/python -m ai_server serve")
    with pytest.raises(ServerStartError, match="could not run"):
        missing.start()


def test_the_one_loopback_test():
    """Shared by the add-on and the server's CLI (aura_addon.studio.urls)."""
    for host in ("localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST"):
        assert is_loopback_host(host), host
    for host in ("", "0.0.0.0", "192.168.1.5", "example.com", "::", "localhost.example.com"):
        assert not is_loopback_host(host), host
    assert is_loopback_url("http://127.0.0.1:8765") and is_loopback_url("http://[::1]:80/v1")
    assert not is_loopback_url("https://aura.example.com") and not is_loopback_url("not a url")
