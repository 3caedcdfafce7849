"""Cycles settings for the showcase: CPU by default (it works headless everywhere), the GPU
when one is there, few samples and OpenImageDenoise for the quick default."""

from __future__ import annotations

import contextlib
from pathlib import Path

import bpy

# The quick default: the whole showcase (7 views) within 30 s on 2 CPU cores (see
# scripts/bench_showcase.py); a client set is e.g. size 1200, samples 128.
QUICK_SIZE = 320
QUICK_SAMPLES = 16
SIZE_RANGE = (32, 4096)
SAMPLES_RANGE = (1, 4096)
DEVICES = ("auto", "cpu", "gpu")
GPU_BACKENDS = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")


class ShowcaseError(ValueError):
    """A showcase option that is not allowed; the message names it and what is allowed."""


def check_options(size, samples, device) -> None:
    for name, value, (lo, hi) in (("size", size, SIZE_RANGE), ("samples", samples, SAMPLES_RANGE)):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ShowcaseError(
                f"{name}: {value!r} is not allowed; a whole number from {lo} to {hi}"
            )
    if device not in DEVICES:
        raise ShowcaseError(f"device: {device!r} is not allowed; allowed: {', '.join(DEVICES)}")


def denoiser_available() -> bool:
    try:
        import _cycles
    except ImportError:
        return False
    return bool(getattr(_cycles, "with_openimagedenoise", False))


def configure(scene: bpy.types.Scene, size: int, samples: int, gpu: bool) -> None:
    """Cycles on a square frame with an opaque white world and the Standard view transform
    (so that the white background is exactly white, not AgX's grey)."""
    scene.render.engine = "CYCLES"
    cycles = scene.cycles
    cycles.device = "GPU" if gpu else "CPU"
    cycles.samples = samples
    cycles.use_adaptive_sampling = True
    cycles.adaptive_threshold = 0.05
    cycles.use_denoising = denoiser_available()
    if cycles.use_denoising:
        # BALANCED with prefiltered guides: as clean as HIGH at few samples, a third cheaper
        cycles.denoiser = "OPENIMAGEDENOISE"
        cycles.denoising_input_passes = "RGB_ALBEDO_NORMAL"
        cycles.denoising_prefilter = "ACCURATE"
        cycles.denoising_quality = "BALANCED"
    cycles.sample_clamp_indirect = 5.0  # no fireflies for the denoiser to smear
    # enough bounces for light to get into a faceted stone and out again
    cycles.max_bounces = 8
    cycles.diffuse_bounces = 2
    cycles.glossy_bounces = 4
    cycles.transmission_bounces = 8
    cycles.transparent_max_bounces = 4
    cycles.caustics_reflective = False
    cycles.caustics_refractive = False
    cycles.blur_glossy = 1.0
    render = scene.render
    render.resolution_x = render.resolution_y = size
    render.resolution_percentage = 100
    render.film_transparent = False
    render.use_persistent_data = True  # the views share one scene: sync it once
    render.image_settings.file_format = "PNG"
    render.image_settings.color_mode = "RGB"
    render.image_settings.color_depth = "8"
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0


@contextlib.contextmanager
def compute_device(device: str = "auto"):
    """Yields True when Cycles may use a GPU. Turns on the GPUs it finds in Cycles'
    preferences for the duration, and puts the preferences back as they were afterwards."""
    if device == "cpu":
        yield False
        return
    addon = bpy.context.preferences.addons.get("cycles")
    prefs = addon.preferences if addon else None
    if prefs is None:
        if device == "gpu":
            raise ShowcaseError("device: 'gpu' asked for, but Cycles is not available")
        yield False
        return
    saved_type = prefs.compute_device_type
    saved_use = {}
    chosen = None
    for backend in GPU_BACKENDS:
        try:
            prefs.compute_device_type = backend
            found = [d for d in prefs.get_devices_for_type(backend) if d.type == backend]
        except (TypeError, ValueError, RuntimeError):  # backend not built in
            continue
        if found:
            chosen = backend
            for d in found:
                saved_use[d.id] = d.use
                d.use = True
            break
    try:
        if chosen is None:
            prefs.compute_device_type = saved_type
            if device == "gpu":
                raise ShowcaseError(
                    "device: 'gpu' asked for, but no GPU was found; use 'auto' or 'cpu'"
                )
        yield chosen is not None
    finally:
        for d in prefs.devices:
            if d.id in saved_use:
                d.use = saved_use[d.id]
        prefs.compute_device_type = saved_type


def render_still(scene: bpy.types.Scene, path) -> Path:
    """Render the scene's camera to a PNG file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True, scene=scene.name)
    if not path.exists():
        raise RuntimeError(f"Cycles wrote no image to {path}")
    return path
