"""Backend registry: name -> where the class lives and what the backend accepts.

Modules are imported lazily (the diffusers backends pull in torch); a backend whose module
fails to import is reported unavailable with the import error as the reason.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ai_server.backends.base import Backend, BackendError

if TYPE_CHECKING:
    from ai_server.config import ServerConfig

log = logging.getLogger("ai_server")

CPU_LANE = "cpu"  # backends without torch: never wait behind a GPU job
DEVICE_LANE = "device"  # the accelerator (or the CPU when there is none): one job at a time


@dataclass(frozen=True)
class BackendSpec:
    name: str
    target: str  # "module:Class"
    lane: str
    takes_image: bool = False
    makes_concepts: bool = False
    needs_prompt: bool = True  # unless given an image


BACKENDS: dict[str, BackendSpec] = {
    spec.name: spec
    for spec in (
        BackendSpec("procedural", "ai_server.backends.procedural:ProceduralBackend", CPU_LANE),
        BackendSpec("shap-e", "ai_server.backends.shap_e:ShapEBackend", DEVICE_LANE),
        BackendSpec(
            "image-to-3d",
            "ai_server.backends.image_to_3d:ImageTo3DBackend",
            DEVICE_LANE,
            takes_image=True,
            makes_concepts=True,
        ),
    )
}
DEFAULT_BACKEND = "procedural"


class BackendUnavailable(BackendError):
    """The backend's module could not be imported (a missing package, a broken install)."""


class BackendRegistry:
    """One instance per backend for the server's life: models load once and stay."""

    def __init__(self, config: ServerConfig):
        self.config = config
        self._instances: dict[str, Backend] = {}
        self._import_errors: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def names() -> list[str]:
        return list(BACKENDS)

    @staticmethod
    def spec(name: str) -> BackendSpec:
        return BACKENDS[name]

    def get(self, name: str) -> Backend:
        """The backend instance (created on first use). Raises BackendUnavailable."""
        spec = BACKENDS[name]
        with self._lock:
            if name in self._instances:
                return self._instances[name]
            if name in self._import_errors:
                raise BackendUnavailable(self._import_errors[name])
            module_name, class_name = spec.target.split(":")
            try:
                cls = getattr(importlib.import_module(module_name), class_name)
                backend = cls(self.config)
            except Exception as exc:  # any failure here means "cannot run", with the reason
                reason = f"backend '{name}' cannot be loaded: {type(exc).__name__}: {exc}"
                log.warning(reason)
                self._import_errors[name] = reason
                raise BackendUnavailable(reason) from exc
            self._instances[name] = backend
            return backend

    def loaded_instance(self, name: str) -> Backend | None:
        return self._instances.get(name)

    def describe(self, name: str) -> dict:
        spec = BACKENDS[name]
        info = {
            "available": False,
            "reason": "",
            "models": {},
            "loaded": False,
            "lane": spec.lane,
            "takes_image": spec.takes_image,
            "makes_concepts": spec.makes_concepts,
        }
        try:
            backend = self.get(name)
            available, reason = backend.availability()
            info.update(
                available=bool(available),
                reason=reason,
                models=backend.model_ids(),
                loaded=backend.is_loaded(),
            )
        except Exception as exc:
            info["reason"] = (
                str(exc) if isinstance(exc, BackendError) else f"{type(exc).__name__}: {exc}"
            )
        return info
