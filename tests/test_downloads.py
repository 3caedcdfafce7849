"""Retention of the add-on's download folders: old and excess files go, files in use stay."""

from __future__ import annotations

import os
import time

from aura_addon.studio import downloads


def _file(folder, name, size, age_days):
    path = folder / name
    path.write_bytes(b"x" * size)
    stamp = time.time() - age_days * 86400
    os.utime(path, (stamp, stamp))
    return path


def test_old_files_go_recent_and_kept_stay(tmp_path):
    old = _file(tmp_path, "motif_old.obj", 10, 45)
    kept = _file(tmp_path, "motif_in_use.obj", 10, 90)
    new = _file(tmp_path, "motif_new.obj", 10, 1)
    (tmp_path / "sub").mkdir()
    removed = downloads.prune(tmp_path, keep_days=30, keep=[kept])
    assert removed == [old]
    assert not old.exists() and kept.exists() and new.exists() and (tmp_path / "sub").is_dir()


def test_over_the_size_cap_the_oldest_go_first(tmp_path):
    files = [_file(tmp_path, f"c{i}.png", 400_000, 5 - i) for i in range(5)]  # c0 oldest
    removed = downloads.prune(tmp_path, keep_mb=1.0)
    assert removed == files[:3]  # 2 x 400 kB fit under 1 MiB
    assert [p.exists() for p in files] == [False, False, False, True, True]


def test_touch_makes_a_file_recent_again(tmp_path):
    path = _file(tmp_path, "motif.obj", 10, 60)
    downloads.touch(path)
    assert downloads.prune(tmp_path, keep_days=30) == [] and path.exists()


def test_a_missing_folder_is_no_error(tmp_path):
    assert downloads.prune(tmp_path / "nothing") == []
