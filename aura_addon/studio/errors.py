"""The studio's errors, free of Blender and of requests, so that every layer above (the
threads, the panel, the batch script) can catch them without loading the network code.

`UserError`: a problem the user can fix (a bad field, no design yet, a wrong URL); its
message is shown as it is, never a traceback. `ClientError` and its kinds: what talking to
the AI server can end in (raised by studio.client).
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix, or a condition they can act on: shown, never raised on."""


class ClientError(Exception):
    """Base of every error studio.client raises."""


class ServerUnreachable(ClientError):
    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach the Aura server at {url}: {reason}")


class ServerError(ClientError):
    def __init__(self, status: int, code: str, message: str, url: str = ""):
        self.status = status
        self.code = code
        self.message = message
        self.url = url
        super().__init__(f"server error {status} ({code}): {message}")


class JobFailed(ClientError):
    """A job ended failed or cancelled; `error` is the server's reason."""

    def __init__(self, job: dict):
        self.job = job
        self.job_id = job.get("id", "?")
        self.status = job.get("status", "failed")
        self.error = job.get("error") or self.status
        super().__init__(f"job {self.job_id} {self.status}: {self.error}")


class WaitTimeout(ClientError):
    def __init__(self, job_id: str, timeout_s: float):
        self.job_id = job_id
        super().__init__(f"job {job_id} did not finish within {timeout_s:g} s (cancelled)")


class WaitCancelled(ClientError):
    def __init__(self, job_id: str):
        self.job_id = job_id
        super().__init__(f"waiting for job {job_id} was cancelled (the job was cancelled too)")


class ServerStartError(ClientError):
    """The local server did not come up; the message carries the end of its log."""
