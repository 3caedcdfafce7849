"""A REAL HTTP server on loopback that plays a broken or hostile Aura server: it answers the
routes the add-on and the batch script use, with the job id and motif file a test gives it.

    with FakeServer(job_id="../../pwn/rel") as fake:
        client = AuraClient(fake.url)

Runs `http.server` in a thread of the test process; `requests` records every path asked for.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CUBE_OBJ = "\n".join(
    [f"v {x} {y} {z}" for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    + ["f 1 3 4 2", "f 5 6 8 7", "f 1 2 6 5", "f 3 7 8 4", "f 1 5 7 3", "f 2 4 8 6"]
)
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763"
    "f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


class FakeServer:
    def __init__(self, job_id="0123456789abcdef", obj_text: str = CUBE_OBJ, host="127.0.0.1"):
        self.job_id = job_id
        self.obj_text = obj_text
        self.requests: list[str] = []
        self._httpd = ThreadingHTTPServer((host, 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _job(self, status: str = "succeeded") -> dict:
        result = {"faces": 6, "images": [{"index": 0}]}
        return {"id": self.job_id, "status": status, "progress": 1.0, "stage": status,
                "error": None, "result": result}  # fmt: skip

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def _send(self, code: int, body: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, code: int, data) -> None:
                self._send(code, json.dumps(data).encode(), "application/json")

            def do_GET(self):
                fake.requests.append(f"GET {self.path}")
                path = self.path.split("?")[0]
                if path == "/v1/health":
                    self._json(200, {"status": "ok", "version": "fake"})
                elif path.endswith(".obj"):
                    self._send(200, fake.obj_text.encode(), "text/plain")
                elif path.endswith(".png"):
                    self._send(200, PNG_1PX, "image/png")
                else:  # any job, however its id made the path look
                    self._json(200, fake._job())

            def do_POST(self):
                fake.requests.append(f"POST {self.path}")
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.endswith("/cancel"):
                    self._json(200, fake._job("cancelled"))
                else:  # /v1/jobs, /v1/concepts
                    self._json(202, {"id": fake.job_id, "status": "queued"})

        return Handler
