"""The panel's server line ("connected: cpu · procedural, shap-e" or "unreachable: reason"),
and the local server Aura started, if any.

The probe runs in a worker thread and leaves its answer in a plain Python object; the panel
draws from that object, so drawing never touches the network. A bpy.app.timers function
starts a probe every few seconds and redraws the sidebar when the line changes.
"""

from __future__ import annotations

import atexit
import threading
import time

import bpy

from ..studio import server_status
from ..studio.errors import UserError
from ..studio.server_status import Line, probe
from . import preferences

PROBE_EVERY_S = 3.0

_lock = threading.Lock()
_line = Line(None, "not checked yet")
_probe: threading.Thread | None = None
_local = None  # the studio.client.LocalServer Aura started on this computer, if any


def line() -> Line:
    with _lock:
        return _line


def set_line(new: Line) -> None:
    global _line
    with _lock:
        _line = new


def refresh(context=None, wait: bool = False) -> None:
    """Start a probe of the configured server (no-op while one is running)."""
    global _probe
    settings = preferences.get(context)
    try:
        url = preferences.checked_url(settings)
    except UserError as exc:
        set_line(Line(False, str(exc), settings.server_url, (), time.time()))
        return
    if _probe is not None and _probe.is_alive():
        if wait:
            _probe.join(server_status.PROBE_TIMEOUT_S * 3)
        return
    token = settings.token or None
    _probe = threading.Thread(
        target=lambda: set_line(probe(url, token)), name="aura-probe", daemon=True
    )
    _probe.start()
    if wait:
        _probe.join(server_status.PROBE_TIMEOUT_S * 3)


# Local server -----------------------------------------------------------------------------
def local_server():
    return _local if _local is not None and _local.running() else None


def adopt(server) -> None:
    global _local
    if _local is not None and _local is not server:
        _local.stop()
    _local = server


def stop_local() -> bool:
    global _local
    if _local is None:
        return False
    running = _local.running()
    _local.stop()
    _local = None
    return running


# Timer --------------------------------------------------------------------------------------
def _redraw_sidebars() -> None:
    wm = getattr(bpy.context, "window_manager", None)
    for window in getattr(wm, "windows", []):
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


_drawn: Line | None = None


def _tick():
    """Redraw when the last probe changed the line, then start the next probe."""
    global _drawn
    current = line()
    if current != _drawn:
        _drawn = current
        _redraw_sidebars()
    refresh()
    return PROBE_EVERY_S


def start() -> None:
    """At register: keep the line fresh, and end a server Aura starts when Blender quits."""
    atexit.register(stop_local)  # a server Aura started ends with Blender
    if not bpy.app.background:  # no sidebar to keep fresh in a headless session
        bpy.app.timers.register(_tick, first_interval=0.5, persistent=True)


def stop() -> None:
    atexit.unregister(stop_local)
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)
    stop_local()
