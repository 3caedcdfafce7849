"""How the AI server is, in one line ("connected · cpu · procedural, shap-e" or
"unreachable: reason"): asked in whatever thread calls `probe`, answered as a plain value.
No bpy: the panel's server line (ui.server_line) keeps and draws it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import ClientError

PROBE_TIMEOUT_S = 10.0  # the first /v1/status may load torch to name the device


@dataclass(frozen=True)
class Line:
    connected: bool | None  # None: not checked yet
    text: str
    url: str = ""
    backends: tuple[str, ...] = ()
    checked_at: float = 0.0


def describe_status(status: dict) -> tuple[str, tuple[str, ...]]:
    """A short summary of /v1/status: device and the backends that can run."""
    device = status.get("device")
    if isinstance(device, dict):
        device = device.get("name") or device.get("device")
    backends = status.get("backends") or {}
    if isinstance(backends, dict):
        usable = tuple(name for name, info in backends.items() if (info or {}).get("available"))
    else:
        usable = tuple(str(b) for b in backends)
    names = ", ".join(usable) if usable else "no backend available"
    return f"connected · {device or 'unknown device'} · {names}", usable


def probe(url: str, token: str | None) -> Line:
    """Ask the server how it is (in whatever thread calls it)."""
    from .client import AuraClient  # requests loads with the first probe

    try:
        with AuraClient(url, token=token, timeout=PROBE_TIMEOUT_S) as client:
            text, usable = describe_status(client.status())
        return Line(True, text, url, usable, time.time())
    except ClientError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return Line(False, f"unreachable: {reason}", url, (), time.time())
    except ValueError as exc:  # a malformed URL
        return Line(False, str(exc), url, (), time.time())
