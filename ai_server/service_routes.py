"""The service routes: /v1/health (touches nothing, answers in milliseconds) and /v1/status."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from ai_server import __version__, device
from ai_server.backends import BACKENDS

router = APIRouter()


@router.get("/v1/health")
async def health():
    return {"status": "ok", "version": __version__}


@router.get("/v1/status")
def status(request: Request):
    state = request.app.state
    config = state.config
    answer = {
        "version": __version__,
        "uptime_s": round(time.time() - state.started_at, 1),
        "device": device.status(),
        "backends": {name: state.registry.describe(name) for name in BACKENDS},
        "queue": state.manager.queue_info(),
        "fleet": state.manager.fleet_info(),
        "jobs": state.store.counts(),
        "job_timeout_s": config.job_timeout_s,
        "retention": {
            "keep_days": config.keep_days,
            "keep_mb": config.keep_mb,
            "max_queued": config.max_queued,
        },
    }
    if not config.public:  # where the files are is nobody else's business
        answer["data_dir"] = str(config.data_dir)
    return answer
