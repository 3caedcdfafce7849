"""Build the installable Aura extension zip with Blender's own extension tool, then validate it.

An extension's __init__.py sits at the zip root, so the aura_addon package's contents are
staged in a temporary folder next to the top-level blender_manifest.toml (and the licence),
and Blender's `blender_ext.py build` packs that folder. The tool ships inside the bpy wheel.

    python scripts/build_extension.py [--out-dir dist]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "aura_addon"
MANIFEST = ROOT / "blender_manifest.toml"
EXTRA_FILES = [ROOT / "LICENSE"]


def blender_ext_tool() -> Path:
    """Blender's extension command-line tool from the installed bpy wheel (bpy is not imported)."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or spec.origin is None:
        raise SystemExit("build_extension: the bpy package is not installed (run `make setup`)")
    found = sorted(Path(spec.origin).parent.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise SystemExit("build_extension: blender_ext.py not found inside the bpy package")
    return found[-1]


def run_tool(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(blender_ext_tool()), *args], capture_output=True, text=True
    )
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise SystemExit(f"blender_ext {args[0]} failed:\n{output}")
    return output


def stage(into: Path) -> Path:
    """Lay out the extension's root: manifest + licence + the add-on package's contents."""
    shutil.copytree(PACKAGE, into, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(MANIFEST, into / MANIFEST.name)
    for extra in EXTRA_FILES:
        if extra.exists():
            shutil.copy2(extra, into / extra.name)
    return into


def build(out_dir: Path) -> Path:
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    zip_path = out_dir / f"{manifest['id']}-{manifest['version']}.zip"
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="aura-ext-") as tmp:
        source = stage(Path(tmp) / manifest["id"])
        run_tool("build", "--source-dir", str(source), "--output-filepath", str(zip_path))
    if not zip_path.is_file():
        raise SystemExit(f"build_extension: {zip_path} was not written")
    return zip_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    zip_path = build(args.out_dir)
    run_tool("validate", str(zip_path))
    print(f"built and validated {zip_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
