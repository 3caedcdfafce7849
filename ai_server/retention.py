"""Retention: what the server deletes so its data dir does not grow for ever.

Ended jobs (succeeded, failed, cancelled) go, row and folder, once older than ``keep_days``;
past ``keep_mb`` in all, the oldest ended jobs go first until the rest fits. Queued and
running jobs are never touched, nor a job that ended in the last RECENT_S seconds (its
client may still be downloading the mesh). Folders without a row (an upload whose request
failed half-way, a job deleted by hand) go once ORPHAN_S old. The sweep runs at startup and
every SWEEP_INTERVAL_S on the watchdog thread.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ai_server.jobs import JobStore

log = logging.getLogger("ai_server")

SWEEP_INTERVAL_S = 600.0
RECENT_S = 300.0
ORPHAN_S = 600.0


@dataclass
class Sweep:
    jobs_removed: int = 0
    orphans_removed: int = 0
    bytes_freed: int = 0


def folder_bytes(path: Path) -> int:
    total = 0
    for item in path.rglob("*"):
        try:
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
        except OSError:
            pass  # gone meanwhile
    return total


def sweep(store: JobStore, keep_days: float, keep_mb: float, now: float | None = None) -> Sweep:
    now = time.time() if now is None else now
    done = Sweep()
    known = store.all_ids()
    sizes = {}
    for folder in store.jobs_dir.iterdir():
        if folder.name in known:
            sizes[folder.name] = folder_bytes(folder)
        elif now - _modified(folder) > ORPHAN_S:
            done.bytes_freed += folder_bytes(folder) if folder.is_dir() else _size(folder)
            _remove(folder)
            done.orphans_removed += 1

    expired = store.ended_before(now - keep_days * 86400.0)
    over = sum(sizes.values()) - sum(sizes.get(i, 0) for i in expired) - keep_mb * 2**20
    doomed = list(expired)
    if over > 0:
        for job_id in store.ended_before(now - RECENT_S):  # oldest first
            if over <= 0:
                break
            if job_id not in expired:
                doomed.append(job_id)
                over -= sizes.get(job_id, 0)
    for job_id in doomed:
        folder = store.jobs_dir / job_id
        done.bytes_freed += sizes.get(job_id, 0)
        if folder.exists():
            _remove(folder)
    store.delete(doomed)
    done.jobs_removed = len(doomed)
    if done.jobs_removed or done.orphans_removed:
        log.info(
            "retention: removed %d ended jobs and %d orphan folders, %.1f MB freed",
            done.jobs_removed,
            done.orphans_removed,
            done.bytes_freed / 2**20,
        )
    return done


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
