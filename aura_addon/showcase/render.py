"""Cycles settings for the showcase: CPU by default (it works headless everywhere), the GPU
when one is there, few samples and OpenImageDenoise for the quick default."""

from __future__ import annotations

import contextlib
from pathlib import Path

import bpy
import numpy as np

from .options import PRESETS, Preset, ShowcaseError

GPU_BACKENDS = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")


def denoiser_available() -> bool:
    try:
        import _cycles
    except ImportError:
        return False
    return bool(getattr(_cycles, "with_openimagedenoise", False))


def denoiser_label(preset: Preset) -> str:
    """The denoiser as the spec sheet states it."""
    if denoiser_available():
        return f"OpenImageDenoise ({preset.denoise.lower()} quality)"
    return "none (this Blender has no OpenImageDenoise)"


def configure(
    scene: bpy.types.Scene, size: int, samples: int, gpu: bool, preset: Preset = PRESETS["quick"]
) -> None:
    """Cycles on a square frame, the Standard view transform (white stays white, not AgX's
    grey) and a transparent film: the ring is laid on pure white afterwards (the denoiser
    would otherwise tint a rendered white background, most at few samples). The preset
    sets how clean: the noise threshold and the denoiser's effort."""
    scene.render.engine = "CYCLES"
    cycles = scene.cycles
    cycles.device = "GPU" if gpu else "CPU"
    cycles.samples = samples
    cycles.use_adaptive_sampling = True
    cycles.adaptive_threshold = preset.noise_threshold
    cycles.use_denoising = denoiser_available()
    if cycles.use_denoising:
        # BALANCED with prefiltered guides: as clean as HIGH at few samples, a third cheaper
        cycles.denoiser = "OPENIMAGEDENOISE"
        cycles.denoising_input_passes = "RGB_ALBEDO_NORMAL"
        cycles.denoising_prefilter = "ACCURATE"
        cycles.denoising_quality = preset.denoise
    cycles.sample_clamp_indirect = 5.0  # no fireflies for the denoiser to smear
    # enough bounces for light to get into a faceted stone, be totally reflected inside a
    # brilliant's pavilion (that is where its brightness comes from) and get out again
    cycles.max_bounces = 12
    cycles.diffuse_bounces = 2
    cycles.glossy_bounces = 6
    cycles.transmission_bounces = 12
    cycles.transparent_max_bounces = 4
    cycles.caustics_reflective = False
    cycles.caustics_refractive = False
    cycles.blur_glossy = 1.0
    render = scene.render
    render.resolution_x = render.resolution_y = size
    render.resolution_percentage = 100
    render.film_transparent = True
    render.use_persistent_data = True  # the views share one scene: sync it once
    render.image_settings.file_format = "PNG"
    render.image_settings.color_mode = "RGBA"
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
    """Render the scene's camera to a PNG file: the ring on pure white, RGB."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True, scene=scene.name)
    if not path.exists():
        raise RuntimeError(f"Cycles wrote no image to {path}")
    lay_on_white(path)
    return path


def lay_on_white(path: Path) -> None:
    """Composite an RGBA PNG over white and write it back as RGB (Blender's image API:
    no Pillow needed inside Blender). Works on the stored 8-bit display values."""
    source = bpy.data.images.load(str(path), check_existing=False)
    flat = None
    try:
        width, height = source.size
        px = np.empty(width * height * 4, dtype=np.float32)
        source.pixels.foreach_get(px)
        px = px.reshape(-1, 4)
        alpha = px[:, 3:4]
        px[:, :3] = px[:, :3] * alpha + (1.0 - alpha)
        px[:, 3] = 1.0
        flat = bpy.data.images.new(f"{source.name} on white", width, height, alpha=False)
        flat.pixels.foreach_set(px.ravel())
        flat.filepath_raw = str(path)
        flat.file_format = "PNG"
        flat.save()
    finally:
        bpy.data.images.remove(source)
        if flat is not None:
            bpy.data.images.remove(flat)
