"""The spec sheet for the client and the bench, as JSON and as a self-contained HTML page
(the images sit next to it): size in every system, metal and weight, stones, overall
dimensions, check results and the views."""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path

from ..jewelry import sizes


def spec_data(result, dims: dict, stated: dict, files: dict, out_dir) -> dict:
    """Everything the sheet shows, as plain data. Weight, volume, size and checks are the
    build report's own figures; dimensions are measured on the meshes."""
    report = result.report
    out_dir = Path(out_dir)

    def rel(path):
        return None if path is None else os.path.relpath(path, out_dir).replace(os.sep, "/")

    gems_by_index = report.get("gems", [])
    stones = []
    for i, measured in enumerate(dims["stones"]):
        gem = gems_by_index[i] if i < len(gems_by_index) else {}
        count = gem.get("count", 1)
        stones.append(
            {
                "where": gem.get("where", ""),
                "cut": gem.get("cut", measured["cut"]),
                "stone": measured["stone"],
                "size_mm": gem.get("size_mm"),
                "measured_mm": {
                    "length": measured["length_mm"],
                    "width": measured["width_mm"],
                    "depth": measured["depth_mm"],
                }
                if count == 1
                else None,  # a group's box is not a stone's size
                "carat": gem.get("carat", measured["carat"]),  # each stone
                "carat_total": gem.get("carat_total", measured["carat"]),
                "measured_carat": measured["carat"],  # the group's meshes, weighed
                "count": count,
            }
        )
    return {
        "name": report.get("name"),
        "spec": result.spec.to_dict(),
        "size": {
            "design": report["size"]["spec"],
            "inner_diameter_mm": report["inner_diameter_mm"],
            "inner_circumference_mm": report["inner_circumference_mm"],
            "systems": report["size"]["nearest"],
        },
        "metal": {
            **report["metal"],
            "volume_mm3": report["volume_mm3"],
            "weight_g": report["weight_g"],
        },
        "stones": stones,
        "stones_total": {
            "count": sum(st["count"] for st in stones),
            "carat": round(sum(st["carat_total"] for st in stones), 4),
        },
        "dimensions_mm": {
            "inner_diameter": dims["inner_diameter_mm"],
            "shank_width": dims["shank_width_mm"],
            "shank_thickness": dims["shank_thickness_mm"],
            "head_height": dims["head_height_mm"],
            "overall": dims["overall_mm"],
        },
        "drawing": {"scale": stated.get("scale"), "stated": stated},
        "checks": report["checks"],
        "passed": report["passed"],
        "views": {
            name: {"label": label, "file": rel(path)}
            for name, (label, path) in files["renders"].items()
        },
        "files": {
            key: rel(files.get(key))
            for key in ("contact_sheet", "drawing_png", "drawing_svg", "glb", "viewer")
        },
        "turntable": {kind: rel(path) for kind, path in (files.get("turntable") or {}).items()}
        or None,
    }


