"""The HTTP API (v1): the app, its state and its routers (one module per resource).

Handlers validate, record and queue; workers do the inference. Routes live in
``service_routes`` (health, status), ``job_routes`` (jobs and concept images) and
``design_routes`` (plan, refine, variations); ``security`` guards every request.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ai_server import __version__, design_routes, job_routes, security, service_routes
from ai_server.backends import BackendRegistry
from ai_server.config import ServerConfig
from ai_server.errors import install_error_handlers
from ai_server.jobs import JobStore
from ai_server.worker import JobManager


def _job_manager(config: ServerConfig, store: JobStore, registry: BackendRegistry) -> JobManager:
    if config.broker:
        from ai_server.fleet.dispatcher import FleetJobManager  # celery only in fleet mode

        return FleetJobManager(config, store, registry)
    return JobManager(config, store, registry)


def create_app(config: ServerConfig) -> FastAPI:
    store = JobStore(config.db_path, config.jobs_dir)
    registry = BackendRegistry(config)
    manager = _job_manager(config, store, registry)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        manager.start()
        yield
        manager.stop()

    # Off loopback the API documents nothing about itself to the network (no /docs, /redoc
    # or /openapi.json); on loopback they help whoever runs it.
    docs = {} if not config.public else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(title="Aura AI server", version=__version__, lifespan=lifespan, **docs)
    app.state.config, app.state.store = config, store
    app.state.registry, app.state.manager = registry, manager
    app.state.started_at = time.time()
    install_error_handlers(app)
    security.install_guard(app, config)
    for module in (service_routes, job_routes, design_routes):
        app.include_router(module.router)
    return app
