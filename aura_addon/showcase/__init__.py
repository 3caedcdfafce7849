"""The showcase: everything a jeweler hands to a client and to the bench, made from the one
model, so every view shows the same piece by construction.

`make_showcase(result, out_dir)` writes product renders (Cycles, in a procedural jewelry
studio; preset `quick` or `client`), a contact sheet, a technical drawing with measured
dimensions (SVG and PNG), a GLB in metres, optionally a turntable (animated WebP or GIF,
MP4 with ffmpeg) and a spec sheet (HTML with an offline 3D viewer, and JSON). Needs bpy
(imported when called, so this package imports anywhere); the drawing's PNG and the
contact sheet need Pillow (without it they are skipped and the reason is given).
"""

from __future__ import annotations

import time
from pathlib import Path

from .options import (
    PRESETS,
    QUICK_SAMPLES,
    QUICK_SIZE,
    TURNTABLE_FRAMES,
    VIEW_NAMES,
    ShowcaseError,
    check_options,
    check_preset,
    check_views,
)

__all__ = [
    "PRESETS",
    "QUICK_SAMPLES",
    "QUICK_SIZE",
    "ShowcaseError",
    "VIEW_NAMES",
    "make_showcase",
]

# What the sheets read from the build report.
SHOWN = ("name", "size", "inner_diameter_mm", "inner_circumference_mm", "metal", "volume_mm3",
         "weight_g", "checks", "passed", "gems")  # fmt: skip


def _measured(result):
    """The result with a report holding every figure the sheets show. A build's or a Check's
    report does; any other (an older design's) is made again from the mesh by the one
    report function, never patched here."""
    import dataclasses

    from ..builder import pipeline

    if all(key in (result.report or {}) for key in SHOWN):
        return result
    return pipeline.recheck(dataclasses.replace(result, report=dict(result.report or {})))


