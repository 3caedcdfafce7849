"""The spec sheet's interactive 3D view: Google's model-viewer (from npm, committed under
viewer/ with its licences, see viewer/README.txt) copied beside the sheet. No CDN: the
sheet works offline, opened straight from the output folder."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from .options import VIEWER_FOLDER as FOLDER
from .options import VIEWER_SOURCE as SOURCE

SCRIPT = f"{FOLDER}/model-viewer.min.js"


def copy_viewer(out_dir) -> Path:
    """Copy the viewer and its licences into `out_dir`/viewer; returns the script's path."""
    target = Path(out_dir) / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for item in SOURCE.iterdir():
        if item.is_file():
            shutil.copy2(item, target / item.name)
    return target / "model-viewer.min.js"


def glb_data_uri(path) -> str:
    """The GLB inline: a page opened from disk may not fetch a file beside it (browsers
    treat every file:// page as its own origin), but it may read a data: URI."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:model/gltf-binary;base64,{data}"
