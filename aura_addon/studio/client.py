"""HTTP client for the Aura AI server, and a helper that runs a local server as a child process.

Only `requests` and the standard library: the Blender add-on (whose Python has nothing else),
the batch script and the tests all use this one client. Every failure is one of two errors:
`ServerUnreachable` (nothing answered: the URL and the reason) or `ServerError` (the server
answered with an error: the status code and the server's own message).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ..jewelry.quoting import shown
from .errors import (
    ClientError,
    JobFailed,
    ServerError,
    ServerStartError,
    ServerUnreachable,
    WaitCancelled,
    WaitTimeout,
)
from .urls import TOKEN_ENV, default_url, is_loopback_url

TERMINAL = ("succeeded", "failed", "cancelled")
REPO_ROOT = Path(__file__).resolve().parents[2]
# What a job id may be (the server's are uuid4 hex): it becomes a URL path segment and part
# of a file name, so a broken or hostile server's '../../x' or '/etc/x' must never pass.
JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
log = logging.getLogger("aura")
_warned_hosts: set[str] = set()


def checked_job_id(value, url: str = "") -> str:
    """A job id from the server, safe as a path segment and in a file name."""
    if isinstance(value, str) and JOB_ID.fullmatch(value):
        return value
    raise ServerError(
        200,
        "bad_response",
        f"the server answered a job id that is not allowed: {shown(value)} (allowed: 1 to 64 "
        "letters, digits, '-' or '_'); nothing was written",
        url,
    )


def _warn_token_in_clear(url: str) -> None:
    """Once per host: a token sent over plain http to another machine can be read on the way."""
    host = urlsplit(url).hostname or url
    if host in _warned_hosts:
        return
    _warned_hosts.add(host)
    log.warning(
        "aura: the server token is sent unencrypted over http to %s; anyone on the network "
        "between can read it. Use https (a TLS proxy in front of the server) or an SSH tunnel "
        "to a loopback port.",
        host,
    )


def _reason(exc: requests.RequestException, timeout) -> str:
    """A short human reason for a transport failure (requests' own text is a paragraph)."""
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout} s"
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused (is the server running?)"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    if "Connection reset" in text or "RemoteDisconnected" in text:
        return "the connection was closed by the server"
    return text.rsplit(": ", 1)[-1].strip(" ')\"") or type(exc).__name__


