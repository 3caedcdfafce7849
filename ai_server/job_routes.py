"""The job routes: submit (motif meshes, concept images), follow, cancel, list, and download.

Handlers touching SQLite or files are plain ``def``: FastAPI runs them in its thread pool.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ai_server.backends import BACKENDS, DEFAULT_BACKEND
from ai_server.config import (
    DEFAULT_SIZE_MM,
    MAX_CONCEPTS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    SIZE_MM_RANGE,
)
from ai_server.errors import ApiError, documented_body, json_body
from ai_server.job_inputs import (
    check_backend,
    check_params,
    concept_image,
    copy_concept,
    save_upload,
)
from ai_server.jobs import STATUSES, SUCCEEDED, Job, JobStore, is_valid_job_id, new_job_id

MAX_WAIT_S = 30.0

router = APIRouter()


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


@router.post("/v1/jobs", status_code=202, openapi_extra=documented_body(JobRequest))
def create_job(request: Request, body: Annotated[JobRequest, Depends(json_body(JobRequest))]):
    state = request.app.state
    backend = check_backend(body.backend)
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
        raise ApiError(422, "invalid_request", "prompt is required: describe the motif in words")
    params = check_params(state.registry, backend, body.params)
    _check_room(state.manager)
    job_id = new_job_id()
    unavailable = state.manager.unavailable_reason(backend)
    input_image = None
    if body.image is not None:  # checked always; kept only for a job that will run
        input_image = save_upload(state.store, job_id, body.image, keep=unavailable is None)
    elif body.concept is not None:
        input_image = copy_concept(state.store, job_id, body.concept, keep=unavailable is None)
    job = state.manager.submit(
        job_id=job_id,
        unavailable=unavailable,
        kind="mesh",
        backend=backend,
        prompt=prompt,
        seed=body.seed,
        size_mm=body.size_mm,
        params=params,
        input_image=input_image,
    )
    return _accepted(job)


@router.post("/v1/concepts", status_code=202, openapi_extra=documented_body(ConceptsRequest))
def create_concepts(
    request: Request, body: Annotated[ConceptsRequest, Depends(json_body(ConceptsRequest))]
):
    state = request.app.state
    backend = check_backend(body.backend)
    if not BACKENDS[backend].makes_concepts:
        makers = ", ".join(n for n, s in BACKENDS.items() if s.makes_concepts)
        raise ApiError(
            422,
            "invalid_request",
            f"backend '{backend}' cannot make concept images (use: {makers})",
        )
    prompt = body.prompt.strip()
    if not prompt:
        raise ApiError(422, "invalid_request", "prompt is required: describe the motif in words")
    params = check_params(state.registry, backend, body.params)
    params["n"] = body.n
    _check_room(state.manager)
    job = state.manager.submit(
        job_id=new_job_id(),
        unavailable=state.manager.unavailable_reason(backend),
        kind="concepts",
        backend=backend,
        prompt=prompt,
        seed=body.seed,
        size_mm=DEFAULT_SIZE_MM,
        params=params,
    )
    return _accepted(job)


@router.get("/v1/jobs")
def list_jobs(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    status: Annotated[str | None, Query()] = None,
):
    if status is not None and status not in STATUSES:
        raise ApiError(
            422,
            "invalid_request",
            f"status must be one of {', '.join(STATUSES)}; got '{status}'",
        )
    jobs = request.app.state.store.recent(limit, status)
    return {"jobs": [job.to_api() for job in jobs], "count": len(jobs)}


@router.get("/v1/jobs/{job_id}")
async def get_job(
    request: Request, job_id: str, wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0.0
):
    """``?wait=S`` long-polls: answers as soon as the job is terminal, or after S seconds.
    Async, so a waiting poll holds no thread of the pool the other routes run on."""
    job = await run_in_threadpool(_job_or_404, request.app.state.store, job_id)
    if wait > 0 and not job.terminal:
        job = await request.app.state.manager.wait_terminal(job_id, wait) or job
    return job.to_api()


@router.post("/v1/jobs/{job_id}/cancel")
def cancel_job(request: Request, job_id: str):
    _job_or_404(request.app.state.store, job_id)
    outcome, job = request.app.state.manager.cancel(job_id)
    if outcome == "missing" or job is None:
        raise ApiError(404, "not_found", f"no job with id '{job_id}'")
    if outcome == "finished":
        raise ApiError(
            409, "conflict", f"job {job_id} already ended ({job.status}); nothing to cancel"
        )
    body = job.to_api()
    body["cancel_requested"] = True
    return JSONResponse(body, status_code=200 if outcome == "cancelled" else 202)


@router.get("/v1/jobs/{job_id}/mesh.obj")
def job_mesh(request: Request, job_id: str):
    store = request.app.state.store
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


@router.get("/v1/jobs/{job_id}/concepts/{name}")
def job_concept(request: Request, job_id: str, name: str):
    store = request.app.state.store
    job = _job_or_404(store, job_id)
    match = re.fullmatch(r"(\d{1,2})\.png", name)
    if job.kind != "concepts" or match is None:
        raise ApiError(404, "not_found", f"no concept image '{name}' in job {job_id}")
    return FileResponse(concept_image(store, job, int(match.group(1))), media_type="image/png")


def _check_room(manager) -> None:
    if manager.queue_full():
        limit = manager.config.max_queued
        raise ApiError(
            429,
            "queue_full",
            f"{limit} jobs are already waiting (the server's --max-queued); try again once "
            "some have finished, or cancel ones you no longer need",
            {"Retry-After": "10"},
        )


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
