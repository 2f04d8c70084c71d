"""A runtime that dies on one kind of input: the campaign ends cleanly, and with a way to restart the runtime
the engine finds the case that kills it among the last ones sent and confirms it kills it again."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzzer._campaign import CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._jobs import run_jobs
from fuzzer._model import Target
from fuzzer._runtimes import free_port, reference_pair
from fuzzer._store import read_case


def kills(body: bytes) -> bool:
    try:
        names = json.loads(body)["artifact"]["endorsed_names"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(names, list) and len(names) >= 4


class Crashy:
    """Proxies to a real runtime; a request that `kills` takes the whole server down (connections refused)."""

    def __init__(self, port: int, upstream: str) -> None:
        self.port = port
        self.upstream = upstream
        self.server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> None:
        crashy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._reply(200, "text/plain", b"ok")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if kills(body):
                    self.close_connection = True
                    threading.Thread(target=crashy.stop, daemon=True).start()
                    return
                host, port = crashy.upstream.rsplit(":", 1)
                upstream = http.client.HTTPConnection(host.removeprefix("http://"), int(port), timeout=5)
                upstream.request("POST", self.path, body=body, headers={"content-type": "application/json"})
                answer = upstream.getresponse()
                self._reply(answer.status, answer.getheader("content-type") or "", answer.read())
                upstream.close()

            def _reply(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        # a connection reset by the dying server or the engine is expected here: no traceback on stderr, where it
        # would land in whichever test runs next
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def restart(self, name: str) -> None:
        assert name == "crashy"
        self.stop()
        self.start()


@pytest.fixture
def crashy_pair(tmp_path: Path) -> Iterator[tuple[tuple[Target, Target], Crashy]]:
    with reference_pair(log_dir=tmp_path / "logs") as runtimes:
        go = runtimes.targets[1]
        crashy = Crashy(free_port(), go.url)
        crashy.start()
        try:
            yield (Target("go", go.url), Target("crashy", f"http://127.0.0.1:{crashy.port}")), crashy
        finally:
            crashy.stop()


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_killing_case_is_found_confirmed_and_saved(
    crashy_pair: tuple[tuple[Target, Target], Crashy], tmp_path: Path, jobs: int
) -> None:
    """With two jobs the parent finds the killing case among every job's last cases, once all have stopped."""
    pair, crashy = crashy_pair
    settings = EngineSettings(examples=2000, seed=2, max_seconds=60)
    plan = CampaignPlan(
        Config(), pair, settings, tmp_path / "corpus", modes=("valid",), restart=crashy.restart, jobs=jobs
    )
    outcome = run_jobs(plan) if jobs > 1 else run_campaign(plan)
    assert outcome.result.crashed is not None and outcome.result.crashed.startswith("crashy at ")
    assert outcome.result.examples < 2000
    (crash,) = [f for f in outcome.report.findings if f.crash]
    assert kills(crash.reproducer.exchange.case.request.body)
    assert crash.confirmations == settings.confirm
    assert crash.reproducer.exchange.responses[1].outcome.value in ("reset", "error")
    saved = [read_case(path) for path in (tmp_path / "corpus" / "found").glob("*.json")]
    assert len(saved) == 1 and "crash" in (saved[0].expect.key or "")
    assert kills(saved[0].case.request.body)


def test_without_a_restart_the_last_case_sent_is_kept(
    crashy_pair: tuple[tuple[Target, Target], Crashy], tmp_path: Path
) -> None:
    pair, _ = crashy_pair
    plan = CampaignPlan(Config(), pair, EngineSettings(examples=2000, seed=2), tmp_path / "corpus", modes=("valid",))
    outcome = run_campaign(plan)
    (crash,) = [f for f in outcome.report.findings if f.crash]
    assert crash.confirmations == 0
    assert kills(crash.reproducer.exchange.case.request.body)
