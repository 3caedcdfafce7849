"""Load a running server: N concurrent clients submitting, polling and cancelling procedural
jobs for a while; then kill -9 the server, restart it, and account for every job.

Used by tests/test_server_load.py (bounded) and scripts/load_server.py (longer, figures).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx

from tests.server_process import TERMINAL, ServerProcess

PROMPTS = ["a heart", "a star", "a leaf", "a knot", "a moon", "a crown", "a pebble"]


@dataclass
class LoadReport:
    clients: int
    seconds: float
    accepted: list[str] = field(default_factory=list)  # ids answered 202
    refused_full: int = 0  # 429: the queue cap
    cancels: int = 0
    polls: int = 0
    latencies: list[float] = field(default_factory=list)  # non-waiting requests, seconds
    posts_in_flight_at_kill: int = 0  # POSTs whose answer the kill cut off
    problems: list[str] = field(default_factory=list)
    ended_before_kill: int = 0
    unfinished_at_kill: int = 0
    recovery_s: float = 0.0
    final: dict[str, int] = field(default_factory=dict)

    def figures(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        p95 = lat[int(0.95 * (len(lat) - 1))]
        return (
            f"{self.clients} clients for {self.seconds:g} s: {len(self.accepted)} jobs accepted, "
            f"{self.refused_full} refused (429, queue full), {self.cancels} cancels, "
            f"{self.polls} polls; request latency median {statistics.median(lat) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms; {self.ended_before_kill} jobs ended before the kill "
            f"({self.ended_before_kill / self.seconds:.1f}/s), {self.unfinished_at_kill} queued "
            f"or running at the kill; after the restart all ended in {self.recovery_s:.1f} s: "
            f"{self.final}"
        )


def _client(server: ServerProcess, index: int, stop: threading.Event, report: LoadReport,
            lock: threading.Lock) -> None:  # fmt: skip
    rng = random.Random(index)
    mine: list[str] = []
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        while not stop.is_set():
            action = rng.random()
            try:
                started = time.perf_counter()
                if action < 0.4 or not mine:
                    body = {"prompt": rng.choice(PROMPTS), "seed": rng.randrange(1000)}
                    with lock:
                        report.posts_in_flight_at_kill += 1
                    response = http.post("/v1/jobs", json=body)
                    with lock:
                        report.posts_in_flight_at_kill -= 1
                        if response.status_code == 202:
                            report.accepted.append(response.json()["id"])
                            mine.append(response.json()["id"])
                        elif response.status_code == 429:
                            report.refused_full += 1
                        else:
                            report.problems.append(f"POST {response.status_code}: {response.text}")
                elif action < 0.55:
                    response = http.post(f"/v1/jobs/{rng.choice(mine)}/cancel")
                    with lock:
                        report.cancels += 1
                        if response.status_code not in (200, 202, 409):
                            report.problems.append(f"cancel {response.status_code}")
                else:
                    wait = rng.choice([0, 0, 1])
                    response = http.get(f"/v1/jobs/{rng.choice(mine)}", params={"wait": wait})
                    with lock:
                        report.polls += 1
                        if response.status_code != 200:
                            report.problems.append(f"poll {response.status_code}")
                    if wait:
                        continue  # a long-poll's time is not a latency
                with lock:
                    report.latencies.append(time.perf_counter() - started)
                if response.status_code >= 500:
                    with lock:
                        report.problems.append(f"{response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as exc:
                if not stop.is_set():  # after the kill, errors are expected
                    with lock:
                        report.problems.append(f"{type(exc).__name__}: {exc}")
                return


def load_then_kill(server: ServerProcess, clients: int, seconds: float,
                   drain_timeout_s: float = 120.0) -> LoadReport:  # fmt: skip
    """Run the load, kill -9 the server at the end of it, restart, wait for every job to end."""
    report = LoadReport(clients, seconds)
    server.get("/v1/status")  # its first call imports torch: not part of the load
    stop, lock = threading.Event(), threading.Lock()
    threads = [
        threading.Thread(target=_client, args=(server, i, stop, report, lock), daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    counts = server.get("/v1/status").json()["jobs"]  # a moment before the kill
    with lock:
        in_flight = report.posts_in_flight_at_kill
        stop.set()  # first: the clients' errors from here on are the kill's
        server.kill()
    report.posts_in_flight_at_kill = in_flight
    report.unfinished_at_kill = counts["queued"] + counts["running"]
    report.ended_before_kill = sum(counts[s] for s in TERMINAL)
    for thread in threads:
        thread.join(30)
    started = time.monotonic()
    server.start()
    while True:
        if unfinished(server) == 0:
            break
        if time.monotonic() - started > drain_timeout_s:
            report.problems.append(f"jobs still unfinished {drain_timeout_s:g} s after restart")
            break
        time.sleep(0.2)
    report.recovery_s = time.monotonic() - started
    report.final = server.get("/v1/status").json()["jobs"]
    return report


def unfinished(server: ServerProcess) -> int:
    return sum(
        server.get("/v1/jobs", params={"status": status, "limit": 500}).json()["count"]
        for status in ("queued", "running")
    )


def account(server: ServerProcess, report: LoadReport) -> list[str]:
    """Every accepted job exactly once, ended, run at most twice; a mesh for each success."""
    problems = []
    rows = server.get("/v1/jobs", params={"limit": 500}).json()["jobs"]
    ids = [row["id"] for row in rows]
    if len(ids) != len(set(ids)):
        problems.append("a job id is listed twice")
    if len(set(report.accepted)) != len(report.accepted):
        problems.append("the server handed out one id twice")
    lost = set(report.accepted) - set(ids)
    if lost:
        problems.append(f"{len(lost)} accepted jobs are gone: {sorted(lost)[:5]}")
    extra = set(ids) - set(report.accepted)
    if len(extra) > report.posts_in_flight_at_kill:  # a cut-off answer may leave a job
        problems.append(f"{len(extra)} jobs nobody submitted")
    for row in rows:
        if row["status"] not in TERMINAL:
            problems.append(f"job {row['id']} is stuck {row['status']}")
        if row["attempts"] > 2:
            problems.append(f"job {row['id']} ran {row['attempts']} times")
        if row["status"] == "succeeded":
            if server.get(f"/v1/jobs/{row['id']}/mesh.obj").status_code != 200:
                problems.append(f"job {row['id']} succeeded without a mesh")
    return problems
