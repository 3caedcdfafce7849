"""What the API server, the model workers and the build workers share: the Celery app,
the queue names and the Redis keys, so each side names them in one place.

Delivery: late acks and re-queue when a worker is lost (kill -9 leaves the message unacked,
Redis hands it out again after the visibility timeout). The API server also watches worker
heartbeats and re-sends a lost worker's job at once under a new task id; every job records
its current task id in Redis, and a worker runs a task only while it is the job's current
one, so a job never runs twice. Run Redis with persistence (appendonly yes) so a restart
loses nothing.
"""

from __future__ import annotations

import json
import os
import socket
import time
from urllib.parse import urlsplit, urlunsplit

from ai_server.backends import CPU_LANE, DEVICE_LANE

# Celery queue per backend lane: diffusion backends on "gpu", procedural on "cpu".
QUEUE_FOR_LANE = {DEVICE_LANE: "gpu", CPU_LANE: "cpu"}
BUILD_QUEUE = "build"  # ring builds (bpy) for batch production
GENERATE_TASK = "aura.generate"
BUILD_TASK = "aura.build"

EVENTS_KEY = "aura:events"  # list: worker -> API server (JSON events, oldest first)
WORKER_PREFIX = "aura:worker:"  # string per live worker (JSON), expires without heartbeats
HEARTBEAT_S = 1.0
HEARTBEAT_TTL_S = 5.0  # a worker silent this long is lost; its job is sent again
# A message unacked this long is handed to another worker (Redis transport); longer than
# any job may run, so a live worker's job is never delivered twice.
DEFAULT_VISIBILITY_TIMEOUT_S = 3600.0


def job_key(job_id: str) -> str:
    """Hash per job: task (current task id), worker, cancel."""
    return f"aura:job:{job_id}"


def redacted(url: str) -> str:
    """The broker URL without its password, for logs and /v1/status."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit(parts._replace(netloc=netloc))


def visibility_timeout_s() -> float:
    return float(os.environ.get("AURA_FLEET_VISIBILITY_TIMEOUT", DEFAULT_VISIBILITY_TIMEOUT_S))


def celery_app(broker_url: str, name: str = "aura"):
    from celery import Celery

    app = Celery(name, broker=broker_url, backend=broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds only the job it runs
        task_ignore_result=True,  # generate results come back as events; builds opt in
        result_expires=24 * 3600,
        broker_transport_options={"visibility_timeout": visibility_timeout_s()},
        result_backend_transport_options={"visibility_timeout": visibility_timeout_s()},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a Redis restart is waited out, not fatal
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_default_queue=QUEUE_FOR_LANE[CPU_LANE],
    )
    return app


def redis_client(broker_url: str):
    import redis

    return redis.Redis.from_url(broker_url, decode_responses=True, health_check_interval=10)


def worker_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def push_event(client, event: dict, patience_s: float = 600.0) -> None:
    """Queue an event for the API server, waiting out a Redis restart (up to patience_s):
    a result lost here would leave its job running until the watchdog re-sends it."""
    import redis

    data = json.dumps({**event, "at": time.time()})
    deadline = time.monotonic() + patience_s
    while True:
        try:
            client.rpush(EVENTS_KEY, data)
            return
        except (redis.ConnectionError, redis.TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def live_workers(client) -> list[dict]:
    names = list(client.scan_iter(f"{WORKER_PREFIX}*", count=500))
    if not names:
        return []
    workers = []
    for raw in client.mget(names):
        if raw:  # expired between the scan and the read
            workers.append(json.loads(raw))
    return sorted(workers, key=lambda w: w["name"])


def queue_lengths(client) -> dict[str, int]:
    queues = [*QUEUE_FOR_LANE.values(), BUILD_QUEUE]
    pipe = client.pipeline()
    for queue in queues:
        pipe.llen(queue)
    return dict(zip(queues, pipe.execute(), strict=True))
