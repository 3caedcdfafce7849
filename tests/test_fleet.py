"""Fleet mode on real parts: Redis (Debian's redis-server), the API server and two Celery
workers as real processes on loopback. Jobs must never be lost or run twice, whatever dies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests import stl_tools
from tests.fleet_processes import BuildWorker, FleetWorker, RedisProcess
from tests.server_process import REPO_ROOT, ServerProcess

BATCH = REPO_ROOT / "scripts" / "aura_batch.py"

SLOW = {"prompt": "a pebble", "params": {"resolution": 320}}  # a few seconds of real work


@pytest.fixture
def redis_server(tmp_path):
    with RedisProcess(tmp_path / "redis") as running:
        yield running


@pytest.fixture
def fleet_server(redis_server, tmp_path):
    with ServerProcess(tmp_path / "data", ["--broker", redis_server.url]) as running:
        yield running


def _workers(redis_server, tmp_path, *names):
    return [FleetWorker(redis_server.url, name, log_dir=tmp_path) for name in names]


def _jobs_done(redis_server) -> dict[str, int]:
    client = redis_server.client()
    return {
        json.loads(raw)["name"]: json.loads(raw)["jobs_done"]
        for raw in client.mget(list(client.scan_iter("aura:worker:*")))
        if raw
    }


def test_hundred_jobs_across_two_workers_none_lost_none_twice(redis_server, fleet_server, tmp_path):
    a, b = _workers(redis_server, tmp_path, "a", "b")
    with a, b:
        ids = [fleet_server.submit(prompt=f"a star {i}", seed=i) for i in range(100)]
        jobs = [fleet_server.wait_job(i, timeout_s=180) for i in ids]
        assert {job["status"] for job in jobs} == {"succeeded"}, [j["error"] for j in jobs]
        assert all(job["attempts"] == 1 for job in jobs)
        time.sleep(1.5)  # one more heartbeat carries each worker's count
        done = _jobs_done(redis_server)
        assert sum(done.values()) == 100, done  # each job ran exactly once
        assert done["a"] > 0 and done["b"] > 0, done  # both workers took jobs
        mesh = fleet_server.get(f"/v1/jobs/{ids[-1]}/mesh.obj")
        assert mesh.status_code == 200 and mesh.text.count("\nf ") > 100  # files came back
        status = fleet_server.get("/v1/status").json()
        assert [w["name"] for w in status["fleet"]["workers"]] == ["a", "b"]
        assert status["fleet"]["queues"] == {"gpu": 0, "cpu": 0, "build": 0}
        assert status["fleet"]["workers"][0]["backends"]["procedural"]["available"]


def test_a_worker_killed_mid_job_has_its_job_finished_by_the_other(
    redis_server, fleet_server, tmp_path
):
    a, b = _workers(redis_server, tmp_path, "a", "b")
    with a, b:
        slow = fleet_server.submit(**SLOW)
        fleet_server.wait_job(slow, timeout_s=60, statuses={"running"})
        holder = redis_server.client().hget(f"aura:job:{slow}", "worker")
        victim, other = (a, b) if holder == "a" else (b, a)
        victim.kill()
        job = fleet_server.wait_job(slow, timeout_s=120)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 2  # lost once, run again once
        assert redis_server.client().get(f"aura:worker:{victim.name}") is None
        time.sleep(1.5)  # the next heartbeat carries the count
        assert _jobs_done(redis_server) == {other.name: 1}


def test_redis_restarted_during_a_run_loses_nothing(redis_server, fleet_server, tmp_path):
    a, b = _workers(redis_server, tmp_path, "a", "b")
    with a, b:
        ids = [fleet_server.submit(prompt=f"a leaf {i}", seed=i) for i in range(30)]
        fleet_server.wait_job(ids[3], timeout_s=60)
        redis_server.restart(down_s=2.0)
        ids += [fleet_server.submit(prompt=f"a moon {i}", seed=i) for i in range(10)]
        jobs = [fleet_server.wait_job(i, timeout_s=240) for i in ids]
        assert {job["status"] for job in jobs} == {"succeeded"}, [j["error"] for j in jobs]
        assert all(job["attempts"] <= 2 for job in jobs)


def test_api_server_killed_and_restarted_recovers_jobs_without_running_them_twice(
    redis_server, tmp_path
):
    server = ServerProcess(tmp_path / "data", ["--broker", redis_server.url]).start()
    a, b = _workers(redis_server, tmp_path, "a", "b")
    try:
        with a, b:
            slow = server.submit(**SLOW)
            server.wait_job(slow, timeout_s=60, statuses={"running"})
            queued = [server.submit(prompt=f"a crown {i}") for i in range(8)]
            server.kill()
            time.sleep(2.0)  # the workers go on; their events wait in Redis
            server.start()
            jobs = [server.wait_job(i, timeout_s=120) for i in [slow, *queued]]
            assert {job["status"] for job in jobs} == {"succeeded"}, jobs
            assert jobs[0]["attempts"] == 1  # the running job was not started again
            time.sleep(1.5)
            assert sum(_jobs_done(redis_server).values()) == 9
    finally:
        server.stop()


def test_cancel_reaches_queued_and_running_jobs(redis_server, fleet_server, tmp_path):
    (a,) = _workers(redis_server, tmp_path, "a")
    with a:
        running = fleet_server.submit(**SLOW)
        waiting = fleet_server.submit(**SLOW)
        fleet_server.wait_job(running, timeout_s=60, statuses={"running"})
        assert fleet_server.post(f"/v1/jobs/{waiting}/cancel").json()["status"] == "cancelled"
        fleet_server.post(f"/v1/jobs/{running}/cancel")
        job = fleet_server.wait_job(running, timeout_s=60)
        assert job["status"] == "cancelled" and "cancelled" in job["error"]
        after = fleet_server.submit(prompt="a heart")
        assert fleet_server.wait_job(after, timeout_s=60)["status"] == "succeeded"
        assert fleet_server.get(f"/v1/jobs/{waiting}").json()["status"] == "cancelled"


def test_worker_command_names_a_bad_broker_url():
    done = subprocess.run(
        [sys.executable, "-m", "ai_server", "worker", "--broker", "http://localhost:6379"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "not a Redis URL" in done.stderr


def test_batch_across_two_build_workers_matches_the_local_run(redis_server, tmp_path):
    designs = [
        {"name": "solitaire", "spec": {"gem": {"cut": "round", "carat": 1.0}}},
        {"name": "oval-bezel", "spec": {"gem": {"cut": "oval", "carat": 0.7},
                                        "setting": {"type": "bezel"}, "metal": "platinum_950"}},
        {"name": "band", "spec": {"gem": None, "setting": {"type": "none"},
                                  "shank": {"profile": "flat", "width_mm": 4.0}}},
        {"name": "rose", "spec": {"gem": None, "setting": {"type": "none"},
                                  "motif": {"prompt": "a rose", "size_mm": 10}}},
    ]  # fmt: skip
    batch = tmp_path / "four.jsonl"
    batch.write_text("\n".join(json.dumps(d) for d in designs), encoding="utf-8")
    common = ["--batch", batch, "--size-run", "US:5-10:0.5", "--no-autostart"]
    with ServerProcess(tmp_path / "motifs") as server:
        common += ["--server", server.base_url]
        local = _batch(*common, "--out", tmp_path / "local", "--report", tmp_path / "local.json")
        assert local.returncode in (0, 4), local.stderr[-3000:]  # 4: a ring fails a check
        a, b = (BuildWorker(redis_server.url, n, log_dir=tmp_path) for n in ("build-a", "build-b"))
        with a, b:
            fleet = _batch(*common, "--out", tmp_path / "fleet", "--report", tmp_path / "fleet.json",
                           "--broker", redis_server.url)  # fmt: skip
    assert fleet.returncode == local.returncode, fleet.stderr[-3000:]  # the same exit code
    local_stls = sorted((tmp_path / "local").glob("*.stl"))
    assert len(local_stls) == 44
    assert [p.name for p in sorted((tmp_path / "fleet").glob("*.stl"))] == [
        p.name for p in local_stls
    ]
    for path in local_stls:
        here, there = stl_tools.load_stl(path), stl_tools.load_stl(tmp_path / "fleet" / path.name)
        assert there.is_watertight and there.volume == pytest.approx(here.volume, abs=1e-6), (
            path.name
        )
        report = json.loads((tmp_path / "fleet" / path.with_suffix(".json").name).read_text())
        assert report["files"]["stl"] == str(tmp_path / "fleet" / path.name)
    summary = json.loads((tmp_path / "fleet.json").read_text())
    here = json.loads((tmp_path / "local.json").read_text())
    assert summary["exit_code"] == here["exit_code"] and len(summary["items"]) == 44
    assert [i["checks"] for i in summary["items"]] == [i["checks"] for i in here["items"]]
    assert fleet.stdout.count(" g ") >= 44  # the same summary table, one row per ring


def _batch(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("AURA_SERVER_URL", "AURA_SERVER_TOKEN")}
    return subprocess.run(
        [sys.executable, str(BATCH), *map(str, args)],
        capture_output=True, text=True, cwd=REPO_ROOT, env=dict(env, HF_HUB_OFFLINE="1"), timeout=600,
    )  # fmt: skip
