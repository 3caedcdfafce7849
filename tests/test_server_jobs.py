"""Jobs that must never stay running: kill -9 and restart, timeouts; plus the token and the CLI."""

from __future__ import annotations

import subprocess
import sys

import httpx

from tests.server_process import REPO_ROOT, ServerProcess

TOKEN = "correct-horse-battery-staple"
SLOW = {"prompt": "a pebble", "params": {"resolution": 200}}  # about a second of real work


def test_kill_9_with_jobs_running_and_queued_then_restart(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        slow = server.submit(**SLOW)
        queued = [server.submit(prompt=f"a heart {i}") for i in range(3)]
        server.wait_job(slow, statuses={"running"})
        assert {server.get(f"/v1/jobs/{i}").json()["status"] for i in queued} == {"queued"}
        server.kill()

        server.start()  # same data dir
        jobs = {i: server.wait_job(i, timeout_s=120) for i in [slow, *queued]}
        assert {job["status"] for job in jobs.values()} == {"succeeded"}, jobs
        assert jobs[slow]["attempts"] == 2  # interrupted once, re-run once
        assert all(jobs[i]["attempts"] == 1 for i in queued)
        assert server.get("/v1/jobs", params={"status": "running"}).json()["count"] == 0
    finally:
        server.stop()


def test_job_interrupted_twice_fails_with_the_reason(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        slow = server.submit(**SLOW)
        for _attempt in range(2):
            server.wait_job(slow, statuses={"running"})
            server.kill()
            server.start()
        job = server.wait_job(slow)
        assert job["status"] == "failed"
        assert (
            "server stopped while this job was running" in job["error"]
            and "not retried" in job["error"]
        )
        after = server.wait_job(server.submit(prompt="a star"))  # and the server still works
        assert after["status"] == "succeeded"
    finally:
        server.stop()


def test_clean_shutdown_requeues_without_counting_an_attempt(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        slow = server.submit(**SLOW)
        server.wait_job(slow, statuses={"running"})
        server.stop()  # SIGTERM: uvicorn shuts down, then re-raises the signal (status -15)
        assert "Application shutdown complete" in server.log_tail()
        server.start()
        job = server.wait_job(slow, timeout_s=120)
        assert job["status"] == "succeeded" and job["attempts"] == 1
    finally:
        server.stop()


def test_timeout_fails_the_job_and_the_server_keeps_serving(tmp_path):
    with ServerProcess(tmp_path / "data", ["--job-timeout", "0.5"]) as server:
        slow = server.wait_job(server.submit(**SLOW), timeout_s=60)
        assert slow["status"] == "failed"
        assert slow["error"] == "timed out after 0.5 s"
        assert slow["timings"]["run_s"] < 5
        quick = server.wait_job(server.submit(prompt="a leaf"))
        assert quick["status"] == "succeeded"


def test_token_is_required_on_every_route_but_health(tmp_path):
    with ServerProcess(tmp_path / "data", token=TOKEN) as server:
        url = server.base_url
        assert httpx.get(f"{url}/v1/health").status_code == 200
        for method, path in [
            ("GET", "/v1/status"),
            ("GET", "/v1/jobs"),
            ("POST", "/v1/jobs"),
            ("GET", "/docs"),
        ]:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                response = httpx.request(
                    method, f"{url}{path}", headers=headers, json={"prompt": "a heart"}
                )
                assert response.status_code == 401, (method, path, headers)
                assert response.json()["error"]["code"] == "unauthorized"
                assert "Bearer" in response.json()["error"]["message"]
        job = server.wait_job(server.submit(prompt="a heart"))  # server.client sends the token
        assert job["status"] == "succeeded"
        assert server.get(job["result"]["mesh_url"]).status_code == 200


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ai_server", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_a_public_address_without_a_token():
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert result.returncode == 2
    assert "without a token" in result.stderr and "--token" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_command_lines_exit_2(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("not a folder")
    for args in (
        ["serve", "--model", "no-equals-sign"],
        ["serve", "--preload", "dall-e"],
        ["serve", "--job-timeout", "0"],
        ["serve", "--port", "70000"],
        ["serve", "--data-dir", str(a_file / "data")],
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_out_of_memory_is_recognised_and_explained():
    import torch

    from ai_server import device
    from ai_server.jobs import Job
    from ai_server.worker import describe_crash

    oom = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    assert device.is_out_of_memory(oom) and not device.is_out_of_memory(ValueError("bad"))
    job = Job(
        "0" * 32,
        "mesh",
        "shap-e",
        "a",
        0,
        12.0,
        {},
        None,
        "running",
        0,
        "",
        None,
        None,
        1,
        0.0,
        0.0,
        None,
    )
    message = describe_crash(job, oom)
    assert "out of GPU memory" in message and "keeps serving" in message and "2.00 GiB" in message
