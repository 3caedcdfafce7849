"""A configured model loaded on first use and then kept for the server's life.

The diffusers pipelines and the rembg session share this shape: which catalogue entry and
model (after the --model overrides), whether its files are here, and one load under a lock.
A missing model is a ModelMissing at once (naming it and the download command), never a
download or a hang in the middle of a job.
"""

from __future__ import annotations

import threading

from ai_server import models
from ai_server.backends.base import ModelMissing


class OnDemandModel:
    """Subclasses write `_load()`, which returns the loaded thing."""

    def __init__(self, entry_key: str, overrides: dict[str, str]):
        self.entry = models.ENTRIES_BY_KEY[entry_key]
        self.model = models.model_value(entry_key, overrides)
        self._loaded = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def present(self) -> bool:
        return models.is_present(self.entry, self.model)

    def missing_message(self) -> str:
        return models.missing_message(self.entry, self.model)

    def get(self):
        """The model, loaded the first time."""
        with self._lock:
            if self._loaded is None:
                if not self.present():
                    raise ModelMissing(self.missing_message())
                self._loaded = self._load()
            return self._loaded

    def _load(self):
        raise NotImplementedError
