"""Where diagnosis reads a job's log, and how much of it: a location's ``tail_bytes`` bounds the read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opgtui.config import Config, LogLocation
from opgtui.core.model import Job, JobStatus
from opgtui.ops.logtarget import LogTarget, diagnose_jobs, find_log, log_source_and_cap, resolve_and_diagnose
from opgtui.sources.jobrecord import job_from_ad
from opgtui.store import open_store

SAM_LINE = "ifdh: FetchError: SAM web server returned HTTP 503 Service Unavailable for project nova_reco_42"


def test_tail_bytes_bounds_what_diagnosis_reads(tmp_path: Path) -> None:
    log = tmp_path / "job.out"
    log.write_text(SAM_LINE + "\n" + "event processed ok\n" * 20_000)  # the cause is ~380 KB from the end
    job = Job("s#1.0", "s", 1, 0, status=JobStatus.COMPLETED, exit_code=1, iwd=str(tmp_path), stdout="job.out")
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([job])
    for cap, lines, found in ((64 * 1024, 0, False), (1 << 20, 0, True)):
        cfg = Config(logs=[LogLocation("iwd", stdout="{Iwd}/{Out}", tail_bytes=cap, trust_iwd=True)])
        assert log_source_and_cap(cfg, job, None, "stdout") == (str(log), cap)
        diagnose_jobs(cfg, store, [job], lines=lines)
        v = store.verdicts()["s#1.0"]
        assert (v.category == "service") is found, (cap, v)
    # a path from the ad (no template for the stream), under a log directory: the reader's own bound
    only_err = Config(logs=[LogLocation("iwd", stderr="{Iwd}/{Err}", trust_iwd=True)])
    assert log_source_and_cap(only_err, job, None, "stdout") == (str(log), None)


# ---------------------------------------------------------------------------- hostile paths (issue 17 item 16)

HOSTILE_AD = Path(__file__).parent / "data" / "hostile" / "item16_log_paths_ad.json"
SECRET = "root:$6$saltsalt$secrethash:19000:0:99999:7:::"


def hostile_job(tmp_path: Path, **paths: str) -> tuple[Job, dict[str, Any]]:
    """The hostile ad of tests/data/hostile, its /etc paths moved to a 'secret' file of the test's own."""
    etc = tmp_path / "etc"
    etc.mkdir(exist_ok=True)
    for name in ("shadow", "passwd"):
        (etc / name).write_text(SECRET + "\nSAM web server returned HTTP 503 Service Unavailable\n")
    ad = json.loads(HOSTILE_AD.read_text())[0]
    ad = {k: str(etc) + v[4:] if isinstance(v, str) and v.startswith("/etc") else v for k, v in ad.items()}
    ad.update(paths)
    return job_from_ad(ad, schedd="s"), ad


def test_a_log_path_from_the_ad_outside_the_configured_directories_is_refused(tmp_path: Path) -> None:
    logs_dir = tmp_path / "pnfs" / "logs"
    logs_dir.mkdir(parents=True)
    (logs_dir / "1.out").write_text("event processed ok\n")
    job, ad = hostile_job(tmp_path)
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([job], {job.id: ad})
    cfg = Config(logs=[LogLocation("pnfs", stdout=f"{logs_dir}/{{ClusterId}}.out")])
    ok = resolve_and_diagnose(cfg, store.path, LogTarget(job.id), "stdout", 50)
    assert ok.error is None and ok.lines == ["event processed ok"]
    err = resolve_and_diagnose(cfg, store.path, LogTarget(job.id), "stderr", 50)  # Err = ../../../../etc/passwd
    assert err.lines == [] and err.error == (
        f"{tmp_path}/etc/../../../../../../../../etc/passwd: not under a log directory of the config "
        f"(logs: templates name {logs_dir}); not read"
    )
    event = resolve_and_diagnose(cfg, store.path, LogTarget(job.id), "userlog", 50)
    assert event.lines == [] and event.error == (  # UserLog, a URL, was taken as relative to Iwd: no request made
        f"{tmp_path}/etc/http://169.254.169.254/latest/meta-data/iam/security-credentials/: not under a log "
        f"directory of the config (logs: templates name {logs_dir}); not read"
    )
    raw_url = Job("s#9.0", "s", 9, 0, userlog="http://169.254.169.254/latest/meta-data/")
    assert find_log(cfg, raw_url, None, "userlog") == (
        None,
        None,
        "http://169.254.169.254/latest/meta-data/ (from "
        "the job's ad): a URL comes only from the config's logs: "
        "templates; not read",
    )
    # a template whose field restarts the path (Out is absolute) is held to the template's directory too
    restart = Config(logs=[LogLocation("pnfs", stdout=f"{logs_dir}/{{Out}}")])
    shadow = resolve_and_diagnose(restart, store.path, LogTarget(job.id), "stdout", 50)
    assert shadow.lines == [] and shadow.error == (
        f"{tmp_path}/etc/shadow: not under a log directory of the config (logs: templates name {logs_dir}); not read"
    )
    assert SECRET not in json.dumps([v.evidence for v in store.verdicts().values()], default=str)
    store.close()


