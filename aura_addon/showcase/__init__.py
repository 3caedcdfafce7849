"""The showcase: everything a jeweler hands to a client and to the bench, made from the one
model, so every view shows the same piece by construction.

`make_showcase(result, out_dir)` writes product renders (Cycles), a contact sheet, a
technical drawing with measured dimensions (SVG and PNG), a GLB in metres and a spec sheet
(HTML and JSON). Needs bpy (imported when called, so this package imports anywhere); the drawing's PNG and the contact sheet need Pillow (without it
they are skipped and the reason is given).
"""

from __future__ import annotations

import time
from pathlib import Path

from .options import (
    QUICK_SAMPLES,
    QUICK_SIZE,
    VIEW_NAMES,
    ShowcaseError,
    check_options,
    check_views,
)

__all__ = ["QUICK_SAMPLES", "QUICK_SIZE", "ShowcaseError", "VIEW_NAMES", "make_showcase"]

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
    size: int = QUICK_SIZE,
    samples: int = QUICK_SAMPLES,
    views=None,
    device: str = "auto",
    progress=None,
) -> dict:
    """Write the showcase of a pipeline.BuildResult into `out_dir`. Returns the files
    written ("renders": {view: path}, "contact_sheet", "drawing_png", "drawing_svg", "glb",
    "spec_html", "spec_json"), the figures stated on the drawing ("dimensions"), the
    measurements ("measured"), anything "skipped" with the reason, and "timings_s".
    `progress(done, total, what)` is called as the work goes (for a progress bar).
    The user's scene, objects, selection and world are left as they were."""
    from . import drawing, glb, measure, render, specsheet, studio
    from .sheet import pillow_available

    check_options(size, samples, device)
    names = check_views(views)
    result = _measured(result)
    out = Path(out_dir)
    timings = {}
    total_steps = len(names) + 3
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
        render.configure(stage.scene, size, samples, gpu)
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
    files["device"] = "GPU" if gpu else "CPU"

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
    data["render"] = {"size": size, "samples": samples, "device": files["device"], "views": names}
    written = {
        "renders": {name: path for name, (_label, path) in files["renders"].items()},
        "contact_sheet": files["contact_sheet"],
        "drawing_png": files["drawing_png"],
        "drawing_svg": files["drawing_svg"],
        "glb": files["glb"],
        "spec_json": str(out / "spec_sheet.json"),
        "spec_html": str(out / "spec_sheet.html"),
    }
    timings["total"] = round(time.perf_counter() - t0, 3)
    data["timings_s"] = timings
    specsheet.write_json(data, written["spec_json"])
    specsheet.write_html(data, written["spec_html"])
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
