"""Load the AI server, then kill -9 it and restart it: no job stuck, lost or duplicated.

    python scripts/load_server.py [--clients 30] [--seconds 60] [--max-queued 100]

Starts a real server process on loopback (a temporary data dir); ``--clients`` threads
submit, poll (some long-polls) and cancel procedural jobs for ``--seconds``; then the server
is killed with SIGKILL, started again on the same data, and every job is accounted for
(tests/api_load.py). Prints the figures; exits 1 on a problem.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.api_load import account, load_then_kill  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-queued", type=int, default=100, help="the server's queue cap")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aura-load-") as tmp:
        server = ServerProcess(Path(tmp) / "data", ["--max-queued", str(args.max_queued)])
        server.start()
        try:
            report = load_then_kill(server, args.clients, args.seconds, drain_timeout_s=600)
            problems = report.problems + account(server, report)
        finally:
            server.stop()
    print(report.figures())
    for problem in problems:
        print(f"  PROBLEM {problem}")
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
