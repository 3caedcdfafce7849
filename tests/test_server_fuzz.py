"""The API fuzzed from its own OpenAPI document against a REAL server process (schemathesis):
valid and invalid requests alike get an answer, never a 5xx, and every error is a JSON error
naming the field. Bounded to stay quick; `scripts/fuzz_server.py` runs longer."""

from __future__ import annotations

from tests.api_fuzz import fuzz
from tests.server_process import ServerProcess

EXAMPLES_PER_OPERATION = 25


def test_fuzzing_the_api_from_its_openapi_document(tmp_path):
    # a short queue: generated jobs must not pile up work for the rest of the suite
    with ServerProcess(tmp_path / "data", ["--max-queued", "3"]) as server:
        server.get("/v1/status")  # its first call imports torch: not part of the fuzzing
        report = fuzz(server.base_url, EXAMPLES_PER_OPERATION)
        assert not report.problems, "\n".join(report.problems[:20])
        assert report.requests >= 11 * EXAMPLES_PER_OPERATION // 2  # every operation was hit
        assert set(report.by_status) & {200, 202} and set(report.by_status) & {400, 422}
        assert server.get("/v1/health").status_code == 200
