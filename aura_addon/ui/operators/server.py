"""The server: Start Server (on this computer, through the studio's ServerLink, as the batch
script starts one), Stop Server, Check Server (the panel's server line)."""

from __future__ import annotations

from urllib.parse import urlsplit

import bpy

from ...studio import server_status
from ...studio.errors import UserError
from ...studio.urls import is_loopback_url
from .. import preferences, server_line
from .base import Run, RunOperator, linked, tell, user_dir

START_TIMEOUT_S = 120.0  # a first start may import torch


class StartServerRun(Run):
    kind = "start_server"
    label = "Start server"

    def prepare(self, context):
        from ...studio.client import LocalServer
        from ...studio.production import ServerLink

        prefs = preferences.get(context)
        url = preferences.checked_url(prefs)
        if not is_loopback_url(url):
            raise UserError(
                f"Start Server runs a server on this computer, but the server URL is {url}; "
                "set it to http://127.0.0.1:8765 in the add-on preferences"
            )
        token = prefs.token or None
        command, cwd = _server_command(prefs), prefs.server_dir or None
        folder = user_dir("server")

        def local():
            port = urlsplit(url).port or 80
            return LocalServer(port=port, data_dir=folder, command=command, cwd=cwd)

        link = ServerLink(
            url, token, timeout=prefs.request_timeout, local_server=local,
            start_timeout_s=START_TIMEOUT_S,
        )  # fmt: skip

        def work(link, _task):
            link.client()  # whatever answers at the URL, else the local server, started
            return link.keep_local(), server_status.probe(url, token)

        return linked(work, link)

    def finish(self, context, outcome):
        server, line = outcome
        server_line.set_line(line)
        if server is None:
            return f"A server is already running at {line.url}"
        server_line.adopt(server)
        return f"Aura server started at {server.url} (log: {server.log_path})"


def _server_command(prefs) -> str | list[str] | None:
    """The preference's command; else the server folder's own virtual environment (Blender's
    Python lacks the server's packages); else the client's default."""
    from ...studio.client import venv_python

    if prefs.server_command:
        return prefs.server_command
    if prefs.server_dir:
        python = venv_python(prefs.server_dir)
        if python.exists():
            return [str(python), "-m", "ai_server", "serve"]
    return None


class AURA_OT_start_server(RunOperator, bpy.types.Operator):
    """Start the Aura server on this computer (command set in the add-on preferences)"""

    bl_idname = "aura.start_server"
    bl_label = "Start Server"
    run_class = StartServerRun


class AURA_OT_stop_server(bpy.types.Operator):
    """Stop the server that Aura started on this computer"""

    bl_idname = "aura.stop_server"
    bl_label = "Stop Server"

    def execute(self, context):
        if server_line.stop_local():
            server_line.refresh(context)
            tell(self, context.scene.aura, "INFO", "Aura server stopped")
            return {"FINISHED"}
        tell(self, context.scene.aura, "INFO", "Aura did not start a server in this session")
        return {"CANCELLED"}


class AURA_OT_check_server(bpy.types.Operator):
    """Ask the server how it is now"""

    bl_idname = "aura.check_server"
    bl_label = "Check Server"

    def execute(self, context):
        server_line.refresh(context, wait=context.window is None)
        return {"FINISHED"}
