"""Who may talk to the server: web pages (cross-site requests, DNS rebinding), the token,
and what a server bound off loopback shows. Against REAL server processes."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

from tests.server_process import REPO_ROOT, ServerProcess

TOKEN = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("guard") / "data") as running:
        yield running


def call(method: str, url: str, **kwargs) -> httpx.Response:
    return httpx.request(method, url, timeout=60, **kwargs)  # a first /v1/status imports torch


def job_count(server: ServerProcess) -> int:
    return server.get("/v1/jobs", params={"limit": 500}).json()["count"]


def assert_refused(response: httpx.Response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    for word in words:
        assert word in error["message"], error["message"]


def test_a_web_pages_text_plain_post_queues_nothing(server):
    # what any page can send without a CORS preflight: <form enctype="text/plain"> or fetch()
    before = job_count(server)
    response = call(
        "POST",
        f"{server.base_url}/v1/jobs",
        content=b'{"prompt": "a heart"}',
        headers={"Content-Type": "text/plain"},
    )
    assert_refused(response, 415, "unsupported_media_type", "application/json", "text/plain")
    form = call("POST", f"{server.base_url}/v1/plan", data={"text": "a ring"})
    assert_refused(form, 415, "unsupported_media_type", "application/x-www-form-urlencoded")
    assert job_count(server) == before


def test_foreign_origins_are_refused_and_the_servers_own_pages_are_not(server):
    before = job_count(server)
    evil = {"Origin": "http://evil.example"}
    for method, path, body in [
        ("POST", "/v1/jobs", {"prompt": "a heart"}),
        ("GET", "/v1/jobs", None),
        ("POST", "/v1/plan", {"text": "a gold ring"}),
    ]:
        response = call(method, f"{server.base_url}{path}", json=body, headers=evil)
        assert_refused(response, 403, "forbidden_origin", "evil.example")
    null_origin = call("GET", f"{server.base_url}/v1/status", headers={"Origin": "null"})
    assert_refused(null_origin, 403, "forbidden_origin")
    assert job_count(server) == before
    own = {"Origin": server.base_url}  # e.g. the /docs page's "Try it out"
    response = call("POST", f"{server.base_url}/v1/jobs", json={"prompt": "a star"}, headers=own)
    assert response.status_code == 202, response.text


def test_dns_rebinding_host_names_are_refused_on_loopback(server):
    for host in ["attacker.example", f"attacker.example:{server.port}", "192.168.1.10"]:
        for path in ["/v1/health", "/v1/status", "/v1/jobs"]:
            response = call("GET", f"{server.base_url}{path}", headers={"Host": host})
            assert_refused(response, 403, "forbidden_host", host.split(":")[0], "rebinding")
    for host in [f"localhost:{server.port}", "127.0.0.1", f"[::1]:{server.port}", "localhost."]:
        response = call("GET", f"{server.base_url}/v1/status", headers={"Host": host})
        assert response.status_code == 200, (host, response.text)


def test_a_loopback_server_shows_its_docs_and_data_dir(server):
    assert server.get("/docs").status_code == 200
    assert server.get("/openapi.json").status_code == 200
    assert server.get("/v1/status").json()["data_dir"] == str(server.data_dir.resolve())


def test_bound_off_loopback_docs_and_data_dir_are_not_shown(tmp_path):
    # bound to every address (so reachable on 127.0.0.1 too); the token is required there
    args = ["--host", "0.0.0.0"]
    with ServerProcess(tmp_path / "data", args, token=TOKEN) as server:
        for path in ["/docs", "/redoc", "/openapi.json"]:
            assert server.get(path).status_code == 404, path
        status = server.get("/v1/status").json()
        assert "data_dir" not in status and status["backends"]["procedural"]["available"]
        # any Host name: a public server is reached by names the guard cannot know
        named = server.get("/v1/status", headers={"Host": "aura.workshop.lan:8765"})
        assert named.status_code == 200, named.text
        assert call("GET", f"{server.base_url}/v1/status").status_code == 401


def serve(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`serve` on a port something else holds: it must refuse before it gets to binding."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        return subprocess.run(
            [sys.executable, "-m", "ai_server", "serve", "--port", port, *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )


def test_empty_and_short_tokens_are_refused(tmp_path):
    import os

    short_file = tmp_path / "short"
    short_file.write_text("abc\n")
    empty_file = tmp_path / "empty"
    empty_file.write_text("  \n")
    base = {k: v for k, v in os.environ.items() if k != "AURA_SERVER_TOKEN"}
    for args, env in [
        (["--token", ""], base),
        (["--token", "hunter2"], base),
        (["--token-file", str(short_file)], base),
        (["--token-file", str(empty_file)], base),
        ([], {**base, "AURA_SERVER_TOKEN": "letmein"}),
        (["--host", "0.0.0.0"], {**base, "AURA_SERVER_TOKEN": "0123456789"}),
    ]:
        result = serve(*args, "--data-dir", str(tmp_path / "data"), env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert "at least 16" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    missing = serve("--token-file", str(tmp_path / "nope"), env=base)
    assert missing.returncode == 2 and "cannot read the token file" in missing.stderr


def test_the_token_from_a_file_or_the_environment(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with ServerProcess(tmp_path / "a", ["--token-file", str(token_file)]) as server:
        url = f"{server.base_url}/v1/status"
        assert call("GET", url).status_code == 401
        assert call("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with ServerProcess(tmp_path / "b", env={"AURA_SERVER_TOKEN": TOKEN}) as server:
        url = f"{server.base_url}/v1/status"
        assert call("GET", url).status_code == 401
        assert call("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with ServerProcess(tmp_path / "c", ["--token", TOKEN]) as server:  # works, with a warning
        assert "visible to other users" in server.log_tail()
