"""Retention for the add-on's download folders (motif meshes, concept images).

Every Generate and every Concept Images adds files; without a limit the folders grow for
as long as Aura is used. A file is kept while it is recent (used within `keep_days`; using a
file touches it) and while the folder stays under `keep_mb`, oldest going first; files named
in `keep` (the motif of the design open now) are never removed. Standard library only.
"""

from __future__ import annotations

import time
from pathlib import Path

KEEP_DAYS = 30.0
KEEP_MB = 1024.0


def touch(path: Path) -> None:
    """Mark a file as used now, so retention counts its age from today."""
    try:
        Path(path).touch(exist_ok=True)
    except OSError:
        pass  # a read-only file is simply kept by age


def prune(
    folder: Path, *, keep_days: float = KEEP_DAYS, keep_mb: float = KEEP_MB, keep=()
) -> list[Path]:
    """Remove what retention allows from `folder` (its files only); returns what went."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    spared = {Path(p).resolve() for p in keep}
    files = []
    for path in folder.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.resolve() not in spared:
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        except OSError:
            continue
    files.sort()  # oldest first
    cutoff = time.time() - keep_days * 86400
    total = sum(size for _mtime, size, _path in files)
    removed = []
    for mtime, size, path in files:
        if mtime >= cutoff and total <= keep_mb * 2**20:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed.append(path)
    return removed
