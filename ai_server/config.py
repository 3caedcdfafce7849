"""Server settings: defaults, limits and the data directory layout."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from aura_addon.studio.urls import is_loopback_host  # one loopback test, shared with the add-on

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_JOB_TIMEOUT_S = 600.0

# Input limits: each is named in the error a client gets when it is exceeded.
MAX_PROMPT_CHARS = 1000
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # decoded upload
MAX_BODY_BYTES = 16 * 1024 * 1024  # whole request (a 10 MB image is ~13.4 MB as base64)
MAX_PARAMS_JSON_CHARS = 10_000
MAX_CONCEPTS = 4
SIZE_MM_RANGE = (1.0, 200.0)
DEFAULT_SIZE_MM = 12.0
MAX_SEED = 2**32 - 1
DEFAULT_MAX_FACES = 20_000  # cleanup's face budget (param "max_faces")
MAX_FACES_RANGE = (200, 500_000)
MAX_IMAGE_PIXELS = 40_000_000  # one limit for an uploaded or generated input image
MAX_JSON_DEPTH = 32  # nesting levels of a request body
MAX_NUMBER_DIGITS = 40  # a longer integer in a body is refused, not converted
MIN_TOKEN_CHARS = 16

# Retention: finished jobs (rows and folders) older than this, or past the total size (oldest
# first), are deleted; a queue longer than DEFAULT_MAX_QUEUED is refused with a 429.
DEFAULT_KEEP_DAYS = 30.0
DEFAULT_KEEP_MB = 2048.0
DEFAULT_MAX_QUEUED = 100


def default_data_dir() -> Path:
    env = os.environ.get("AURA_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "aura-server"


@dataclass
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    token: str | None = None
    preload: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)  # --model KEY=VALUE overrides
    job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S
    # An OpenAI-compatible chat-completions endpoint for /v1/plan and /v1/refine. None falls
    # back to AURA_LLM_URL / AURA_LLM_MODEL / AURA_LLM_TIMEOUT (the key is env-only:
    # AURA_LLM_API_KEY), and with no URL at all the offline rules answer.
    llm_url: str | None = None
    llm_model: str | None = None
    llm_timeout_s: float | None = None
    keep_days: float = DEFAULT_KEEP_DAYS
    keep_mb: float = DEFAULT_KEEP_MB
    max_queued: int = DEFAULT_MAX_QUEUED
    broker: str | None = None  # redis://... : fleet mode (jobs run on Celery workers)

    @property
    def public(self) -> bool:
        """Bound off loopback: reachable from the network, so less is shown."""
        return not is_loopback_host(self.host)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"