class AuraClient:
    """One server: `AuraClient("http://127.0.0.1:8765", token=None)`.

    `timeout` is the per-request limit in seconds (connect and read); waiting for a job is
    `wait()`'s own `timeout_s`.
    """

    def __init__(
        self, base_url: str | None = None, token: str | None = None, timeout: float = 30.0
    ):
        self.base_url = (base_url or default_url()).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL {self.base_url!r} is not an http(s) URL with a host")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        if self.token and parts.scheme == "http" and not is_loopback_url(self.base_url):
            _warn_token_in_clear(self.base_url)
        self.timeout = timeout
        self._session = requests.Session()
        # A proxy from the environment must never sit between Blender and a local server.
        self._session.trust_env = not is_loopback_url(self.base_url)
        if self.token:
            self._session.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # transport -------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, json=None, stream=False, timeout=None):
        url = self.base_url + path
        timeout = timeout or self.timeout
        try:
            response = self._session.request(method, url, json=json, stream=stream, timeout=timeout)
        except requests.RequestException as exc:
            raise ServerUnreachable(self.base_url, _reason(exc, timeout)) from None
        if response.status_code >= 400:
            raise self._error(response, url)
        return response

    @staticmethod
    def _error(response: requests.Response, url: str) -> ServerError:
        code, message = "http_error", (response.text or response.reason or "").strip()[:300]
        try:
            body = response.json()
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                code = str(error.get("code") or code)
                message = str(error.get("message") or message)
        except ValueError:
            pass
        return ServerError(response.status_code, code, message or response.reason or "", url)

    def _json(self, method: str, path: str, body=None, timeout=None) -> dict:
        response = self._request(method, path, json=body, timeout=timeout)
        try:
            return response.json()
        except ValueError:
            raise ServerError(
                response.status_code, "bad_response", f"{path} did not answer JSON", response.url
            ) from None

    def _download(self, path: str, dest) -> Path:
        """Stream a file to `dest` through a temporary name, so a broken download leaves nothing."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        response = self._request("GET", path, stream=True)
        partial = dest.with_name(dest.name + ".part")
        try:
            with open(partial, "wb") as fh:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    fh.write(chunk)
            os.replace(partial, dest)
        except requests.RequestException as exc:
            raise ServerUnreachable(self.base_url, _reason(exc, self.timeout)) from None
        finally:
            response.close()
            partial.unlink(missing_ok=True)
        return dest

    # routes ----------------------------------------------------------------------------
    def health(self, timeout: float | None = None) -> dict:
        return self._json("GET", "/v1/health", timeout=timeout)

    def status(self) -> dict:
        return self._json("GET", "/v1/status")

    def plan(self, text: str) -> dict:
        """Words -> {"spec", "provider", "understood", ...}."""
        return self._json("POST", "/v1/plan", {"text": text})

    def refine(self, spec: dict, instruction: str) -> dict:
        return self._json("POST", "/v1/refine", {"spec": spec, "instruction": instruction})

    def variations(self, spec: dict, n: int = 3, seed: int = 0) -> list[dict]:
        return self._json("POST", "/v1/variations", {"spec": spec, "n": n, "seed": seed})["specs"]

    def create_job(
        self,
        prompt: str | None = None,
        backend: str = "procedural",
        seed: int = 0,
        size_mm: float = 12.0,
        params: dict | None = None,
        image: str | None = None,
        concept=None,
    ) -> dict:
        """Queue a motif job; returns {"id", "status"}. `image` is base64 (PNG/JPEG); `concept`
        is a concept image of an earlier concepts job (see `concept_ref`)."""
        body = {"backend": backend, "seed": seed, "size_mm": size_mm}
        for key, value in (
            ("prompt", prompt),
            ("params", params),
            ("image", image),
            ("concept", concept),
        ):
            if value is not None:
                body[key] = value
        return self._new_job(self._json("POST", "/v1/jobs", body))

    def _new_job(self, job: dict) -> dict:
        """A queued job's reply, its id checked before anyone builds a path from it."""
        checked_job_id(job.get("id") if isinstance(job, dict) else None, self.base_url)
        return job

    def _job_path(self, job_id: str, tail: str = "") -> str:
        return f"/v1/jobs/{checked_job_id(job_id, self.base_url)}{tail}"

    def job(self, job_id: str) -> dict:
        return self._json("GET", self._job_path(job_id))

    def jobs(self) -> list[dict]:
        body = self._json("GET", "/v1/jobs")
        return body.get("jobs", body) if isinstance(body, dict) else body

    def cancel(self, job_id: str) -> dict:
        return self._json("POST", self._job_path(job_id, "/cancel"))

    def wait(
        self,
        job_id: str,
        on_progress: Callable[[dict], None] | None = None,
        poll_s: float = 0.5,
        timeout_s: float | None = 600.0,
        cancel_event: threading.Event | None = None,
    ) -> dict:
        """Wait until the job ends; returns the succeeded job.

        Each poll long-polls the server (`?wait=`), which answers the moment the job ends, so a
        quick job is not held up by `poll_s`; `on_progress(job)` is called whenever the status,
        stage or progress changes. Raises JobFailed (failed or cancelled on the server),
        WaitTimeout, or WaitCancelled once `cancel_event` is set; the last two cancel the job on
        the server first."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        last = None
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            hold = poll_s if left is None else max(0.0, min(poll_s, left))
            asked = time.monotonic()
            job = self._json(
                "GET", self._job_path(job_id, f"?wait={hold:.3f}"), timeout=self.timeout + hold
            )
            seen = (job.get("status"), job.get("stage"), job.get("progress"))
            if on_progress is not None and seen != last:
                on_progress(job)
            last = seen
            if job.get("status") == "succeeded":
                return job
            if job.get("status") in TERMINAL:
                raise JobFailed(job)
            if cancel_event is not None and cancel_event.is_set():
                self._cancel_quietly(job_id)
                raise WaitCancelled(job_id)
            if deadline is not None and time.monotonic() >= deadline:
                self._cancel_quietly(job_id)
                raise WaitTimeout(job_id, timeout_s)
            # A server that does not long-poll answers at once: pace the polls ourselves.
            early = hold - (time.monotonic() - asked)
            if early > 0.01:
                if cancel_event is not None:
                    cancel_event.wait(min(early, 0.05))
                else:
                    time.sleep(min(early, 0.05))

    def _cancel_quietly(self, job_id: str) -> None:
        try:
            self.cancel(job_id)
        except ClientError:
            pass  # already ended, or the server went away: nothing left to stop

    def download_mesh(self, job_id: str, path) -> Path:
        """The job's motif mesh (OBJ, millimetres) to `path`."""
        return self._download(self._job_path(job_id, "/mesh.obj"), path)

    def concepts(
        self, prompt: str, n: int = 4, seed: int = 0, backend: str | None = None, params=None
    ) -> dict:
        """Queue n concept images for a prompt; returns the job ({"id", "status"}). Once it has
        succeeded, image i is `download_concept(id, i, path)`, and a mesh job can start from it
        with `create_job(backend="image-to-3d", concept=concept_ref(id, i))`."""
        body = {"prompt": prompt, "n": n, "seed": seed}
        if backend is not None:
            body["backend"] = backend
        if params is not None:
            body["params"] = params
        return self._new_job(self._json("POST", "/v1/concepts", body))

    def download_concept(self, job_id: str, index: int, path) -> Path:
        return self._download(self._job_path(job_id, f"/concepts/{int(index)}.png"), path)


