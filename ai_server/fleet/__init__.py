"""Fleet mode: the API server hands jobs to Celery workers on other machines over Redis.

One API server owns the job table and the job files, as in the embedded mode; workers
(`python -m ai_server worker`) run the backends wherever the GPUs are and need no shared disk.

    API server --send_task--> Redis queue "gpu" | "cpu" --> worker (models loaded once)
    API server <--events list (started, progress, done, failed, cancelled)-- worker

- broker.py: the Celery app, queue names and the Redis keys both sides use.
- dispatcher.py: the API server's side (FleetJobManager, same interface as JobManager).
- worker.py: the worker process.
Batch builds use the same broker: `aura_batch.py --broker URL` and build workers
(`aura_batch.py --worker --broker URL`, with bpy) on the "build" queue.
"""
