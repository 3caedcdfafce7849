"""What the diffusers backends share: finding weights offline, loading a pipeline once,
progress and cancellation between diffusion steps, param checks, and a clear out-of-memory.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ai_server import device, models
from ai_server.backends.base import BackendError, JobContext
from ai_server.on_demand import OnDemandModel

if TYPE_CHECKING:
    import trimesh

log = logging.getLogger("ai_server")


# ------------------------------------------------------------------------------ params


@dataclass(frozen=True)
class Param:
    """A backend-specific job param: its type, default and allowed range."""

    name: str
    kind: type  # int | float
    default: Any
    low: float
    high: float
    meaning: str
    multiple_of: int = 1

    def read(self, params: dict) -> Any:
        value = params.get(self.name)
        if value is None:
            return self.default
        allowed = f"a {self.kind.__name__} from {self.low:g} to {self.high:g}"
        if self.multiple_of > 1:
            allowed += f", a multiple of {self.multiple_of}"
        problem = f"param '{self.name}' ({self.meaning}) must be {allowed}; got {value!r}"
        # bool is an int in Python; true/false is never a step count.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BackendError(problem)
        if self.kind is int and value != int(value):
            raise BackendError(problem)
        if not self.low <= value <= self.high or value % self.multiple_of:
            raise BackendError(problem)
        return self.kind(value)


def read_params(specs: tuple[Param, ...], params: dict | None) -> dict[str, Any]:
    """Every param's value (given or default); a bad one is a BackendError naming it."""
    if params is not None and not isinstance(params, dict):
        raise BackendError(f"params must be a JSON object; got {type(params).__name__}")
    return {spec.name: spec.read(params or {}) for spec in specs}


# ----------------------------------------------------------------------------- loading


class OnDemandPipeline(OnDemandModel):
    """One diffusers pipeline, loaded on first use and then kept (warm) for the server's life.

    ``from_pretrained`` always runs with ``local_files_only=True``: a missing model is a
    ModelMissing naming it and the download command, at once, never a download or a hang.
    """

    def __init__(self, entry_key: str, overrides: dict[str, str], loader: Callable[..., Any]):
        super().__init__(entry_key, overrides)
        self._loader = loader  # e.g. ShapEPipeline.from_pretrained

    def _load(self):
        """The pipeline on the compute device."""
        target = device.device_name()
        dtype = device.torch_dtype(target)
        log.info("loading %s (%s) on %s as %s", self.model, self.entry.key, target, dtype)
        with out_of_memory_as_error(f"loading {self.model}"):
            try:
                pipe = self._loader(self.model, dtype=dtype, local_files_only=True)
            except (OSError, ValueError, TypeError) as exc:
                # An interrupted download, or a directory that holds another kind of model.
                raise BackendError(
                    f"Model '{self.model}' ({self.entry.key}, {self.entry.role}) could not be "
                    f"loaded: {models.describe_error(exc)}.{self._redownload_hint()}"
                ) from exc
            pipe = pipe.to(target)
        pipe.set_progress_bar_config(disable=True)  # progress goes to the job, not stderr
        return pipe

    def _redownload_hint(self) -> str:
        if models.is_local_path(self.model):
            return ""
        name = models.download_name(self.entry, self.model)
        return f" If its download was interrupted, run it again: {models.download_command(name)}"


# ----------------------------------------------------------------- progress and cancel


class _StepReporter:
    """Stands in for a pipeline's tqdm bar: reports each diffusion step to the job.

    Pipelines use their bar in two ways, both covered: iterating over it (ShapE) and
    ``with bar(total=n) as bar: ... bar.update()`` (Stable Diffusion, SDXL). ``report`` is
    called between steps and raises JobCancelled when the job is cancelled or past its
    deadline, which unwinds the pipeline's loop.
    """

    def __init__(self, report: Callable[[float], None], iterable=None, total=None):
        self._report = report
        self._iterable = iterable
        self._total = max(1, total if total is not None else len(iterable))
        self._done = 0

    def __iter__(self) -> Iterator:
        for item in self._iterable:
            self._report(self._done / self._total)
            yield item
            self._done += 1
        self._report(1.0)

    def update(self, n: int = 1) -> None:
        self._done += n
        self._report(min(1.0, self._done / self._total))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> bool:
        return False


@contextlib.contextmanager
def step_progress(pipe, ctx: JobContext, stage: str, start: float, end: float):
    """While the block runs, each diffusion step of ``pipe`` moves the job's progress from
    ``start`` to ``end`` under ``stage``, and a cancel stops it between steps."""

    def report(fraction: float) -> None:
        ctx.progress(start + (end - start) * fraction, stage)

    # An instance attribute shadows DiffusionPipeline.progress_bar for this call only.
    pipe.progress_bar = lambda iterable=None, total=None: _StepReporter(report, iterable, total)
    try:
        ctx.progress(start, stage)
        yield
    finally:
        del pipe.progress_bar


@contextlib.contextmanager
def out_of_memory_as_error(doing: str):
    """A device out-of-memory becomes a BackendError that says what to do; the cache is freed
    so the server keeps serving."""
    try:
        yield
    except BackendError:
        raise
    except Exception as exc:
        if not device.is_out_of_memory(exc):
            raise
        device.empty_cache()
        raise BackendError(
            f"Out of GPU memory while {doing}. Close other programs using the GPU, lower the "
            "params (steps, grid_size, image_size), or run the server on a larger GPU."
        ) from None


def generator(seed: int):
    """A CPU generator: the same seed gives the same noise on any device."""
    import torch

    return torch.Generator(device="cpu").manual_seed(int(seed))


def inference():
    import torch

    return torch.inference_mode()


# --------------------------------------------------------------------------- Shap-E mesh

# Shap-E decodes a 3D grid of signed distances to a mesh by marching cubes.
SHAP_E_PARAMS = (
    Param("steps", int, 64, 1, 1000, "diffusion steps"),
    Param("grid_size", int, 128, 16, 256, "marching-cubes grid resolution"),
)


def decode_shap_e_mesh(pipe, latent, grid_size: int) -> trimesh.Trimesh:
    """Latent -> triangle mesh through the renderer's own SDF + marching-cubes decoder."""
    import trimesh

    try:
        decoded = pipe.shap_e_renderer.decode_to_mesh(
            latent[None, :], pipe._execution_device, grid_size=grid_size
        )
    except (ValueError, IndexError, RuntimeError) as exc:
        if device.is_out_of_memory(exc):
            raise
        # An all-outside field has no surface, and decode_to_mesh fails on the empty mesh.
        raise BackendError(
            "the model produced an empty shape (no surface to extract); try another seed "
            f"or prompt ({type(exc).__name__}: {exc})"
        ) from exc
    vertices = decoded.verts.detach().float().cpu().numpy()
    faces = decoded.faces.detach().cpu().numpy()
    if len(faces) == 0:
        raise BackendError("the model produced an empty shape; try another seed or prompt")
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