def test_no_logs_config_reads_nothing_and_bulk_diagnosis_saves_nothing_of_it(tmp_path: Path) -> None:
    job, ad = hostile_job(tmp_path, Out=str(tmp_path / "etc" / "shadow"))
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([job], {job.id: ad})
    refused = resolve_and_diagnose(Config(), store.path, LogTarget(job.id), "stdout", 50)
    assert (
        refused.error == f"{tmp_path}/etc/shadow: not under a log directory of the config (no logs: templates); "
        "not read"
    )
    diagnose_jobs(Config(), store, [job])
    (verdict,) = store.verdicts().values()  # from the exit code alone: no line of the file matched or saved
    assert [f.line for f in verdict.evidence] == [None] and verdict.signature == "rule:exit_1"
    store.close()


def test_symlinks_and_iwd(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    (logs_dir / "link.out").symlink_to(tmp_path / "secret")  # a job can leave a link in its log directory
    (tmp_path / "secret").write_text(SECRET + "\n")
    cfg = Config(logs=[LogLocation("l", stdout=f"{logs_dir}/{{Out}}")])
    linked = Job("s#1.0", "s", 1, 0, stdout="link.out", iwd=str(tmp_path))
    assert find_log(cfg, linked, None, "stdout") == (
        None,
        None,
        f"{logs_dir}/link.out: not under a log directory of the config (logs: templates name {logs_dir}); not read",
    )
    # the job's Iwd is a log directory only where the config says trust_iwd
    work = tmp_path / "work"
    work.mkdir()
    (work / "job.out").write_text("hello\n")
    job = Job("s#2.0", "s", 2, 0, stdout="job.out", iwd=str(work))
    plain = Config(logs=[LogLocation("iwd", stdout="{Iwd}/{Out}")])
    trusting = Config(logs=[LogLocation("iwd", stdout="{Iwd}/{Out}", trust_iwd=True)])
    assert find_log(plain, job, None, "stdout")[2] == (
        f"{work}/job.out: not under a log directory of the config (no logs: templates); not read"
    )
    assert find_log(trusting, job, None, "stdout") == (f"{work}/job.out", 256 * 1024, None)
    root = Job("s#3.0", "s", 3, 0, stdout="etc/passwd", iwd="/")  # Iwd = / names no directory
    assert find_log(trusting, root, None, "stdout")[0] is None
    # a URL template: the config's host; a job attribute cannot climb out of its path
    url = Config(logs=[LogLocation("web", stdout="https://logs.example.org/nova/{Out}")])
    climbing = Job("s#4.0", "s", 4, 0, stdout="../../admin/keys")
    assert find_log(url, climbing, None, "stdout")[2] == (
        "https://logs.example.org/nova/../../admin/keys: a job attribute put . or .. in the URL's path; not read"
    )
    fine = Job("s#5.0", "s", 5, 0, stdout="5.out")
    assert find_log(url, fine, None, "stdout") == ("https://logs.example.org/nova/5.out", 256 * 1024, None)


def test_the_example_config_and_the_demo_read_their_logs() -> None:
    from opgtui.config import EXAMPLE, parse_config

    cfg = parse_config(EXAMPLE, Path("example.yaml"))
    job = Job("s#1.0", "s", 1, 0, stdout="job.out", iwd="/data/novapro/run1")
    assert find_log(cfg, job, None, "stdout") == ("/data/novapro/run1/job.out", 262144, None)


def test_all_lines_of_a_log_bigger_than_the_cap_says_it_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 item 18: 'all lines (625607 shown)' for a file cut at 64 MiB. The cap is lowered to 1 MiB here."""
    from opgtui.screens.log import verdict_text
    from opgtui.sources import logs

    monkeypatch.setattr(logs, "ALL_CAP", 1 << 20)
    (tmp_path / "logs").mkdir()
    big = tmp_path / "logs" / "big.out"
    line = b"%07d Begin processing the record. run: 51234 subRun: 12 ok\n"
    big.write_bytes(b"".join(line % i for i in range(100_000)))  # 6.2 MB
    fit = (1 << 20) // len(line % 0)  # whole lines in the last MiB
    small = tmp_path / "logs" / "small.out"
    small.write_text("one\ntwo\n")
    store = open_store(tmp_path / "s.db")
    jobs = [Job("s#1.0", "s", 1, 0, stdout=str(big)), Job("s#2.0", "s", 2, 0, stdout=str(small))]
    store.upsert_jobs(jobs)
    cfg = Config(logs=[LogLocation("l", stdout=f"{tmp_path / 'logs'}/{{Out}}")])
    every = resolve_and_diagnose(cfg, store.path, LogTarget("s#1.0"), "stdout", 0)
    assert every.capped == 1 << 20 and every.lines[-1].startswith("0099999") and len(every.lines) == fit
    header = verdict_text(every.verdict, every.source, len(every.lines), 0, "stdout", 200, every.capped).plain
    assert header.endswith(f"big.out · all lines: capped, the last 1 MiB only ({fit:,} shown)")
    last = resolve_and_diagnose(cfg, store.path, LogTarget("s#1.0"), "stdout", 1000)
    assert last.capped == 0 and len(last.lines) == 1000  # what was asked for: not capped
    whole = resolve_and_diagnose(cfg, store.path, LogTarget("s#2.0"), "stdout", 0)
    assert whole.capped == 0 and whole.lines == ["one", "two"]
    assert verdict_text(None, whole.source, 2, 0).plain.endswith("small.out · all lines (2 shown)")
    store.close()


def test_the_collectors_scan_records_why_a_log_was_not_read(tmp_path: Path) -> None:
    import orjson

    from opgtui.config import DQConfig, ExperimentConfig
    from opgtui.ops.record import scan_finished

    job, ad = hostile_job(tmp_path, Out=str(tmp_path / "etc" / "shadow"))
    job.status, job.exit_code, job.experiment, job.end_time = JobStatus.COMPLETED, 0, "nova", 1_795_000_000.0
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([job], {job.id: ad})
    logs_dir = tmp_path / "logs"
    cfg = Config(
        experiments=[ExperimentConfig("nova", dq=DQConfig(events_line=r"Events total = (\d+)"))],
        logs=[LogLocation("l", stdout=f"{logs_dir}/{{Out}}")],
    )
    assert scan_finished(cfg, store, now=1_795_000_100.0).scanned == 1
    (problems,) = [orjson.loads(r[0]) for r in store.conn.execute("SELECT problems FROM dq_results")]
    assert problems == [
        f"not checked: events: stdout unreadable ({tmp_path}/etc/shadow: not under a log directory "
        f"of the config (logs: templates name {logs_dir}); not read)"
    ]
    store.close()


async def test_the_log_view_header_says_all_lines_were_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the dashboard: Log view, ] until 'all', on a log bigger than the reader's cap (lowered to 1 MiB)."""
    from textual.widgets import Static

    from opgtui.app import OpgApp
    from opgtui.sources import logs

    monkeypatch.setattr(logs, "ALL_CAP", 1 << 20)
    (tmp_path / "logs").mkdir()
    line = b"%07d Begin processing the record. run: 51234 subRun: 12 ok\n"
    big = tmp_path / "logs" / "big.out"
    big.write_bytes(b"".join(line % i for i in range(40_000)))  # 2.4 MB
    cfg = Config(store=tmp_path / "s.db", logs=[LogLocation("l", stdout=f"{tmp_path / 'logs'}/{{Out}}")])
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([Job("s#1.0", "s", 1, 0, status=JobStatus.COMPLETED, exit_code=1, stdout=str(big))])
    app = OpgApp(cfg, store, refresh_loop=False)

    def header() -> str:
        return str(app.screen.query_one("#verdict", Static).render())

    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        app.open_log(LogTarget("s#1.0"))
        await pilot.pause(0.5)
        assert header().endswith("big.out · last 50 lines (50 shown)")
        for _ in range(3):
            await pilot.press("right_square_bracket")
            await pilot.pause(0.5)
        for _ in range(20):
            if "capped" in header():
                break
            await pilot.pause(0.2)
        fit = (1 << 20) // len(line % 0)
        assert header().endswith(f"big.out · all lines: capped, the last 1 MiB only ({fit:,} shown)")
