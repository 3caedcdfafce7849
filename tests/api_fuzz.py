"""Fuzz a running server from its own OpenAPI document (schemathesis + hypothesis).

Every generated request, valid or not (schemathesis' positive and negative modes), must get
an answer within a timeout, never a 5xx, and every error must be the server's JSON error
whose message names what was wrong: a field or parameter of the operation, or the body.
Used by tests/test_server_fuzz.py (bounded) and scripts/fuzz_server.py (longer runs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests

REQUEST_TIMEOUT_S = 15.0  # a request taking longer counts as a hang
_BODY_WORDS = ("request body", "JSON", "body must be")


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def field_names(operation) -> set[str]:
    """The names a message may point at: parameters and body properties of the operation."""
    names = set()
    raw = operation.definition.raw
    for param in raw.get("parameters", []):
        names.add(param.get("name", ""))
    content = raw.get("requestBody", {}).get("content", {})
    for media in content.values():
        names.update(media.get("schema", {}).get("properties", {}))
    return {name for name in names if name}


def problems_with(case, response: requests.Response, names: set[str]) -> list[str]:
    where = f"{case.method} {case.formatted_path}"
    sent = f"query={case.query!r} body={str(case.body)[:200]!r}"
    if response.status_code >= 500:
        return [f"{response.status_code} from {where} ({sent}): {response.text[:300]}"]
    if response.status_code < 400:
        return []
    try:
        error = response.json()["error"]
        code, message = error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        return [f"{response.status_code} from {where} is not a JSON error: {response.text[:200]}"]
    if not code or not message:
        return [f"{response.status_code} from {where}: an empty error {error!r}"]
    sent_names = set(case.body) if isinstance(case.body, dict) else set()
    if response.status_code == 422 and not any(
        name in message for name in (*names, *sent_names, *_BODY_WORDS)
    ):
        return [f"422 from {where} names no field ({sent}): {message}"]
    return []


def fuzz(base_url: str, max_examples: int, seed: int = 0) -> FuzzReport:
    """Run ``max_examples`` generated requests per operation against ``base_url``."""
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    report = FuzzReport()
    started = time.monotonic()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            _fuzz_operation(result.ok(), base_url, session, report, max_examples, seed)
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(operation, base_url, session, report, max_examples, seed) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    names = field_names(operation)
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed == 0,
        phases=[Phase.explicit, Phase.generate],  # problems are collected, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case):
        try:
            response = case.call(base_url=base_url, session=session, timeout=REQUEST_TIMEOUT_S)
        except requests.Timeout:
            where = f"{case.method} {case.formatted_path}"
            report.problems.append(f"no answer in {REQUEST_TIMEOUT_S} s: {where}")
            return
        report.requests += 1
        report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1
        report.problems.extend(problems_with(case, response, names))

    run()
