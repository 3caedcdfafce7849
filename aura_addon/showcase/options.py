"""The showcase's options and their limits, without bpy: the batch script checks a command
line against them before it loads Blender."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Preset:
    """A render quality: frame size, samples, how far adaptive sampling may stop early and
    how hard the denoiser works; the turntable's frame size and samples."""

    name: str
    size: int
    samples: int
    noise_threshold: float
    denoise: str  # OpenImageDenoise quality: FAST | BALANCED | HIGH
    turntable_size: int
    turntable_samples: int
    purpose: str


# quick: the whole showcase (7 views) within 30 s on 2 CPU cores (scripts/bench_showcase.py);
# client: large and clean enough to send (measured in the same script, --preset client).
PRESETS = {
    p.name: p
    for p in (
        Preset("quick", 320, 16, 0.05, "BALANCED", 256, 8, "a fast look while designing"),
        Preset("client", 1024, 64, 0.02, "HIGH", 512, 32, "clean pictures to send a client"),
    )
}
QUICK_SIZE = PRESETS["quick"].size
QUICK_SAMPLES = PRESETS["quick"].samples
TURNTABLE_FRAMES = 36  # every 10 degrees
SIZE_RANGE = (32, 4096)
SAMPLES_RANGE = (1, 4096)
DEVICES = ("auto", "cpu", "gpu")
VIEW_NAMES = ("front", "side", "top", "three_quarter", "back", "head", "shank")


class ShowcaseError(ValueError):
    """A showcase option that is not allowed; the message names it and what is allowed."""


def check_options(size, samples, device="auto") -> None:
    for name, value, (lo, hi) in (("size", size, SIZE_RANGE), ("samples", samples, SAMPLES_RANGE)):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ShowcaseError(
                f"{name}: {value!r} is not allowed; a whole number from {lo} to {hi}"
            )
    if device not in DEVICES:
        raise ShowcaseError(f"device: {device!r} is not allowed; allowed: {', '.join(DEVICES)}")


def check_preset(name) -> Preset:
    if name not in PRESETS:
        raise ShowcaseError(f"preset: {name!r} is not allowed; allowed: {', '.join(PRESETS)}")
    return PRESETS[name]


def check_views(views) -> list[str]:
    """None: every view; else a list (or a comma-separated text) of view names."""
    if views is None:
        return list(VIEW_NAMES)
    if isinstance(views, str):
        views = [v.strip() for v in views.split(",") if v.strip()]
    chosen = list(dict.fromkeys(views))
    unknown = [v for v in chosen if v not in VIEW_NAMES]
    if unknown or not chosen:
        raise ShowcaseError(
            f"views: {', '.join(map(repr, unknown)) or 'none given'} not allowed; "
            f"allowed: {', '.join(VIEW_NAMES)}"
        )
    return chosen


# The files make_showcase writes (besides one render per view); the batch script checks them
# before a run so nothing is overwritten without --force.
SHOWCASE_FILES = (
    "ring.glb",
    "drawing.png",
    "drawing.svg",
    "contact_sheet.png",
    "spec_sheet.json",
    "spec_sheet.html",
)


VIEWER_SOURCE = Path(__file__).with_name("viewer")  # the 3D viewer and its licences
VIEWER_FOLDER = "viewer"  # copied beside the sheet


def planned_files(out_dir, views=None) -> list[Path]:
    """Every file a showcase of these views writes into `out_dir` (the turntable's aside)."""
    out = Path(out_dir)
    renders = [out / f"view_{name}.png" for name in check_views(views)]
    viewer = [out / VIEWER_FOLDER / p.name for p in sorted(VIEWER_SOURCE.iterdir()) if p.is_file()]
    return [*renders, *(out / name for name in SHOWCASE_FILES), *viewer]
