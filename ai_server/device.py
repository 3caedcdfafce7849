"""The compute device. torch is imported lazily so a procedural-only server starts fast."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from concurrent.futures import Future


def _torch():
    import torch

    return torch


def torch_loaded() -> bool:
    return "torch" in sys.modules


def detect() -> dict:
    """{"device": "cuda"|"mps"|"cpu", "memory_used_mb", "memory_total_mb"} (memory on GPU only)."""
    torch = _torch()
    info = {"device": "cpu", "memory_used_mb": None, "memory_total_mb": None}
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        info.update(
            device="cuda",
            name=torch.cuda.get_device_name(),
            memory_used_mb=round((total - free) / 2**20),
            memory_total_mb=round(total / 2**20),
        )
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        info["device"] = "mps"
        with contextlib.suppress(Exception):
            info["memory_used_mb"] = round(torch.mps.current_allocated_memory() / 2**20)
    return info


_detection: Future | None = None
_detection_lock = threading.Lock()


def start_detecting() -> Future:
    """Import torch and find the device on a background thread, once: started with the
    server, so the first /v1/status does not pay torch's import (seconds) in the request."""
    global _detection
    with _detection_lock:
        if _detection is None:
            _detection = Future()
            threading.Thread(target=_detect_into, args=(_detection,), daemon=True).start()
        return _detection


def _detect_into(future: Future) -> None:
    try:
        future.set_result(detect())
    except BaseException as exc:  # torch broken: say so in the status, don't kill the thread
        future.set_exception(exc)


def status() -> dict:
    """The device for /v1/status: the background detection's answer (waited for if still
    running), with GPU memory read now."""
    start_detecting().result()
    return detect()  # torch is imported by now: this is cheap


def device_name() -> str:
    return detect()["device"]


def torch_dtype(device: str):
    """fp16 on CUDA (half the memory, tensor cores); fp32 elsewhere (fp16 on CPU is slow/unsupported)."""
    torch = _torch()
    return torch.float16 if device == "cuda" else torch.float32


def inference_mode():
    return _torch().inference_mode()


def is_out_of_memory(exc: BaseException) -> bool:
    """True for torch's OutOfMemoryError (CUDA or MPS) without importing torch for the check."""
    if any(cls.__name__ == "OutOfMemoryError" for cls in type(exc).__mro__):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def empty_cache() -> None:
    gc.collect()
    if not torch_loaded():
        return
    torch = _torch()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        torch.mps.empty_cache()
