"""Where diagnosis reads a job's log, and how much of it: a location's ``tail_bytes`` bounds the read."""

from __future__ import annotations

from pathlib import Path

from opgtui.config import Config, LogLocation
from opgtui.logtarget import diagnose_jobs, log_source_and_cap
from opgtui.model import Job, JobStatus
from opgtui.store import open_store

SAM_LINE = "ifdh: FetchError: SAM web server returned HTTP 503 Service Unavailable for project nova_reco_42"


def test_tail_bytes_bounds_what_diagnosis_reads(tmp_path: Path) -> None:
    log = tmp_path / "job.out"
    log.write_text(SAM_LINE + "\n" + "event processed ok\n" * 20_000)  # the cause is ~380 KB from the end
    job = Job("s#1.0", "s", 1, 0, status=JobStatus.COMPLETED, exit_code=1, iwd=str(tmp_path), stdout="job.out")
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([job])
    for cap, lines, found in ((64 * 1024, 0, False), (1 << 20, 0, True)):
        cfg = Config(logs=[LogLocation("iwd", stdout="{Iwd}/{Out}", tail_bytes=cap)])
        assert log_source_and_cap(cfg, job, None, "stdout") == (str(log), cap)
        diagnose_jobs(cfg, store, [job], lines=lines)
        v = store.verdicts()["s#1.0"]
        assert (v.category == "service") is found, (cap, v)
    # a path from the ad (no configured location): the reader's own bound
    assert log_source_and_cap(Config(), job, None, "stdout") == ("job.out", None)
