"""The guard in front of every route, against other programs and web pages on the machine.

A browser lets any web page send requests to 127.0.0.1; the guard refuses what only a page
would send: a foreign ``Origin`` (a cross-site request), a ``Host`` that is not a loopback
name on a loopback server (DNS rebinding: attacker.example resolving to 127.0.0.1), and a
body that is not declared JSON (a "simple" text/plain POST needs no CORS preflight). Then the
token (required off loopback) and the body size limit.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request

from ai_server.config import MAX_BODY_BYTES, ServerConfig
from ai_server.errors import error_response
from aura_addon.studio.urls import is_loopback_host

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def host_name(host_header: str) -> str:
    """'localhost:8765' -> 'localhost'; '[::1]:8765' -> '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def install_guard(app: FastAPI, config: ServerConfig) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next):
        refusal = refuse(request, config)
        if refusal is not None:
            return refusal
        return await call_next(request)


def refuse(request: Request, config: ServerConfig):
    """The error response for a request the guard refuses, else None."""
    headers = request.headers
    host = headers.get("host", "")
    if not config.public and host and not is_loopback_host(host_name(host).rstrip(".")):
        return error_response(
            403,
            "forbidden_host",
            f"Host '{host[:100]}' is not this server: a server on loopback answers only to "
            "localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding)",
        )
    origin = headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{host}":
        return error_response(
            403,
            "forbidden_origin",
            f"requests from web pages at '{origin[:100]}' are refused: the Aura server "
            "answers its own pages and programs (the add-on, scripts), not other sites",
        )
    if config.token and request.url.path != "/v1/health":
        given = headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {config.token}".encode()):
            return error_response(
                401,
                "unauthorized",
                "missing or wrong token: send the header 'Authorization: Bearer <token>'",
                {"WWW-Authenticate": "Bearer"},
            )
    length = headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        return error_response(
            413,
            "too_large",
            f"request body is {int(length)} bytes; at most {MAX_BODY_BYTES} allowed",
        )
    has_body = (length and length != "0") or "transfer-encoding" in headers
    if request.method in _BODY_METHODS and has_body:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return error_response(
                415,
                "unsupported_media_type",
                f"the body must be JSON sent with 'Content-Type: application/json'; got "
                f"'{media_type[:100] or 'no Content-Type'}'",
            )
    return None
