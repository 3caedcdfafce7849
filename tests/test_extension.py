"""The packaged extension: `scripts/build_extension.py` builds the zip with Blender's own
extension tool, the zip validates, holds the add-on only, imports nothing Blender's Python
lacks, and installs, enables, disables and re-enables in a fresh bpy session (own HOME)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "scripts" / "build_extension.py"
# What Blender's bundled Python has besides the standard library.
BLENDER_PYTHON = {
    *("bpy", "bmesh", "mathutils", "bpy_extras", "addon_utils", "gpu", "gpu_extras", "_cycles"),
    *("numpy", "requests"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, str(BUILD), "--out-dir", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "built and validated" in proc.stdout
    (zip_path,) = out.glob("*.zip")
    return zip_path


def _blender_ext() -> Path:
    sys.path.insert(0, str(BUILD.parent))
    try:
        import build_extension

        return build_extension.blender_ext_tool()
    finally:
        sys.path.remove(str(BUILD.parent))


def test_zip_validates_with_blenders_tool(built):
    proc = subprocess.run(
        [sys.executable, str(_blender_ext()), "validate", str(built)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert built.name == "aura-0.1.0.zip"


def test_zip_holds_the_addon_only(built):
    names = zipfile.ZipFile(built).namelist()
    assert "__init__.py" in names and "blender_manifest.toml" in names  # the extension's root
    for module in (
        "ui/operators/build.py",
        "ui/panels.py",
        "ui/properties.py",
        "ui/preferences.py",
        "studio/client.py",
    ):
        assert module in names
    assert "jewelry/spec.py" in names and "builder/pipeline.py" in names
    for outside in ("ai_server/", "tests/", "scripts/", "aura_addon/", ".venv/"):
        assert not any(n.startswith(outside) for n in names), outside
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_manifest(built):
    manifest = tomllib.loads(zipfile.ZipFile(built).read("blender_manifest.toml").decode())
    assert manifest["schema_version"] == "1.0.0" and manifest["id"] == "aura"
    assert manifest["name"] == "Aura" and manifest["type"] == "add-on"
    assert manifest["license"] == ["SPDX:GPL-3.0-or-later"]
    assert manifest["blender_version_min"] == "4.5.0"
    assert set(manifest["permissions"]) == {"network", "files"}
    assert all(reason.strip() for reason in manifest["permissions"].values())


def _imports(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(every top-level module imported, those probed inside try/except ImportError)."""
    every, probed = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for inner in node.body:
                probed |= _imports_of(inner)
        every |= _imports_of(node, shallow=True)
    return every, probed


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = (
        [n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)] if handler.type else []
    )
    return any(n in ("ImportError", "ModuleNotFoundError") for n in names)


def _imports_of(node: ast.AST, shallow: bool = False) -> set[str]:
    nodes = [node] if shallow else list(ast.walk(node))
    tops = set()
    for n in nodes:
        if isinstance(n, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in n.names}
        elif isinstance(n, ast.ImportFrom) and n.level == 0:
            tops.add(n.module.split(".")[0])
    return tops


def test_addon_imports_only_what_blender_has(built):
    """An optional extra that the add-on probes for (try/except ImportError somewhere in the
    package, e.g. Pillow for a PNG sheet) is fine; any other module outside Blender's Python
    would break the add-on on install."""
    allowed = BLENDER_PYTHON | set(sys.stdlib_module_names) | {"__future__"}
    used, probed = {}, set()
    with zipfile.ZipFile(built) as zf:
        for name in zf.namelist():
            if name.endswith(".py"):
                every, optional = _imports(ast.parse(zf.read(name), name))
                probed |= optional
                for top in every:
                    used.setdefault(top, []).append(name)
    extra = {top: files for top, files in used.items() if top not in allowed | probed}
    assert not extra, f"the add-on imports modules Blender's Python lacks: {extra}"
    assert {"bpy", "requests", "numpy"} <= set(used)


INSTALL_SCRIPT = r"""
import json, sys
import bpy, addon_utils

name = "bl_ext.user_default.aura"
state = lambda: {
    "enabled": name in bpy.context.preferences.addons,
    "operators": all(hasattr(bpy.types, c) for c in (
        "AURA_OT_plan", "AURA_OT_generate", "AURA_OT_build_ring", "AURA_OT_rebuild",
        "AURA_OT_check_print", "AURA_OT_export_stl", "AURA_OT_setup_units")),
    "panels": all(hasattr(bpy.types, c) for c in (
        "VIEW3D_PT_aura_main", "VIEW3D_PT_aura_describe", "VIEW3D_PT_aura_ring",
        "VIEW3D_PT_aura_stone", "VIEW3D_PT_aura_metal", "VIEW3D_PT_aura_motif",
        "VIEW3D_PT_aura_checks", "VIEW3D_PT_aura_export")),
    "scene_props": hasattr(bpy.types.Scene, "aura"),
}
out = {"install": list(bpy.ops.extensions.package_install_files(
    filepath=sys.argv[1], repo="user_default", enable_on_install=True))}
out["installed"] = state()
# what registering loaded of Aura: the glue only; the build, the geometry, the showcase and the
# network code load when first used
out["loaded_at_register"] = sorted(
    m[len(name) + 1:] for m in sys.modules
    if m.startswith(name + ".") and m.split(".")[3] in ("builder", "geometry", "showcase")
    or m in (name + ".studio.client", name + ".studio.production")
)
out["cycles"] = []
for _ in range(2):
    addon_utils.disable(name, default_set=True)
    off = state()
    addon_utils.enable(name, default_set=True)
    out["cycles"].append([off, state()])
bpy.ops.aura.setup_units()
out["build"] = list(bpy.ops.aura.build_ring())
out["status"] = bpy.context.scene.aura.status
out["prefs_url"] = bpy.context.preferences.addons[name].preferences.server_url
out["module_file"] = sys.modules[name].__file__
out["heavy"] = sorted(m for m in ("fastapi", "torch", "trimesh", "ai_server", "aura_addon")
                      if m in sys.modules)
print("RESULT" + json.dumps(out))
"""


def test_installs_enables_and_reenables_in_a_fresh_session(built, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BLENDER_USER_SCRIPTS")}
    env["HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-c", INSTALL_SCRIPT, str(built)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the checkout: only the installed copy can be imported
        env=env,
        timeout=120,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    out = json.loads(lines[-1][len("RESULT") :])
    everything = {"enabled": True, "operators": True, "panels": True, "scene_props": True}
    nothing = dict.fromkeys(everything, False)
    assert out["install"] == ["FINISHED"]
    assert out["installed"] == everything
    assert out["loaded_at_register"] == ["showcase", "showcase.options"]
    assert out["cycles"] == [[nothing, everything], [nothing, everything]]
    assert out["build"] == ["FINISHED"] and out["status"].startswith("Built ")
    assert out["prefs_url"] == "http://127.0.0.1:8765"
    assert str(home) in out["module_file"]  # running from the installed copy
    assert out["heavy"] == []
    assert "Traceback" not in proc.stderr


def test_package_imports_without_bpy():
    """The server imports aura_addon.jewelry outside Blender: the add-on's entry must not
    pull bpy in at import time."""
    code = (
        "import sys, aura_addon, aura_addon.jewelry.spec, aura_addon.jewelry.sizes; "
        "assert 'bpy' not in sys.modules, 'bpy imported'; "
        "assert callable(aura_addon.register) and callable(aura_addon.unregister)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
