"""Run a REAL ai_server process for tests: ``python -m ai_server serve`` on a free loopback port.

    with ServerProcess(data_dir=tmp_path / "data", args=["--job-timeout", "5"]) as server:
        job = server.post("/v1/jobs", json={"prompt": "a heart"}).json()
        server.wait_job(job["id"])

The server gets HF_HUB_OFFLINE=1 and, unless ``env`` says otherwise, an empty HF_HOME of its
own, so no real model cache on the machine leaks into a test. ``kill()`` is a SIGKILL (for
recovery tests); ``stop()`` a clean SIGTERM. The server's output is kept in ``log_path``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
# The server's own Python. The add-on's tests also run on older Blenders from small venvs
# (bpy 4.2, 4.5: see the Makefile) that lack the server's packages; they point this at .venv.
SERVER_PYTHON = os.environ.get("AURA_SERVER_PYTHON") or sys.executable
TERMINAL = {"succeeded", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(
        self,
        data_dir: Path | str | None = None,
        args: list[str] | tuple[str, ...] = (),
        *,
        token: str | None = None,
        env: dict[str, str] | None = None,
        port: int | None = None,
        start_timeout_s: float = 60.0,
    ):
        self._own_dir = None
        if data_dir is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="aura-server-")
            data_dir = self._own_dir.name
        self.data_dir = Path(data_dir)
        self.extra_args = list(args)
        self.token = token
        self.port = port or free_port()
        self.start_timeout_s = start_timeout_s
        self.env = dict(env or {})
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server-{self.port}.log"
        self._client: httpx.Client | None = None

    # ------------------------------------------------------------ life cycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            SERVER_PYTHON,
            "-m",
            "ai_server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        cmd += ["--data-dir", str(self.data_dir)]
        return cmd + self.extra_args

    def start(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = os.environ.copy()
        env.update(HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        env.setdefault("HF_HOME", str(self.data_dir.parent / f"{self.data_dir.name}-hf-home"))
        env.pop("AURA_SERVER_TOKEN", None)
        if self.token:  # the environment, not the command line (where `ps` shows it)
            env["AURA_SERVER_TOKEN"] = self.token
        env.update(self.env)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode} during startup:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.base_url}/v1/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(
            f"server did not answer /v1/health within {self.start_timeout_s} s:\n{self.log_tail()}"
        )

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM (a clean shutdown), SIGKILL if it lingers. Returns the exit status."""
        self._close_client()
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout_s)

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to tidy up (what recovery must survive)."""
        self._close_client()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(15)

    def restart(self) -> ServerProcess:
        """A new process on the same data dir and port."""
        self.stop()
        return self.start()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
        if self._own_dir is not None:
            self._own_dir.cleanup()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # ------------------------------------------------------------ HTTP

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=60.0)
        return self._client

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.client.post(path, **kwargs)

    def submit(self, **job) -> str:
        """POST /v1/jobs; returns the job id (asserts the 202)."""
        response = self.post("/v1/jobs", json=job)
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def wait_job(self, job_id: str, timeout_s: float = 60.0, statuses=TERMINAL) -> dict:
        """Poll (long-polling on the server side) until the job's status is in ``statuses``."""
        deadline = time.monotonic() + timeout_s
        while True:
            wait = 0 if statuses != TERMINAL else min(5.0, max(0.0, deadline - time.monotonic()))
            job = self.get(f"/v1/jobs/{job_id}", params={"wait": wait}).json()
            if job["status"] in statuses:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout_s} s: {job}")
            if wait == 0:
                time.sleep(0.02)
