"""Fuzz the AI server's API from its own OpenAPI document, longer than the test suite does.

    python scripts/fuzz_server.py [--examples 300] [--seed 1]

Starts a real server process on loopback (a temporary data dir) and runs schemathesis'
valid and invalid requests against every operation (tests/api_fuzz.py): no 5xx, no hang,
every error a JSON error naming the field. Prints the status counts and any problem found;
exits 1 when there is one. ``--seed 0`` repeats the test suite's fixed examples.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.api_fuzz import fuzz  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="examples per operation")
    parser.add_argument("--seed", type=int, default=1, help="0: the fixed examples of the tests")
    args = parser.parse_args()
    with ServerProcess(args=["--max-queued", "5"]) as server:
        server.get("/v1/status")  # its first call imports torch
        report = fuzz(server.base_url, args.examples, args.seed)
    print(
        f"{report.requests} requests in {report.seconds:.1f} s; statuses "
        + ", ".join(f"{status}: {n}" for status, n in sorted(report.by_status.items()))
    )
    for problem in report.problems:
        print(f"  PROBLEM {problem}")
    print(f"{len(report.problems)} problems")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
