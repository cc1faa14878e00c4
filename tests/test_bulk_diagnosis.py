"""Bulk diagnosis reads many logs at once over one client: a log server that never answers, or answers 500, or
a port that refuses, costs one line each and stalls none of the others (a real server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from opgtui.config import Config, LogLocation
from opgtui.core.model import Job, JobStatus
from opgtui.ops.logtarget import diagnose_jobs
from opgtui.sources.logs import TailRead, TailRequest, read_tails
from opgtui.store import open_store

SAM_LINE = "ifdh: FetchError: SAM web server returned HTTP 503 Service Unavailable for project nova_reco_42"


class Logs:
    """Serves /logs/<n>.out (a short log ending in its number), /logs/slow.out (answers only once released),
    /logs/broken.out (HTTP 500); counts the connections it accepted."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one client reuses its connections

            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                if name == "slow.out":
                    outer.release.wait(30)
                if name == "broken.out":
                    self.send_response(500, "Internal Server Error")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = f"event processed ok\n{SAM_LINE}\nlog {name}\n".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the reader gave up (its deadline) or stopped listening
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/logs"


@pytest.fixture
def logs() -> Iterator[Logs]:
    srv = Logs()
    thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


def refused_url() -> str:
    """A URL on a port nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/logs/9.out"


async def read_all(requests: list[TailRequest], **kw: object) -> list[TailRead]:
    return [r async for r in read_tails(requests, **kw)]  # type: ignore[arg-type]


async def test_a_log_server_that_never_answers_stalls_none_of_the_others(logs: Logs, tmp_path: Path) -> None:
    missing, refused = tmp_path / "gone.out", refused_url()
    sources = [
        f"{logs.base}/slow.out",
        f"{logs.base}/broken.out",
        refused,
        str(missing),
        *(f"{logs.base}/{i}.out" for i in range(30)),
    ]
    answers = await read_all([TailRequest(s, 50) for s in sources], concurrency=3, deadline=4.0)
    by_source = {a.source: a for a in answers}
    assert len(answers) == len(sources) == len(by_source)
    # the 30 good logs were read while the slow one was still being waited for
    assert answers[-1].source == f"{logs.base}/slow.out"
    for i in range(30):
        assert by_source[f"{logs.base}/{i}.out"].lines[-1] == f"log {i}.out"
    # each problem is one line naming the log
    assert by_source[f"{logs.base}/slow.out"].error == (
        f"{logs.base}/slow.out: not read within 4 s (the server sends too slowly)"
    )
    assert by_source[f"{logs.base}/broken.out"].error == f"{logs.base}/broken.out: HTTP 500 Internal Server Error"
    assert by_source[refused].error.startswith(f"{refused}: ConnectError: ")
    assert by_source[str(missing)].error == f"{missing}: No such file or directory"
    assert all("\n" not in (a.error or "") for a in answers)
    # one shared client: keep-alive connections reused (not one per log)
    assert logs.connections <= 3 + 1 + 1


async def test_at_most_concurrency_reads_are_in_flight(logs: Logs) -> None:
    stuck = [TailRequest(f"{logs.base}/slow.out", 5) for _ in range(2)]
    answers = await read_all([*stuck, TailRequest(f"{logs.base}/1.out", 5)], concurrency=2, deadline=0.5)
    # both slots were taken by the stuck reads: the third started only when one of them gave up
    assert answers[0].source == f"{logs.base}/slow.out" and answers[0].error
    assert [a.lines[-1] for a in answers if a.source.endswith("/1.out")] == ["log 1.out"]


async def test_bad_concurrency_is_refused() -> None:
    with pytest.raises(ValueError, match="concurrency must be 1 or more, not 0"):
        await read_all([], concurrency=0)


def test_bulk_diagnosis_over_http_saves_every_verdict_and_names_the_log_it_could_not_read(
    logs: Logs, tmp_path: Path
) -> None:
    jobs = [Job(f"s#{c}.0", "s", c, 0, status=JobStatus.COMPLETED, exit_code=1) for c in range(1, 41)]
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs(jobs)
    cfg = Config(
        logs=[
            LogLocation("broken", stdout=f"{logs.base}/broken.out", constraint="ClusterId == 7"),
            LogLocation("door", stdout=logs.base + "/{ClusterId}.out"),
        ]
    )
    problems: list[str] = []
    progress: list[tuple[int, int]] = []
    assert (
        diagnose_jobs(
            cfg,
            store,
            jobs,
            batch=10,
            on_error=problems.append,
            progress=lambda done, total: progress.append((done, total)),
        )
        == 40
    )
    verdicts = store.verdicts()
    assert len(verdicts) == 40 and progress[-1] == (40, 40)
    assert verdicts["s#7.0"].signature == "rule:exit_1"  # its log not read: the exit code alone
    assert {v.category for jid, v in verdicts.items() if jid != "s#7.0"} == {"service"}
    assert problems == [f"{logs.base}/broken.out: HTTP 500 Internal Server Error"]
    store.close()


def test_the_per_job_path_still_reads_one_url(logs: Logs) -> None:
    from opgtui.ops.logtarget import read_tail

    assert read_tail(f"{logs.base}/3.out", 1)[0] == ["log 3.out"]


async def test_an_early_stop_closes_the_readers(logs: Logs) -> None:
    reads = read_tails([TailRequest(f"{logs.base}/{i}.out", 5) for i in range(20)], concurrency=4)
    first = await anext(reads)
    assert first.error is None
    await reads.aclose()  # the caller stops listening: the workers are cancelled, the client closed
    await asyncio.sleep(0)


async def test_bulk_diagnosis_called_from_a_running_event_loop(logs: Logs, tmp_path: Path) -> None:
    jobs = [Job(f"s#{c}.0", "s", c, 0, status=JobStatus.COMPLETED, exit_code=1) for c in range(1, 4)]
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs(jobs)
    cfg = Config(logs=[LogLocation("door", stdout=logs.base + "/{ClusterId}.out")], log_concurrency=2)
    assert diagnose_jobs(cfg, store, jobs) == 3  # an async caller: the reads get a loop of their own
    assert {v.category for v in store.verdicts().values()} == {"service"}
    store.close()
