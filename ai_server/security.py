"""The guard in front of every route: the token and the body size limit."""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request

from ai_server.config import MAX_BODY_BYTES, ServerConfig
from ai_server.errors import error_response


def install_guard(app: FastAPI, config: ServerConfig) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next):
        if config.token and request.url.path != "/v1/health":
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {config.token}".encode()):
                return error_response(
                    401,
                    "unauthorized",
                    "missing or wrong token: send the header 'Authorization: Bearer <token>'",
                    {"WWW-Authenticate": "Bearer"},
                )
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return error_response(
                413,
                "too_large",
                f"request body is {int(length)} bytes; at most {MAX_BODY_BYTES} allowed",
            )
        return await call_next(request)
