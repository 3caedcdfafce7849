"""The interface every model backend implements, and the per-job context it is handed.

A backend turns a job (prompt, seed, optional image) into a raw ``trimesh.Trimesh``; the
worker then runs the shared mesh cleanup (orientation, floaters, backdrops, watertight,
decimation, scale to ``size_mm``) and writes the OBJ. Backends never touch HTTP or SQLite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import PIL.Image
    import trimesh

    from ai_server.config import ServerConfig


class BackendError(Exception):
    """A user-facing failure message (no traceback shown)."""


class ModelMissing(BackendError):
    """Weights not in the local HF cache; message names the model and the download command."""


class JobCancelled(Exception):
    """Raised inside a backend when the job was cancelled (or ran past its deadline)."""


class JobTimedOut(JobCancelled):
    """The job ran past its deadline; a JobCancelled so backends need to handle only one."""


@dataclass
class JobContext:
    job_id: str
    prompt: str | None
    seed: int
    size_mm: float
    params: dict
    image_path: Path | None  # uploaded or concept image, if any
    work_dir: Path  # the job's folder
    # Set by the worker; a context built by hand (e.g. in a backend's own tests) works without.
    deadline: float | None = None  # time.monotonic() value; None = no timeout
    timeout_s: float | None = None
    cancel_event: threading.Event | None = None
    on_progress: Callable[[float, str], None] | None = field(default=None, repr=False)
    fraction: float = 0.0
    stage: str = ""
    info: dict = field(default_factory=dict)  # extra facts for the job result (e.g. the motif)

    def progress(self, fraction: float, stage: str) -> None:
        """Record progress (0..1) and the current stage; raises JobCancelled when cancelled."""
        self.fraction = min(1.0, max(0.0, float(fraction)))
        self.stage = stage
        if self.on_progress is not None:
            self.on_progress(self.fraction, stage)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            raise JobCancelled("cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise JobTimedOut(f"timed out after {self.timeout_s:g} s")


class Backend:
    """Base class: subclasses set ``name`` and override the model methods."""

    name: str = ""
    # Degrees to rotate the raw output about X before cleanup (Shap-E meshes need -90).
    cleanup_rotation_x_deg: float = 0.0
    # Search the output for backdrop walls/sheets/boxes (image->3D artefacts) during cleanup.
    cleanup_backdrops: bool = True

    def __init__(self, config: ServerConfig):
        self.config = config  # config.models: dict[str, str] from --model KEY=VALUE

    def model_ids(self) -> dict[str, str]:
        """Role -> model id or local path (empty for a backend without weights)."""
        return {}

    def availability(self) -> tuple[bool, str]:
        """(available, reason). Must be cheap and must not load the model."""
        return True, "ready"

    def is_loaded(self) -> bool:
        return True

    def load(self) -> None:
        """Load the weights once (idempotent). Raises ModelMissing when they are not cached."""

    def check_params(self, params: dict) -> None:
        """Optional: raise BackendError naming a bad backend-specific param (checked at submit)."""

    def generate(self, ctx: JobContext) -> trimesh.Trimesh:
        """Return the raw mesh; the worker runs the cleanup on it."""
        raise NotImplementedError

    def concepts(self, ctx: JobContext, n: int) -> list[PIL.Image.Image]:
        raise BackendError(f"backend '{self.name}' cannot make concept images")
