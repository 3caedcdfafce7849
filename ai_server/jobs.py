"""The job store: SQLite in WAL mode under the data dir, plus a folder per job for its files.

Every state change is one conditional UPDATE (``... WHERE status = ?``), so a cancel racing a
worker's claim, or a late result from a timed-out job, cannot overwrite a terminal state.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})
# A job found running at startup (server killed) is re-queued once; a second interruption fails it.
MAX_ATTEMPTS = 2
# A clean stop is not the job's fault and does not count as an attempt, but a job the server
# keeps being stopped under is not re-run for ever: the third clean stop fails it.
MAX_CLEAN_STOPS = 2

_ID_RE = re.compile(r"^[0-9a-f]{32}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    backend     TEXT NOT NULL,
    prompt      TEXT,
    seed        INTEGER NOT NULL,
    size_mm     REAL NOT NULL,
    params      TEXT NOT NULL,
    input_image TEXT,
    status      TEXT NOT NULL,
    progress    REAL NOT NULL DEFAULT 0,
    stage       TEXT NOT NULL DEFAULT '',
    error       TEXT,
    result      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    stops       INTEGER NOT NULL DEFAULT 0,
    created     REAL NOT NULL,
    started     REAL,
    finished    REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
"""


def new_job_id() -> str:
    return uuid.uuid4().hex


def is_valid_job_id(job_id: str) -> bool:
    """Ids are generated here; anything else never reaches the file system."""
    return bool(_ID_RE.match(job_id))


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    id: str
    kind: str  # "mesh" | "concepts"
    backend: str
    prompt: str | None
    seed: int
    size_mm: float
    params: dict
    input_image: str | None  # file name inside the job folder
    status: str
    progress: float
    stage: str
    error: str | None
    result: dict | None
    attempts: int
    created: float
    started: float | None
    finished: float | None
    stops: int = 0  # clean server stops while it ran

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        data = dict(row)
        data["params"] = json.loads(data["params"])
        data["result"] = json.loads(data["result"]) if data["result"] else None
        return cls(**data)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def timings(self) -> dict:
        now = time.time()
        wait_end = self.started or self.finished or now
        timings = {"wait_s": round(wait_end - self.created, 4), "run_s": None, "total_s": None}
        if self.started is not None:
            timings["run_s"] = round((self.finished or now) - self.started, 4)
        if self.finished is not None:
            timings["total_s"] = round(self.finished - self.created, 4)
        return timings

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "backend": self.backend,
            "status": self.status,
            "progress": round(self.progress, 4),
            "stage": self.stage,
            "error": self.error,
            "result": self.result,
            "prompt": self.prompt,
            "seed": self.seed,
            "size_mm": self.size_mm,
            "params": self.params,
            "attempts": self.attempts,
            "created_at": _iso(self.created),
            "started_at": _iso(self.started),
            "finished_at": _iso(self.finished),
            "timings": self.timings(),
        }