def concept_ref(job_id: str, index: int) -> str:
    """How a mesh job names a concept image: '<concepts job id>/<index>'."""
    return f"{checked_job_id(job_id)}/{int(index)}"


# A local server as a child process ---------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def venv_python(folder) -> Path:
    """The Python of `folder`'s .venv (it may not exist)."""
    return Path(folder) / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def default_server_python() -> str:
    """The Python that has the server's packages: the repo's venv when there is one (Blender's
    own Python has no FastAPI), else this interpreter."""
    venv = venv_python(REPO_ROOT)
    return str(venv) if venv.exists() else sys.executable


class LocalServer:
    """`python -m ai_server serve` as a child of this process, stopped by `stop()`.

    `command` replaces the default `[python, -m, ai_server, serve]` prefix (a list, or a
    string split like a shell would); `--host`, `--port` and `--data-dir` are appended. With
    no `data_dir` a temporary one is made and removed at stop. The server's output goes to
    `server.log` in the data dir, so it never clutters the caller's terminal.
    """

    def __init__(
        self,
        port: int | None = None,
        data_dir=None,
        command: Sequence[str] | str | None = None,
        host: str = "127.0.0.1",
        cwd=None,
        env: dict | None = None,
    ):
        self.host = host
        self.port = port or free_port(host)
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="aura-server-")
        self.data_dir = Path(data_dir or self._tmp.name)
        if command is None:
            command = [default_server_python(), "-m", "ai_server", "serve"]
        elif isinstance(command, str):
            command = shlex.split(command)
        self.command = [*command, "--host", host, "--port", str(self.port)]
        self.command += ["--data-dir", str(self.data_dir)]
        self.cwd = Path(cwd) if cwd else REPO_ROOT
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 60.0) -> str:
        """Start the server and wait until /v1/health answers; returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ if self.env is None else self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.cwd), env.get("PYTHONPATH")]))
        with open(self.log_path, "ab") as log:
            try:
                self.process = subprocess.Popen(
                    self.command, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )  # fmt: skip
            except OSError as exc:
                raise ServerStartError(
                    f"could not run {shlex.join(self.command[:4])}: {exc.strerror or exc}"
                ) from None
        client = AuraClient(self.url, token=env.get(TOKEN_ENV), timeout=2.0)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                if self.process.poll() is not None:
                    message = (
                        f"the local server exited with code {self.process.returncode} while "
                        f"starting: {self.log_tail()}"
                    )
                    self.stop()
                    raise ServerStartError(message)
                try:
                    client.health(timeout=1.0)
                    return self.url
                except ClientError:
                    pass
                if time.monotonic() > deadline:
                    message = (
                        f"the local server did not answer at {self.url} within {timeout_s:g} s: "
                        f"{self.log_tail()}"
                    )
                    self.stop()
                    raise ServerStartError(message)
                time.sleep(0.05)
        finally:
            client.close()

    def log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return "(no log)"
        return " | ".join(text.splitlines()[-lines:]) or "(empty log)"

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
