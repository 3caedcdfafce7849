"""30 concurrent clients against a REAL server process, then kill -9 and a restart: no job
stuck, lost or duplicated. Bounded (about 30 s); `scripts/load_server.py` runs longer and
prints the figures."""

from __future__ import annotations

from tests.api_load import account, load_then_kill
from tests.server_process import ServerProcess

CLIENTS = 30
SECONDS = 6.0


def test_thirty_clients_then_kill_9_and_restart(tmp_path):
    # a short queue cap keeps the backlog (and the test) bounded; 429s are part of the load
    server = ServerProcess(tmp_path / "data", ["--max-queued", "15"]).start()
    try:
        report = load_then_kill(server, CLIENTS, SECONDS)
        print(report.figures())
        assert not report.problems, report.problems[:10]
        assert len(report.accepted) >= CLIENTS and report.polls and report.cancels
        assert not account(server, report)
        assert report.final["succeeded"] > 0 and report.final["cancelled"] > 0
    finally:
        server.stop()