def write_json(data: dict, path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _row(*cells, head=False) -> str:
    tag = "th" if head else "td"
    return "<tr>" + "".join(f"<{tag}>{escape(str(c))}</{tag}>" for c in cells) + "</tr>"


STYLE = (
    "body{font-family:Inter,Helvetica,Arial,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;"
    "padding:4px 10px;text-align:left}th{background:#f4f4f4}.views{display:flex;"
    "flex-wrap:wrap;gap:12px}figure{margin:0;text-align:center}figure img{width:260px;"
    "border:1px solid #eee}model-viewer{width:min(100%,640px);height:480px;"
    "background:#fff;border:1px solid #eee;display:block}"
)

# Marks the page when the model is drawn (or failed): for people, a line under the
# viewer; for browser tests, data-model on <body>.
VIEWER_SCRIPT = """<script>
(function () {
  var viewer = document.getElementById("ring-3d"), note = document.getElementById("viewer-note");
  viewer.addEventListener("load", function () {
    document.body.dataset.model = "loaded";
    note.textContent = "Drag to turn, scroll to zoom.";
  });
  viewer.addEventListener("error", function () {
    document.body.dataset.model = "error";
    note.textContent = "This browser could not show the 3D model (WebGL is off?); the GLB is linked below.";
  });
})();
</script>"""


def _viewer(data: dict, glb_uri: str | None) -> list[str]:
    files = data["files"]
    if not (glb_uri and files.get("viewer")):
        return []
    return [
        "<h2>3D model</h2>",
        f'<script src="{escape(files["viewer"])}"></script>',
        f'<model-viewer id="ring-3d" src="{escape(glb_uri)}" camera-controls '
        'environment-image="neutral" tone-mapping="neutral" shadow-intensity="0.5" '
        'camera-orbit="30deg 72deg 115%" max-camera-orbit="auto 180deg 400%" '
        'interaction-prompt="none" '
        f'alt="3D model of {escape(data["name"] or "the ring")}"></model-viewer>',
        '<p id="viewer-note">Loading the 3D model...</p>',
        VIEWER_SCRIPT,
    ]


def _pictures(data: dict) -> list[str]:
    """How the pictures were made: the preset stated for the client and the bench."""
    r = data.get("render")
    if not r:
        return []
    parts = [
        "<h2>Pictures</h2><table>",
        _row("Preset", f"{r['preset']}: {r['purpose']}"),
        _row("Renders", f"{r['size']} px, {r['samples']} samples, {r['device']}"),
        _row("Light", f"{r['light']} (Cycles)"),
        _row("Denoiser", r["denoiser"]),
    ]
    if r.get("turntable"):
        t = r["turntable"]
        parts.append(
            _row("Turntable", f"{t['frames']} frames, {t['size']} px, {t['samples']} samples")
        )
    parts.append("</table>")
    return parts


def write_html(data: dict, path, glb_uri: str | None = None) -> Path:
    """The page: the 3D viewer (model-viewer beside the sheet, the GLB inline as
    `glb_uri`), the figures, the renders, the turntable and the drawing."""
    size, metal, dims = data["size"], data["metal"], data["dimensions_mm"]
    o = dims["overall"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(data['name'] or 'Aura ring')} - spec sheet</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(data['name'] or 'Aura ring')}</h1>",
        *_viewer(data, glb_uri),
        "<h2>Size</h2><table>",
        _row("Design size", size["design"]),
        _row("Inner diameter", f"{size['inner_diameter_mm']:.2f} mm"),
        _row("Inner circumference", f"{size['inner_circumference_mm']:.2f} mm"),
        "</table><table>",
        _row("System", "Nearest size", "Its inner diameter (mm)", "Difference (mm)", head=True),
    ]
    for system in sizes.SYSTEMS:
        near = size["systems"][system]
        parts.append(
            _row(system, near["label"], f"{near['diameter_mm']:.3f}", f"{near['delta_mm']:+.3f}")
        )
    parts += [
        "</table><h2>Metal</h2><table>",
        _row("Alloy", metal["label"]),
        _row("Density", f"{metal['density_g_cm3']} g/cm³"),
        _row("Volume", f"{metal['volume_mm3']:.1f} mm³"),
        _row("Weight", f"{metal['weight_g']:.2f} g"),
        "</table>",
    ]
    if data["stones"]:
        parts += [
            "<h2>Bill of stones</h2><table>",
            _row("Where", "Cut", "Stone", "Size (mm)", "Count", "Carat each", "Carat", head=True),
        ]
        for s in data["stones"]:
            size = " x ".join(f"{v:.2f}" for v in (s["size_mm"] or []))
            parts.append(
                _row(
                    s["where"],
                    s["cut"],
                    s["stone"],
                    size,
                    s["count"],
                    f"{s['carat']:.3f}",
                    f"{s['carat_total']:.2f}",
                )
            )
        total = data["stones_total"]
        parts.append(_row("Total", "", "", "", total["count"], "", f"{total['carat']:.2f}"))
        parts.append("</table>")
    parts += [
        "<h2>Dimensions (mm, measured on the model)</h2><table>",
        _row("Shank width", f"{dims['shank_width']:.2f}"),
        _row("Shank thickness", f"{dims['shank_thickness']:.2f}"),
        _row("Head height, finger to top", f"{dims['head_height']:.2f}"),
        _row(
            "Overall (wide x long x high)",
            f"{o['width_x']:.2f} x {o['length_y']:.2f} x {o['height_z']:.2f}",
        ),
        "</table><h2>Checks</h2><table>",
        _row("Check", "Result", "Value", "Limit", "Meaning", head=True),
    ]
    for c in data["checks"]:
        parts.append(
            _row(
                c["name"],
                "pass" if c["passed"] else "FAIL",
                c["value"],
                c["threshold"],
                c["message"],
            )
        )
    parts += ['</table><h2>Views</h2><div class="views">']
    for view in data["views"].values():
        parts.append(
            f'<figure><img src="{escape(view["file"])}" alt="{escape(view["label"])}">'
            f"<figcaption>{escape(view['label'])}</figcaption></figure>"
        )
    parts.append("</div>")
    turn = data.get("turntable")
    if turn:
        moving = turn.get("webp") or turn.get("gif")
        parts.append("<h2>Turntable</h2>")
        parts.append(f'<img src="{escape(moving)}" width="400" alt="The ring turning">')
        if turn.get("mp4"):
            parts.append(f'<p><a href="{escape(turn["mp4"])}">Turntable video (MP4)</a></p>')
    parts += _pictures(data)
    files = data["files"]
    links = [
        (files["drawing_svg"], "Technical drawing (SVG, to scale)"),
        (files["drawing_png"], "Technical drawing (PNG)"),
        (files["contact_sheet"], "Contact sheet"),
        (files["glb"], "3D model (GLB)"),
    ]
    parts.append("<h2>Files</h2><ul>")
    parts += [f'<li><a href="{escape(f)}">{escape(text)}</a></li>' for f, text in links if f]
    parts.append("</ul>")
    if files["drawing_png"]:
        parts.append(
            f'<h2>Technical drawing</h2><img src="{escape(files["drawing_png"])}" style="width:100%" alt="Technical drawing">'
        )
    parts.append("</body></html>")
    path = Path(path)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
