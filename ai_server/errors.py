"""JSON errors: every failure leaves the server as {"error": {"code", "message"}}.

Bad input is a 4xx naming what was wrong; only a genuine server fault is a 500.
"""

from __future__ import annotations

import json
import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ai_server.config import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_NUMBER_DIGITS

log = logging.getLogger("ai_server")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(status: int, code: str, message: str, headers=None) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def describe_validation_errors(errors: list[dict]) -> tuple[int, str, str]:
    """Turn pydantic's error list into (status, code, one readable sentence)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (detail.get("ctx") or {}).get("error", "")
        return (
            400,
            "malformed_json",
            f"the request body is not valid JSON ({reason})".replace(" ()", ""),
        )
    parts = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        where = ".".join(loc)
        if e.get("type") == "missing" and not where:
            parts.append("the request needs a JSON object body")
            continue
        if e.get("type") == "model_attributes_type" or (not where and "dict" in e.get("msg", "")):
            parts.append("the request body must be a JSON object")
            continue
        message = e.get("msg", "invalid value")
        if e.get("type") == "extra_forbidden":
            message = "unknown field"
            where = where or "'' (an empty name)"
        parts.append(f"{where}: {message}" if where else message)
    return 422, "invalid_request", "; ".join(parts) or "invalid request"


class _LongNumber:
    """An integer too long to convert (Python refuses past 4300 digits, and none is needed)."""

    def __init__(self, text: str):
        self.digits = len(text.lstrip("-"))


class _Constant:
    """Infinity, -Infinity or NaN: Python reads them, JSON has no such numbers."""

    def __init__(self, name: str):
        self.name = name


def _read_int(text: str):
    return _LongNumber(text) if len(text) > MAX_NUMBER_DIGITS else int(text)


def _check_values(data) -> None:
    """Refuse nesting past MAX_JSON_DEPTH and numbers JSON cannot carry, naming the field."""
    stack = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        field = (where if len(where) <= 80 else where[:77] + "...") or "the request body"
        if isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise ApiError(
                    422,
                    "invalid_request",
                    f"{field}: nested deeper than {MAX_JSON_DEPTH} levels",
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                path = f"{where}.{key}" if isinstance(value, dict) else f"{where}[{key}]"
                stack.append((item, path.lstrip("."), depth + 1))
        elif isinstance(value, _LongNumber):
            raise ApiError(
                422,
                "invalid_request",
                f"{field}: a number of {value.digits} digits; at most {MAX_NUMBER_DIGITS}",
            )
        elif isinstance(value, _Constant) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            name = value.name if isinstance(value, _Constant) else repr(value)
            raise ApiError(
                422,
                "invalid_request",
                f"{field}: {name} is not a number JSON allows; send a finite number",
            )


def parse_json_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    """Parse and validate a JSON body; errors are ApiErrors naming the field."""
    if not raw.strip():
        raise ApiError(422, "invalid_request", "the request needs a JSON object body")
    try:
        data = json.loads(raw, parse_int=_read_int, parse_constant=_Constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"the request body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise ApiError(
            400,
            "malformed_json",
            f"the request body is nested too deeply (at most {MAX_JSON_DEPTH} levels)",
        ) from None
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "invalid_request",
            f"the request body must be a JSON object, got {type(data).__name__}",
        )
    _check_values(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        status, code, message = describe_validation_errors(exc.errors())
        raise ApiError(status, code, message) from exc


def documented_body(model: type[BaseModel]) -> dict:
    """``openapi_extra`` for a route reading ``json_body(model)``: FastAPI cannot see a body
    read by hand, so the OpenAPI document (and whatever is generated from it) is told."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def json_body(model: type[BaseModel]):
    """A FastAPI dependency reading the body as ``model`` (works for sync handlers too)."""

    async def dependency(request: Request) -> BaseModel:
        # read in chunks: a body sent without Content-Length is still held to the limit
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise ApiError(413, "too_large", f"request body is over {MAX_BODY_BYTES} bytes")
        return parse_json_body(model, bytes(body))

    return dependency


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        status, code, message = describe_validation_errors(list(exc.errors()))
        return error_response(status, code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no such route: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", f"internal server error: {type(exc).__name__}")
