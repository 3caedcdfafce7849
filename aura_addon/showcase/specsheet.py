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
            for key in ("contact_sheet", "drawing_png", "drawing_svg", "glb")
        },
    }


def write_json(data: dict, path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _row(*cells, head=False) -> str:
    tag = "th" if head else "td"
    return "<tr>" + "".join(f"<{tag}>{escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def write_html(data: dict, path) -> Path:
    """A plain page (no scripts, no external files but the images beside it)."""
    size, metal, dims = data["size"], data["metal"], data["dimensions_mm"]
    o = dims["overall"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(data['name'] or 'Aura ring')} - spec sheet</title>",
        "<style>body{font-family:Inter,Helvetica,Arial,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;"
        "padding:4px 10px;text-align:left}th{background:#f4f4f4}.views{display:flex;"
        "flex-wrap:wrap;gap:12px}figure{margin:0;text-align:center}figure img{width:260px;"
        "border:1px solid #eee}</style></head><body>",
        f"<h1>{escape(data['name'] or 'Aura ring')}</h1>",
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