def make_showcase(
    result,
    out_dir,
    *,
    preset: str = "quick",
    size: int | None = None,
    samples: int | None = None,
    views=None,
    device: str = "auto",
    turntable: bool = False,
    progress=None,
) -> dict:
    """Write the showcase of a pipeline.BuildResult into `out_dir`. `preset` (quick |
    client) sets the quality; `size` and `samples` override its figures. Returns the files
    written ("renders": {view: path}, "contact_sheet", "drawing_png", "drawing_svg", "glb",
    "turntable" {"webp", "gif", "mp4"} or None, "viewer", "spec_html", "spec_json"), the
    figures stated on the drawing ("dimensions"), the measurements ("measured"), anything
    "skipped" with the reason, and "timings_s".
    `progress(done, total, what)` is called as the work goes (for a progress bar).
    The user's scene, objects, selection and world are left as they were."""
    from . import drawing, glb, measure, render, specsheet, studio, viewer
    from . import turntable as turn
    from .sheet import pillow_available

    chosen = check_preset(preset)
    size = chosen.size if size is None else size
    samples = chosen.samples if samples is None else samples
    check_options(size, samples, device)
    names = check_views(views)
    if turntable and not pillow_available():
        raise ShowcaseError("turntable: needs Pillow, which is not in this Python")
    result = _measured(result)
    # the turntable is never larger nor cleaner than the stills asked for
    turn_size = min(size, chosen.turntable_size)
    turn_samples = min(samples, chosen.turntable_samples)
    out = Path(out_dir)
    timings = {}
    total_steps = len(names) + 3 + (TURNTABLE_FRAMES if turntable else 0)
    step = 0

    def advance(what: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, total_steps, what)

    t0 = time.perf_counter()
    dims = measure.measure(result)
    out.mkdir(parents=True, exist_ok=True)
    files: dict = {"renders": {}}
    skipped = {}
    t = time.perf_counter()
    with studio.Stage(result) as stage, render.compute_device(device) as gpu:
        render.configure(stage.scene, size, samples, gpu, chosen)
        files["light"] = stage.rig.name
        for name in names:
            view = studio.VIEWS[name]
            stage.aim(view)
            path = render.render_still(stage.scene, out / f"view_{name}.png")
            files["renders"][name] = (view.label, str(path))
            advance(f"rendered {view.label}")
        timings["renders"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        files["glb"] = str(glb.export_glb(stage, out / "ring.glb"))
        timings["glb"] = round(time.perf_counter() - t, 3)
        advance("wrote the GLB")
        files["turntable"] = None
        if turntable:
            t = time.perf_counter()
            render.configure(stage.scene, turn_size, turn_samples, gpu, chosen)
            turned = turn.render_turntable(
                stage, out, TURNTABLE_FRAMES, lambda i, n: advance(f"turntable frame {i}/{n}")
            )
            files["turntable"] = turned["files"]
            skipped.update(turned["skipped"])
            timings["turntable"] = round(time.perf_counter() - t, 3)
    files["device"] = "GPU" if gpu else "CPU"
    files["viewer"] = str(viewer.copy_viewer(out))

    t = time.perf_counter()
    sheet = drawing.make_drawing(result, dims, out / "drawing.png", out / "drawing.svg")
    files["drawing_svg"] = sheet["files"]["svg"]
    files["drawing_png"] = sheet["files"].get("png")
    timings["drawing"] = round(time.perf_counter() - t, 3)
    advance("drew the technical sheet")

    t = time.perf_counter()
    if pillow_available():
        files["contact_sheet"] = str(_contact_sheet(result, files["renders"], out, drawing))
    else:
        reason = "Pillow is not available in this Python (the SVG drawing was written)"
        skipped.update({"contact_sheet": reason, "drawing_png": reason})
        files["contact_sheet"] = None
    timings["contact_sheet"] = round(time.perf_counter() - t, 3)
    advance("made the contact sheet")

    data = specsheet.spec_data(result, dims, sheet["stated"], files, out)
    data["render"] = {
        "preset": chosen.name,
        "purpose": chosen.purpose,
        "size": size,
        "samples": samples,
        "noise_threshold": chosen.noise_threshold,
        "denoiser": render.denoiser_label(chosen),
        "light": files["light"],
        "device": files["device"],
        "views": names,
        "turntable": (
            {"frames": TURNTABLE_FRAMES, "size": turn_size, "samples": turn_samples}
            if turntable
            else None
        ),
    }
    written = {
        "renders": {name: path for name, (_label, path) in files["renders"].items()},
        "contact_sheet": files["contact_sheet"],
        "drawing_png": files["drawing_png"],
        "drawing_svg": files["drawing_svg"],
        "glb": files["glb"],
        "turntable": files["turntable"],
        "viewer": files["viewer"],
        "spec_json": str(out / "spec_sheet.json"),
        "spec_html": str(out / "spec_sheet.html"),
    }
    timings["total"] = round(time.perf_counter() - t0, 3)
    data["timings_s"] = timings
    specsheet.write_json(data, written["spec_json"])
    specsheet.write_html(data, written["spec_html"], viewer.glb_data_uri(files["glb"]))
    written.update(
        dimensions=sheet["stated"],
        measured=dims,
        device=files["device"],
        skipped=skipped,
        timings_s=timings,
    )
    return written


def _contact_sheet(result, renders: dict, out: Path, drawing) -> Path:
    from . import contact

    report = result.report
    subtitle = f"{report['size']['spec']} · {report['metal']['label']} · {report['weight_g']:.2f} g"
    if report.get("gems"):
        g = report["gems"][0]
        subtitle += f" · {g['carat']:.2f} ct {g['cut']} {g['stone']}"
    return contact.contact_sheet(
        list(renders.values()),
        out / "contact_sheet.png",
        title=report.get("name") or "Aura ring",
        subtitle=subtitle,
        font_path=drawing.lettering_font(),
    )
