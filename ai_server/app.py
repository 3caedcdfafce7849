"""The HTTP API (v1). Handlers validate, record and queue; workers do the inference.

Handlers touching SQLite or files are plain ``def`` (FastAPI runs them in its thread pool);
/v1/health is ``async`` and touches nothing, so it answers in milliseconds even while a
job runs.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import json
import re
import shutil
import time
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ai_server import __version__, device
from ai_server.backends import BACKENDS, DEFAULT_BACKEND, BackendRegistry, BackendUnavailable
from ai_server.backends.base import BackendError
from ai_server.config import (
    DEFAULT_SIZE_MM,
    MAX_BODY_BYTES,
    MAX_CONCEPTS,
    MAX_FACES_RANGE,
    MAX_IMAGE_BYTES,
    MAX_PARAMS_JSON_CHARS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    SIZE_MM_RANGE,
    ServerConfig,
)
from ai_server.errors import ApiError, error_response, install_error_handlers, json_body
from ai_server.jobs import STATUSES, SUCCEEDED, Job, JobStore, is_valid_job_id, new_job_id
from ai_server.worker import JobManager

MAX_IMAGE_SIDE_PX = 8192
MAX_WAIT_S = 30.0
_CONCEPT_REF = re.compile(r"^([0-9a-f]{32})/(\d{1,2})$")
_IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str | None = Field(None, max_length=MAX_PROMPT_CHARS)
    backend: str = DEFAULT_BACKEND
    seed: int = Field(0, ge=0, le=MAX_SEED)
    size_mm: float = Field(
        DEFAULT_SIZE_MM, ge=SIZE_MM_RANGE[0], le=SIZE_MM_RANGE[1], allow_inf_nan=False
    )
    params: dict = Field(default_factory=dict)
    image: str | None = None  # base64 PNG or JPEG (a data: URL prefix is accepted)
    concept: str | None = None  # "<concepts job id>/<index>"


class ConceptsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(..., min_length=1, max_length=MAX_PROMPT_CHARS)
    n: int = Field(1, ge=1, le=MAX_CONCEPTS)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    backend: str = "image-to-3d"
    params: dict = Field(default_factory=dict)


def _job_manager(config: ServerConfig, store: JobStore, registry: BackendRegistry) -> JobManager:
    if config.broker:
        from ai_server.fleet.dispatcher import FleetJobManager  # celery only in fleet mode

        return FleetJobManager(config, store, registry)
    return JobManager(config, store, registry)


def create_app(config: ServerConfig) -> FastAPI:
    store = JobStore(config.db_path, config.jobs_dir)
    registry = BackendRegistry(config)
    manager = _job_manager(config, store, registry)
    started_at = time.time()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        manager.start()
        yield
        manager.stop()

    app = FastAPI(title="Aura AI server", version=__version__, lifespan=lifespan)
    app.state.config, app.state.store, app.state.manager = config, store, manager
    install_error_handlers(app)

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

    # ------------------------------------------------------------ service

    @app.get("/v1/health")
    async def health():
        return {"status": "ok", "version": __version__}

    @app.get("/v1/status")
    def status():
        return {
            "version": __version__,
            "uptime_s": round(time.time() - started_at, 1),
            "device": device.detect(),
            "backends": {name: registry.describe(name) for name in BACKENDS},
            "queue": manager.queue_info(),
            "fleet": manager.fleet_info(),
            "jobs": store.counts(),
            "job_timeout_s": config.job_timeout_s,
            "data_dir": str(config.data_dir),
        }

    # ------------------------------------------------------------ jobs

    @app.post("/v1/jobs", status_code=202)
    def create_job(body: Annotated[JobRequest, Depends(json_body(JobRequest))]):
        backend = _check_backend(body.backend)
        spec = BACKENDS[backend]
        prompt = (body.prompt or "").strip() or None
        if body.image is not None and body.concept is not None:
            raise ApiError(422, "invalid_request", "send either image or concept, not both")
        has_image = body.image is not None or body.concept is not None
        if has_image and not spec.takes_image:
            takers = ", ".join(n for n, s in BACKENDS.items() if s.takes_image)
            raise ApiError(
                422,
                "invalid_request",
                f"backend '{backend}' does not take an image (use: {takers})",
            )
        if prompt is None and not has_image:
            raise ApiError(
                422, "invalid_request", "prompt is required: describe the motif in words"
            )
        params = _check_params(registry, backend, body.params)
        job_id = new_job_id()
        input_image = None
        if body.image is not None:
            input_image = _save_upload(store, job_id, body.image)
        elif body.concept is not None:
            input_image = _copy_concept(store, job_id, body.concept)
        job = manager.submit(
            job_id=job_id,
            kind="mesh",
            backend=backend,
            prompt=prompt,
            seed=body.seed,
            size_mm=body.size_mm,
            params=params,
            input_image=input_image,
        )
        return _accepted(job)

    @app.post("/v1/concepts", status_code=202)
    def create_concepts(body: Annotated[ConceptsRequest, Depends(json_body(ConceptsRequest))]):
        backend = _check_backend(body.backend)
        if not BACKENDS[backend].makes_concepts:
            makers = ", ".join(n for n, s in BACKENDS.items() if s.makes_concepts)
            raise ApiError(
                422,
                "invalid_request",
                f"backend '{backend}' cannot make concept images (use: {makers})",
            )
        prompt = body.prompt.strip()
        if not prompt:
            raise ApiError(
                422, "invalid_request", "prompt is required: describe the motif in words"
            )
        params = _check_params(registry, backend, body.params)
        params["n"] = body.n
        job = manager.submit(
            job_id=new_job_id(),
            kind="concepts",
            backend=backend,
            prompt=prompt,
            seed=body.seed,
            size_mm=DEFAULT_SIZE_MM,
            params=params,
        )
        return _accepted(job)

    @app.get("/v1/jobs")
    def list_jobs(
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        status: Annotated[str | None, Query()] = None,
    ):
        if status is not None and status not in STATUSES:
            raise ApiError(
                422,
                "invalid_request",
                f"status must be one of {', '.join(STATUSES)}; got '{status}'",
            )
        jobs = store.recent(limit, status)
        return {"jobs": [job.to_api() for job in jobs], "count": len(jobs)}

    @app.get("/v1/jobs/{job_id}")
    def get_job(job_id: str, wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0.0):
        """``?wait=S`` long-polls: answers as soon as the job is terminal, or after S seconds."""
        job = _job_or_404(store, job_id)
        if wait > 0 and not job.terminal:
            job = manager.wait_terminal(job_id, wait) or job
        return job.to_api()

    @app.post("/v1/jobs/{job_id}/cancel")
    def cancel_job(job_id: str):
        _job_or_404(store, job_id)
        outcome, job = manager.cancel(job_id)
        if outcome == "missing" or job is None:
            raise ApiError(404, "not_found", f"no job with id '{job_id}'")
        if outcome == "finished":
            raise ApiError(
                409, "conflict", f"job {job_id} already ended ({job.status}); nothing to cancel"
            )
        body = job.to_api()
        body["cancel_requested"] = True
        return JSONResponse(body, status_code=200 if outcome == "cancelled" else 202)

    @app.get("/v1/jobs/{job_id}/mesh.obj")
    def job_mesh(job_id: str):
        job = _job_or_404(store, job_id)
        if job.kind != "mesh":
            raise ApiError(404, "not_found", f"job {job_id} makes concept images, not a mesh")
        if job.status != SUCCEEDED:
            raise ApiError(
                409,
                "conflict",
                f"job {job_id} is {job.status}; its mesh exists once it has succeeded",
            )
        path = store.job_dir(job_id) / "mesh.obj"
        if not path.is_file():
            raise ApiError(
                404, "not_found", f"the mesh file of job {job_id} is missing from the data dir"
            )
        return FileResponse(path, media_type="model/obj", filename=f"{job_id}.obj")

    @app.get("/v1/jobs/{job_id}/concepts/{name}")
    def job_concept(job_id: str, name: str):
        job = _job_or_404(store, job_id)
        match = re.fullmatch(r"(\d{1,2})\.png", name)
        if job.kind != "concepts" or match is None:
            raise ApiError(404, "not_found", f"no concept image '{name}' in job {job_id}")
        if job.status != SUCCEEDED:
            raise ApiError(
                409,
                "conflict",
                f"job {job_id} is {job.status}; its images exist once it has succeeded",
            )
        path = store.job_dir(job_id) / f"concept_{int(match.group(1))}.png"
        if not path.is_file():
            count = (job.result or {}).get("count", 0)
            raise ApiError(
                404, "not_found", f"job {job_id} has {count} concept images (0..{count - 1})"
            )
        return FileResponse(path, media_type="image/png")

    from ai_server.design_routes import router as design_router

    app.include_router(design_router)
    return app


# ---------------------------------------------------------------- helpers


def _accepted(job: Job) -> dict:
    body = {"id": job.id, "status": job.status, "url": f"/v1/jobs/{job.id}"}
    if job.error:
        body["error"] = job.error
    return body


def _job_or_404(store: JobStore, job_id: str) -> Job:
    job = store.get(job_id) if is_valid_job_id(job_id) else None
    if job is None:
        raise ApiError(404, "not_found", f"no job with id '{job_id[:64]}'")
    return job


def _check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise ApiError(
            422,
            "unknown_backend",
            f"unknown backend '{name[:64]}'; choose one of: {', '.join(BACKENDS)}",
        )
    return name


def _check_params(registry: BackendRegistry, backend: str, params: dict) -> dict:
    if len(json.dumps(params)) > MAX_PARAMS_JSON_CHARS:
        raise ApiError(
            422,
            "invalid_request",
            f"params is too large (at most {MAX_PARAMS_JSON_CHARS} characters of JSON)",
        )
    if "max_faces" in params:
        low, high = MAX_FACES_RANGE
        value = params["max_faces"]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ApiError(
                422,
                "invalid_request",
                f"params.max_faces must be a whole number from {low} to {high}, got {value!r}",
            )
    try:
        registry.get(backend).check_params(params)
    except BackendUnavailable:
        pass  # not the caller's fault: the job fails at once with the reason
    except BackendError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    return dict(params)


def _save_upload(store: JobStore, job_id: str, data: str) -> str:
    """Decode and check an uploaded image, store it in the job folder; returns its file name."""
    from PIL import Image

    if data.startswith("data:"):
        data = data.partition(",")[2]
    if len(data) * 3 // 4 > MAX_IMAGE_BYTES + 3:
        raise ApiError(
            413,
            "too_large",
            f"image is over {MAX_IMAGE_BYTES // 2**20} MB (decoded); send a smaller one",
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(422, "invalid_image", "image is not valid base64") from exc
    if len(raw) > MAX_IMAGE_BYTES:
        raise ApiError(
            413,
            "too_large",
            f"image is over {MAX_IMAGE_BYTES // 2**20} MB (decoded); send a smaller one",
        )
    try:
        with Image.open(io.BytesIO(raw)) as image:
            fmt, size = image.format, image.size
            image.verify()
    except Image.DecompressionBombError as exc:
        raise ApiError(413, "too_large", "image has too many pixels") from exc
    except Exception as exc:
        raise ApiError(422, "invalid_image", "image is not a readable PNG or JPEG") from exc
    if fmt not in _IMAGE_FORMATS:
        raise ApiError(422, "invalid_image", f"image must be a PNG or JPEG, got {fmt}")
    if max(size) > MAX_IMAGE_SIDE_PX:
        raise ApiError(
            413,
            "too_large",
            f"image is {size[0]}x{size[1]} px; at most {MAX_IMAGE_SIDE_PX} px a side",
        )
    name = f"input.{_IMAGE_FORMATS[fmt]}"
    folder = store.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(raw)
    return name


def _copy_concept(store: JobStore, job_id: str, ref: str) -> str:
    match = _CONCEPT_REF.match(ref)
    if match is None:
        raise ApiError(
            422,
            "invalid_request",
            "concept must look like '<concepts job id>/<index>', e.g. 'a1b2.../0'",
        )
    source_id, index = match.group(1), int(match.group(2))
    source = store.get(source_id)
    if source is None:
        raise ApiError(404, "not_found", f"no concepts job with id '{source_id}'")
    if source.kind != "concepts":
        raise ApiError(422, "invalid_request", f"job {source_id} is not a concepts job")
    if source.status != SUCCEEDED:
        raise ApiError(
            409,
            "conflict",
            f"concepts job {source_id} is {source.status}; pick an image once it has succeeded",
        )
    path = store.job_dir(source_id) / f"concept_{index}.png"
    if not path.is_file():
        count = (source.result or {}).get("count", 0)
        raise ApiError(
            404,
            "not_found",
            f"concepts job {source_id} has {count} images; index {index} is out of range",
        )
    folder = store.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / "input.png")
    return "input.png"
