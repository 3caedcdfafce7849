"""Add-on preferences: where the Aura server is, how long to wait, how to start one locally.

A server on another machine is used only when Blender's online access is allowed
(Preferences > System > Network); a server on this computer (loopback) always is.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import bpy
from bpy.props import FloatProperty, StringProperty

from ..studio.errors import UserError
from ..studio.urls import DEFAULT_URL, is_loopback_url

# The add-on's package, one above ui/: "aura_addon" from a checkout, "bl_ext.<repo>.aura" installed
ADDON_ID = __package__.rpartition(".")[0]


class AuraPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    server_url: StringProperty(
        name="Server URL",
        description="The Aura AI server, e.g. http://127.0.0.1:8765",
        default=DEFAULT_URL,
    )
    token: StringProperty(
        name="Token",
        description="Bearer token, needed when the server is bound to a non-loopback address",
        subtype="PASSWORD",
    )
    request_timeout: FloatProperty(
        name="Request timeout",
        description="Seconds to wait for one answer from the server",
        default=30.0,
        min=1.0,
        max=600.0,
        subtype="TIME_ABSOLUTE",
        unit="TIME_ABSOLUTE",
    )
    job_timeout: FloatProperty(
        name="Job timeout",
        description="Seconds to wait for a motif before cancelling it",
        default=900.0,
        min=10.0,
        max=7200.0,
        subtype="TIME_ABSOLUTE",
        unit="TIME_ABSOLUTE",
    )
    poll_interval: FloatProperty(
        name="Poll interval",
        description="Seconds between progress updates from a running job",
        default=0.5,
        min=0.05,
        max=10.0,
    )
    server_command: StringProperty(
        name="Local server command",
        description="Command that runs the server, e.g. '/path/to/aura/.venv/bin/python -m "
        "ai_server serve' (--host, --port and --data-dir are added); empty: the checkout's "
        "default",
    )
    server_dir: StringProperty(
        name="Server folder",
        description="Working folder for the local server command (the Aura checkout)",
        subtype="DIR_PATH",
    )

    def draw(self, _context):
        layout = self.layout
        col = layout.column()
        col.prop(self, "server_url")
        col.prop(self, "token")
        if not is_loopback_url(self.server_url) and not bpy.app.online_access:
            col.label(
                text="Online access is off: only a server on this computer is used", icon="ERROR"
            )
        row = col.row(align=True)
        row.prop(self, "request_timeout")
        row.prop(self, "job_timeout")
        col.prop(self, "poll_interval")
        col.separator()
        col.label(text="Start Server runs this on this computer:")
        col.prop(self, "server_command")
        col.prop(self, "server_dir")


@dataclass
class Settings:
    """The preferences as plain values (defaults when the add-on is not in Preferences, as
    when a script registers it directly)."""

    server_url: str = DEFAULT_URL
    token: str = ""
    request_timeout: float = 30.0
    job_timeout: float = 900.0
    poll_interval: float = 0.5
    server_command: str = ""
    server_dir: str = ""


def get(context=None) -> Settings:
    context = context or bpy.context
    addon = context.preferences.addons.get(ADDON_ID)
    prefs = getattr(addon, "preferences", None) if addon else None
    if prefs is None:
        return Settings()
    return Settings(
        server_url=prefs.server_url.strip(),
        token=prefs.token.strip(),
        request_timeout=prefs.request_timeout,
        job_timeout=prefs.job_timeout,
        poll_interval=prefs.poll_interval,
        server_command=prefs.server_command.strip(),
        server_dir=bpy.path.abspath(prefs.server_dir) if prefs.server_dir else "",
    )


def checked_url(settings: Settings) -> str:
    """The server URL, or a UserError when it is malformed or online access forbids it."""
    url = settings.server_url or DEFAULT_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"Server URL {url!r} is not an http(s) URL with a host, e.g. {DEFAULT_URL} "
            "(Preferences > Add-ons > Aura)"
        )
    if not is_loopback_url(url) and not bpy.app.online_access:
        raise UserError(
            f"Server URL {url} is on another machine and Blender's online access is off; allow "
            "it in Preferences > System > Network, or use a server on this computer "
            f"({DEFAULT_URL})"
        )
    return url


def server_link(context=None):
    """The configured server as the studio's ServerLink (main thread: reads preferences). It
    never starts a server: Start Server does, when asked."""
    from ..studio.production import ServerLink

    settings = get(context)
    return ServerLink(
        checked_url(settings),
        settings.token or None,
        autostart=False,
        timeout=settings.request_timeout,
        start_hint=START_HINT,
    )


START_HINT = "press Start Server in the Aura panel, or run `python -m ai_server serve`"
