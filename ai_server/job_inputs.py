"""What a job request brings besides words: checked backend names and params, an uploaded
image, or a concept image picked from an earlier concepts job."""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import shutil
from pathlib import Path

from ai_server.backends import BACKENDS, BackendRegistry, BackendUnavailable
from ai_server.backends.base import BackendError
from ai_server.config import (
    MAX_FACES_RANGE,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_PARAMS_JSON_CHARS,
)
from ai_server.errors import ApiError
from ai_server.jobs import SUCCEEDED, Job, JobStore

_CONCEPT_REF = re.compile(r"^([0-9a-f]{32})/(\d{1,2})$")
_IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}


def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise ApiError(
            422,
            "unknown_backend",
            f"unknown backend '{name[:64]}'; choose one of: {', '.join(BACKENDS)}",
        )
    return name


def check_params(registry: BackendRegistry, backend: str, params: dict) -> dict:
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


def concept_image(store: JobStore, job: Job, index: int) -> Path:
    """The file of image ``index`` of a concepts job; an ApiError says why there is none."""
    if job.status != SUCCEEDED:
        raise ApiError(
            409,
            "conflict",
            f"concepts job {job.id} is {job.status}; its images exist once it has succeeded",
        )
    path = store.job_dir(job.id) / f"concept_{index}.png"
    if not path.is_file():
        count = (job.result or {}).get("count", 0)
        raise ApiError(
            404,
            "not_found",
            f"concepts job {job.id} has {count} images (0..{count - 1}); "
            f"index {index} is out of range",
        )
    return path


def save_upload(store: JobStore, job_id: str, data: str, keep: bool = True) -> str | None:
    """Decode and check an uploaded image; stored in the job folder (its file name returned)
    when ``keep``: a job that fails at once leaves nothing behind."""
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
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise ApiError(
            413,
            "too_large",
            f"image is {size[0]}x{size[1]} px = {size[0] * size[1] / 1e6:.1f} Mpx; "
            f"at most {MAX_IMAGE_PIXELS / 1e6:g} Mpx",
        )
    if not keep:
        return None
    name = f"input.{_IMAGE_FORMATS[fmt]}"
    folder = store.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(raw)
    return name


def copy_concept(store: JobStore, job_id: str, ref: str, keep: bool = True) -> str | None:
    """Copy the concept image ``ref`` ("<concepts job id>/<index>") in as the job's input."""
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
    path = concept_image(store, source, index)
    if not keep:
        return None
    folder = store.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / "input.png")
    return "input.png"