class JobStore:
    def __init__(self, db_path: Path, jobs_dir: Path):
        db_path.parent.mkdir(parents=True, exist_ok=True)
        jobs_dir.mkdir(parents=True, exist_ok=True)
        self.jobs_dir = jobs_dir
        self._lock = threading.Lock()
        # One connection shared by the HTTP threads and the workers, serialised by the lock;
        # autocommit, so each statement below is its own transaction.
        self._db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)")}
        if "stops" not in columns:  # a database from before the clean-stop count
            self._db.execute("ALTER TABLE jobs ADD COLUMN stops INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _execute(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def job_dir(self, job_id: str) -> Path:
        if not is_valid_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.jobs_dir / job_id

    def create(
        self,
        *,
        kind: str,
        backend: str,
        prompt: str | None,
        seed: int,
        size_mm: float,
        params: dict,
        job_id: str | None = None,
        input_image: str | None = None,
        status: str = QUEUED,
        error: str | None = None,
    ) -> Job:
        job_id = job_id or new_job_id()
        now = time.time()
        finished = now if status in TERMINAL else None
        self._execute(
            "INSERT INTO jobs (id, kind, backend, prompt, seed, size_mm, params, input_image,"
            " status, stage, error, created, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job_id,
                kind,
                backend,
                prompt,
                seed,
                size_mm,
                json.dumps(params),
                input_image,
                status,
                status if status in TERMINAL else "",
                error,
                now,
                finished,
            ),
        )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        row = self._execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.from_row(row) if row else None

    def recent(self, limit: int = 50, status: str | None = None) -> list[Job]:
        if status:
            rows = self._execute(
                "SELECT * FROM jobs WHERE status = ? ORDER BY created DESC LIMIT ?",
                (status, limit),
            )
        else:
            rows = self._execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,))
        return [Job.from_row(r) for r in rows.fetchall()]

    def queued_ids(self) -> list[tuple[str, str]]:
        """(id, backend) of every queued job, oldest first."""
        rows = self._execute(
            "SELECT id, backend FROM jobs WHERE status = ? ORDER BY created", (QUEUED,)
        )
        return [(r["id"], r["backend"]) for r in rows.fetchall()]

    def count(self, status: str) -> int:
        return self._execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (status,)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        rows = self._execute("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").fetchall()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({r["status"]: r["n"] for r in rows})
        return counts

    def claim(self, job_id: str) -> Job | None:
        """queued -> running; None if the job is no longer queued (e.g. cancelled meanwhile)."""
        cursor = self._execute(
            "UPDATE jobs SET status = ?, started = ?, attempts = attempts + 1, progress = 0,"
            " stage = 'starting' WHERE id = ? AND status = ?",
            (RUNNING, time.time(), job_id, QUEUED),
        )
        return self.get(job_id) if cursor.rowcount else None

    def set_progress(self, job_id: str, fraction: float, stage: str) -> None:
        self._execute(
            "UPDATE jobs SET progress = ?, stage = ? WHERE id = ? AND status = ?",
            (fraction, stage, job_id, RUNNING),
        )

    def finish(
        self,
        job_id: str,
        status: str,
        *,
        error: str | None = None,
        result: dict | None = None,
        stage: str | None = None,
    ) -> bool:
        """running -> terminal. False if the job had already ended (e.g. the watchdog failed it)."""
        assert status in TERMINAL
        cursor = self._execute(
            "UPDATE jobs SET status = ?, error = ?, result = ?, finished = ?,"
            " progress = CASE WHEN ? = 'succeeded' THEN 1.0 ELSE progress END,"
            " stage = COALESCE(?, stage) WHERE id = ? AND status = ?",
            (
                status,
                error,
                json.dumps(result) if result is not None else None,
                time.time(),
                status,
                stage,
                job_id,
                RUNNING,
            ),
        )
        return cursor.rowcount == 1

    def fail(self, job_id: str, error: str) -> bool:
        """queued or running -> failed, with the reason (a job the worker could not finish)."""
        cursor = self._execute(
            "UPDATE jobs SET status = ?, error = ?, finished = ?, stage = ?"
            " WHERE id = ? AND status IN (?, ?)",
            (FAILED, error, time.time(), FAILED, job_id, QUEUED, RUNNING),
        )
        return cursor.rowcount == 1

    def cancel_queued(self, job_id: str) -> bool:
        cursor = self._execute(
            "UPDATE jobs SET status = ?, error = ?, finished = ?, stage = 'cancelled'"
            " WHERE id = ? AND status = ?",
            (CANCELLED, "cancelled before it started", time.time(), job_id, QUEUED),
        )
        return cursor.rowcount == 1

    def recover_interrupted(self) -> tuple[list[str], list[str]]:
        """At startup: jobs left running by a killed server are re-queued once, else failed."""
        rows = self._execute("SELECT id, attempts FROM jobs WHERE status = ?", (RUNNING,))
        requeued, failed = [], []
        for row in rows.fetchall():
            if row["attempts"] < MAX_ATTEMPTS:
                self._execute(
                    "UPDATE jobs SET status = ?, progress = 0, stage = 'requeued after restart',"
                    " started = NULL WHERE id = ? AND status = ?",
                    (QUEUED, row["id"], RUNNING),
                )
                requeued.append(row["id"])
            else:
                self._execute(
                    "UPDATE jobs SET status = ?, error = ?, finished = ? WHERE id = ? AND status = ?",
                    (
                        FAILED,
                        f"the server stopped while this job was running ({row['attempts']} attempts);"
                        " not retried again",
                        time.time(),
                        row["id"],
                        RUNNING,
                    ),
                )
                failed.append(row["id"])
        return requeued, failed

    def requeue(self, job_id: str, stage: str) -> bool:
        """running -> queued, the attempt counted (a fleet worker was lost mid-job)."""
        cursor = self._execute(
            "UPDATE jobs SET status = ?, progress = 0, stage = ?, started = NULL"
            " WHERE id = ? AND status = ?",
            (QUEUED, stage, job_id, RUNNING),
        )
        return cursor.rowcount == 1

    def requeue_on_shutdown(self, job_ids: list[str]) -> None:
        """A clean stop is not the job's fault: put it back without counting the attempt, up
        to MAX_CLEAN_STOPS times; the next clean stop fails it with the reason."""
        for job_id in job_ids:
            self._execute(
                "UPDATE jobs SET status = ?, progress = 0, stage = 'requeued at shutdown',"
                " started = NULL, attempts = MAX(attempts - 1, 0), stops = stops + 1"
                " WHERE id = ? AND status = ? AND stops < ?",
                (QUEUED, job_id, RUNNING, MAX_CLEAN_STOPS),
            )
            self._execute(
                "UPDATE jobs SET status = ?, error = ?, finished = ?, stops = stops + 1"
                " WHERE id = ? AND status = ?",
                (
                    FAILED,
                    f"the server was stopped {MAX_CLEAN_STOPS + 1} times while this job was"
                    " running; not retried again",
                    time.time(),
                    job_id,
                    RUNNING,
                ),
            )

    # ------------------------------------------------------------ retention

    def ended_before(self, cutoff: float) -> list[str]:
        """Ids of jobs that ended before ``cutoff`` (a time.time() value), oldest first."""
        rows = self._execute(
            "SELECT id FROM jobs WHERE status IN (?, ?, ?) AND finished < ? ORDER BY finished",
            (SUCCEEDED, FAILED, CANCELLED, cutoff),
        )
        return [r["id"] for r in rows.fetchall()]

    def all_ids(self) -> set[str]:
        return {r["id"] for r in self._execute("SELECT id FROM jobs").fetchall()}

    def delete(self, job_ids: list[str]) -> None:
        """Forget ended jobs (their rows; the caller removes their folders first)."""
        for job_id in job_ids:
            self._execute(
                "DELETE FROM jobs WHERE id = ? AND status IN (?, ?, ?)",
                (job_id, SUCCEEDED, FAILED, CANCELLED),
            )
