"""A turntable: the camera goes once round the ring (36 frames, every 10 degrees) at a
three-quarter height, always at the same distance so the ring does not breathe; written as
an animated WebP (a GIF where Pillow has no WebP) and, where ffmpeg is installed, an MP4."""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import render, studio

ELEVATION = math.radians(22)  # above the ring's plane: the stone and the band both show
FRAME_MS = 100  # 10 frames a second: one turn in 3.6 s


def directions(frames: int) -> list[tuple[float, float, float]]:
    """From the subject toward the camera, starting at the front and turning about the
    ring's vertical axis (+Z)."""
    c, s = math.cos(ELEVATION), math.sin(ELEVATION)
    return [
        (c * math.sin(a), -c * math.cos(a), s)
        for a in (2 * math.pi * i / frames for i in range(frames))
    ]


def render_turntable(stage, out_dir, frames: int, progress=None) -> dict:
    """Render the frames in `stage` (already configured) and encode them. Returns the files
    ("webp" or "gif", "mp4" or None) and "skipped" reasons."""
    out = Path(out_dir)
    points = stage.subject.all
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    views = [studio.View(f"turn {i}", "Turntable", d) for i, d in enumerate(directions(frames))]
    fits = [studio.fit_camera(points, v) for v in views]
    # one distance for every frame: the farthest any frame needs
    reach = max(float(np.linalg.norm(np.array(loc) - centre)) for loc, _rot in fits)
    written, skipped = {}, {}
    stage.show_section(False)
    with tempfile.TemporaryDirectory(prefix="aura_turntable_") as tmp:
        paths = []
        for i, view in enumerate(views):
            back = studio.camera_basis(view.direction, view.up)[2]
            location = centre + back * reach
            stage.place_camera(location, studio.fit_camera(points, view)[1], centre)
            paths.append(render.render_still(stage.scene, Path(tmp) / f"frame_{i:03d}.png"))
            if progress is not None:
                progress(i + 1, frames)
        written.update(_animation(paths, out))
        mp4, reason = _mp4(Path(tmp), out / "turntable.mp4")
        written["mp4"] = mp4
        if reason:
            skipped["turntable_mp4"] = reason
    return {"files": written, "skipped": skipped}


def _animation(paths: list[Path], out: Path) -> dict:
    from PIL import Image, features

    frames = [Image.open(p).convert("RGB") for p in paths]
    if features.check("webp"):
        path = out / "turntable.webp"
        frames[0].save(
            path,
            save_all=True,
            append_images=frames[1:],
            duration=FRAME_MS,
            loop=0,
            quality=85,
            method=4,
        )
        return {"webp": str(path), "gif": None}
    path = out / "turntable.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=FRAME_MS, loop=0)
    return {"webp": None, "gif": str(path)}


def _mp4(frames_dir: Path, path: Path) -> tuple[str | None, str | None]:
    """H.264 in yuv420p (what every browser and phone plays), found at run time."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None, "ffmpeg is not installed (the animated image was written)"
    command = [
        ffmpeg,
        "-y",
        "-loglevel",
        "error",
        "-framerate",
        str(1000 // FRAME_MS),
        "-i",
        str(frames_dir / "frame_%03d.png"),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-crf",
        "20",
        "-vf",
        "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white",  # yuv420p needs even sides
        "-movflags",
        "+faststart",
        str(path),
    ]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0 or not path.is_file():
        return None, f"ffmpeg could not write the MP4: {proc.stderr.strip()[-300:]}"
    return str(path), None
