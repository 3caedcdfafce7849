"""Jobs that can't get stuck and disk that doesn't fill: a failed database write, dead and
stuck lanes, clean stops, retention, the queue cap. Against REAL server processes (and the
real JobManager on a real SQLite file where a thread has to be caught at one moment)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid

import pytest

from ai_server import worker
from ai_server.backends import BackendRegistry
from ai_server.config import ServerConfig
from ai_server.jobs import JobStore
from ai_server.retention import folder_bytes
from tests.server_process import ServerProcess

SLOW = {"prompt": "a pebble", "params": {"resolution": 320}}  # seconds of real sampling work
DAY = 86400.0


def test_a_failed_database_write_fails_the_job_and_the_lane_keeps_working(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    server.stop()
    # a real SQLite refusal, as a full disk gives it: a trigger aborts the write of one result
    with sqlite3.connect(server.data_dir / "jobs.sqlite3") as db:
        db.execute(
            "CREATE TRIGGER disk_full BEFORE UPDATE OF status ON jobs"
            " WHEN NEW.status = 'succeeded' AND NEW.prompt LIKE '%unlucky%'"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    server.start()
    try:
        unlucky = server.submit(prompt="an unlucky heart")
        after = server.submit(prompt="a star")
        job = server.wait_job(unlucky, timeout_s=60)
        assert job["status"] == "failed", job
        assert "could not record" in job["error"] and "disk is full" in job["error"]
        assert server.wait_job(after, timeout_s=60)["status"] == "succeeded"
        assert all(lane["alive"] for lane in server.get("/v1/status").json()["queue"].values())
    finally:
        server.stop()


@pytest.fixture
def manager(tmp_path):
    config = ServerConfig(data_dir=tmp_path / "data")
    store = JobStore(config.db_path, config.jobs_dir)
    jobs = worker.JobManager(config, store, BackendRegistry(config))
    yield jobs
    jobs.stop()
    store.close()


def wait_for(condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def submit(manager: worker.JobManager, prompt: str) -> str:
    job_id = uuid.uuid4().hex
    fields = dict(kind="mesh", prompt=prompt, seed=0, size_mm=12.0, params={})
    manager.submit(job_id=job_id, backend="procedural", unavailable=None, **fields)
    return job_id


def test_the_watchdog_restarts_a_lane_whose_thread_died(manager):
    manager.start()  # lanes and the watchdog
    lane = manager.lanes["cpu"]
    dead = lane.thread
    lane.queue.put(worker._STOP)  # the thread ends, as an uncaught BaseException would end it
    assert wait_for(lambda: not dead.is_alive())
    assert wait_for(lambda: lane.thread is not dead and lane.thread.is_alive(), 10)
    job_id = submit(manager, "a heart")
    assert wait_for(lambda: manager.store.get(job_id).terminal, 60)
    assert manager.store.get(job_id).status == "succeeded"


def test_the_watchdog_leaves_a_lane_whose_job_just_ended_on_its_own(manager):
    for lane in manager.lanes.values():  # lanes only: this test plays the watchdog's turn
        lane.start()
    lane = manager.lanes["cpu"]
    ended = submit(manager, "a moon")
    assert wait_for(lambda: manager.store.get(ended).terminal, 60)
    thread, generation = lane.thread, lane.generation
    # the watchdog's view a moment late: the job's deadline has passed, but it has ended
    late = worker._Running(ended, time.monotonic() - 100, threading.Event())
    lane.running = late
    manager.check_lanes()
    assert lane.thread is thread and lane.generation == generation
    assert manager.store.get(ended).status == "succeeded"
    # while a job really still running past its deadline is failed and its thread replaced
    stuck = manager.store.create(kind="mesh", backend="procedural", prompt="x", seed=0,
                                 size_mm=12.0, params={})  # fmt: skip
    manager.store.claim(stuck.id)
    lane.running = worker._Running(stuck.id, time.monotonic() - 100, threading.Event())
    manager.check_lanes()
    assert lane.generation == generation + 1
    failed = manager.store.get(stuck.id)
    assert failed.status == "failed" and "timed out" in failed.error


def test_clean_stops_do_not_rerun_a_job_for_ever(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        slow = server.submit(**SLOW)
        for _stop in range(2):
            server.wait_job(slow, statuses={"running"})
            server.restart()  # SIGTERM: a clean stop, the job is re-queued
        server.wait_job(slow, statuses={"running"})
        server.stop()
        server.start()
        job = server.wait_job(slow)
        assert job["status"] == "failed", job
        assert "stopped 3 times" in job["error"] and "not retried" in job["error"]
    finally:
        server.stop()


def test_retention_by_age_and_total_size_and_orphan_uploads(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        ids = [server.submit(prompt=f"a {name}") for name in ("heart", "star", "leaf", "knot")]
        for job_id in ids:
            assert server.wait_job(job_id)["status"] == "succeeded"
    finally:
        server.stop()
    ancient, older, old, fresh = ids
    now = time.time()
    with sqlite3.connect(server.data_dir / "jobs.sqlite3") as db:
        for job_id, age in [(ancient, 40 * DAY), (older, 7200), (old, 3600)]:
            db.execute(
                "UPDATE jobs SET created = ?, finished = ? WHERE id = ?",
                (now - age - 1, now - age, job_id),
            )
    jobs_dir = server.data_dir / "jobs"
    orphans = []
    for age in (7200, 0):  # an upload whose request died, long ago and just now
        orphan = jobs_dir / uuid.uuid4().hex
        orphan.mkdir()
        (orphan / "input.png").write_bytes(b"\x89PNG" + b"\x00" * 1000)
        os.utime(orphan, (now - age, now - age))
        orphans.append(orphan)
    # room for the two newest jobs only: the older of the rest goes, oldest first
    keep_mb = (folder_bytes(jobs_dir / old) + folder_bytes(jobs_dir / fresh) + 1000) / 2**20
    server.extra_args = ["--keep-mb", f"{keep_mb:.6f}"]
    server.start()  # default --keep-days (30): the 40-day-old job goes too
    try:
        status = {job_id: server.get(f"/v1/jobs/{job_id}").status_code for job_id in ids}
        assert status == {ancient: 404, older: 404, old: 200, fresh: 200}
        assert not (jobs_dir / ancient).exists() and not (jobs_dir / older).exists()
        assert (jobs_dir / old / "mesh.obj").is_file() and (jobs_dir / fresh).is_dir()
        assert not orphans[0].exists() and orphans[1].exists()
        listed = {job["id"] for job in server.get("/v1/jobs").json()["jobs"]}
        assert listed == {old, fresh}
        retention = server.get("/v1/status").json()["retention"]
        assert retention["keep_days"] == 30 and retention["keep_mb"] == pytest.approx(keep_mb)
    finally:
        server.stop()


def test_the_queue_has_a_cap(tmp_path):
    with ServerProcess(tmp_path / "data", ["--max-queued", "2"]) as server:
        running = server.submit(**SLOW)
        server.wait_job(running, statuses={"running"})
        waiting = [server.submit(prompt=f"a heart {i}") for i in range(2)]
        response = server.post("/v1/jobs", json={"prompt": "one too many"})
        assert response.status_code == 429, response.text
        error = response.json()["error"]
        assert error["code"] == "queue_full"
        assert "2 jobs are already waiting" in error["message"]
        assert "--max-queued" in error["message"]
        assert response.headers["retry-after"]
        for job_id in [running, *waiting]:
            server.post(f"/v1/jobs/{job_id}/cancel")
        assert server.wait_job(server.submit(prompt="a star"))["status"] == "succeeded"
