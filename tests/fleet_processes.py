"""Real processes for the fleet tests: a Redis server (Debian's redis-server) and workers.

    with RedisProcess(tmp_path / "redis") as redis, ServerProcess(..., args=["--broker", redis.url]):
        with FleetWorker(redis.url, name="a"), FleetWorker(redis.url, name="b"):
            ...

Redis runs with append-only persistence, as the README tells a studio to run it, so a
restart (`restart()`) keeps queued messages; `kill()` is a SIGKILL for the worker-lost tests.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from tests.server_process import REPO_ROOT, free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisProcess:
    def __init__(self, folder: Path, port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)

    def start(self) -> RedisProcess:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes"],
            stdout=open(self.folder / "redis.log", "ab"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {(self.folder / 'redis.log').read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.client().shutdown()  # a clean stop: everything is on disk (appendfsync always)
            except redis.ConnectionError:
                pass
            self.process.wait(timeout=20)

    def restart(self, down_s: float = 1.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def __enter__(self) -> RedisProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class FleetWorker:
    """`python -m ai_server worker` as a real process."""

    def __init__(
        self, broker_url: str, name: str, backends=("procedural",), log_dir: Path | None = None
    ):
        self.broker_url = broker_url
        self.name = name
        self.backends = list(backends)
        self.log_path = Path(log_dir or REPO_ROOT / "out") / f"worker-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, wait_s: float = 60.0) -> FleetWorker:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT, env=env, stdout=open(self.log_path, "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.broker_url, decode_responses=True)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited: {self.log()}")
            if client.exists(f"aura:worker:{self.name}"):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} did not start: {self.log()}")

    def command(self) -> list[str]:
        return [sys.executable, "-m", "ai_server", "worker", "--broker", self.broker_url,
                "--name", self.name, "--backends", *self.backends]  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> FleetWorker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class BuildWorker(FleetWorker):
    """`aura_batch.py --worker`: a build worker (bpy) on the fleet's build queue."""

    def command(self) -> list[str]:
        batch = REPO_ROOT / "scripts" / "aura_batch.py"
        return [
            sys.executable,
            str(batch),
            "--worker",
            "--broker",
            self.broker_url,
            "--name",
            self.name,
        ]
