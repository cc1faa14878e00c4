"""The CLI verbs agree with each other and with the dashboard: a missing store, an empty period, an unknown
name, a file that is no dump, a collection that got nothing: one line each and an exit code a script can use.
Job ids are accepted in every form the dashboard shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_cli
from test_cli import run

from opgtui.core.model import Job, JobStatus
from opgtui.demo.build import build_demo
from opgtui.demo.keep import write_config
from opgtui.domain.joblist import status_text
from opgtui.sources.dumps import load_files
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"
env = test_cli.env  # the same fixture: XDG homes in tmp_path


@pytest.fixture(scope="module")
def demo_cfg(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's store with the config `opgtui demo --keep` writes next to it."""
    workdir = tmp_path_factory.mktemp("demo")
    cfg, store = build_demo(workdir)
    store.close()
    return str(write_config(cfg, workdir / "config.yaml"))


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["actions"],
        ["request", "list"],
        ["announce", "--list"],
        ["announce"],
        ["announce", "--expire", "1"],
        ["status"],
        ["check", "--require", "samweb"],
    ],
)
def test_reading_verbs_without_a_store_say_so_and_create_nothing(env: Path, args: list[str]) -> None:
    cfg = env / "c.yaml"
    missing = env / "typo" / "opgtui.db"
    cfg.write_text(f"store: {missing}\n")
    code, out, err = run("--config", str(cfg), *args)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"opgtui: no store at {missing}: run `opgtui collect` first")
    assert not (env / "typo").exists()


def test_an_empty_announcement_is_refused(env: Path) -> None:
    for text in ("", "   "):
        code, out, err = run("announce", text)
        assert code == 2 and out == "" and "the message is empty" in err and err.count("\n") == 1
    assert not (env / "data" / "opgtui" / "opgtui.db").exists()


def test_stats_refuses_an_inverted_period_and_an_unknown_experiment(demo_cfg: str) -> None:
    code, out, _ = run("--config", demo_cfg, "stats", "--by", "experiment")
    assert code == 0 and "nova" in out and "dune" in out
    code, out, err = run("--config", demo_cfg, "stats", "--since", "1d", "--until", "7d")
    assert code == 2 and out == "" and "--until 7d is not after --since 1d" in err and err.count("\n") == 1
    code, out, err = run("--config", demo_cfg, "stats", "--experiment", "nvoa")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "unknown experiment 'nvoa' (did you mean 'nova'? known: dune, nova)" in err
    code, out, _ = run("--config", demo_cfg, "stats", "--experiment", "dune", "--json")
    assert code == 0 and json.loads(out)["total"]["jobs"] > 0


def test_jobs_from_a_file_that_is_no_dump_is_one_line(env: Path) -> None:
    junk = env / "notes.txt"
    junk.write_text("ssh jobsub01\nsome notes\n")
    code, out, err = run("jobs", "--from", str(junk))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"opgtui: {junk}: not a condor_q/condor_history -long or -json dump, nor a job event log")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf\n"])
def test_jobs_from_an_empty_file_says_so(env: Path, content: bytes) -> None:
    empty = env / "q.json"
    empty.write_bytes(content)
    code, out, err = run("jobs", "--from", str(empty))
    assert code == 2 and out == "" and err == f"opgtui: {empty}: empty: no job ads in it\n"


def test_jobs_from_an_empty_array_says_there_are_no_jobs(env: Path) -> None:
    none = env / "none.json"
    none.write_text("[]\n")
    code, out, err = run("jobs", "--from", str(none))
    assert code == 0 and out == "" and err == f"opgtui: no jobs in {none}\n"


def test_collect_once_exits_1_when_no_source_answers(env: Path) -> None:
    cfg = env / "c.yaml"
    cfg.write_text(
        f"store: {env}/s.db\nfeeds:\n"
        "  - {name: am, kind: alertmanager, url: 'http://127.0.0.1:9', timeout: 3}\n"
        "  - {name: prom, kind: prometheus, url: 'http://127.0.0.1:9', timeout: 3}\n"
    )
    code, out, err = run("--config", str(cfg), "collect", "--once")
    assert code == 1 and "collected: 0/2 feeds ok" in out
    assert "collect --once: no source answered" in err and err.count("\n") == 1


def test_check_names_an_unknown_service(demo_cfg: str) -> None:
    code, out, err = run("--config", demo_cfg, "check", "--require", "samweb,dcahce", "--within", "0")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--require: unknown service 'dcahce' (did you mean 'dcache'?" in err
    code, out, _ = run("--config", demo_cfg, "check", "--require", "sam", "--within", "0")  # an alias
    assert code == 0 and out.startswith("samweb: UP")


def test_a_dumped_job_has_the_same_status_in_the_cli_as_in_the_jobs_table(env: Path) -> None:
    dump = DATA / "fifebatch_completed_2017.long"  # trimmed ads: no JobStatus, a CompletionDate and ExitCode 0
    jobs = load_files([dump]).jobs
    code, out, _ = run("jobs", "--from", str(dump))
    assert code == 0
    for job, line in zip(jobs, out.splitlines(), strict=True):
        assert line.split()[1] == status_text(job) == "done"


def _two_schedds(env: Path) -> str:
    cfg = env / "c.yaml"
    cfg.write_text(f"store: {env}/s.db\n")
    store = open_store(env / "s.db")
    store.upsert_jobs(
        [
            Job("jobsub01.fnal.gov#100.0", "jobsub01.fnal.gov", 100, 0, status=JobStatus.HELD),
            Job("jobsub01.example.org#100.0", "jobsub01.example.org", 100, 0, status=JobStatus.HELD),
            Job(
                "jobsub02.fnal.gov#100.1",
                "jobsub02.fnal.gov",
                100,
                1,
                status=JobStatus.HELD,
                jobsub_id="100.1@jobsub02.fnal.gov",
            ),
        ]
    )
    store.close()
    return str(cfg)


def test_retry_takes_the_short_id_the_table_shows(demo_cfg: str) -> None:
    code, out, err = run("--config", demo_cfg, "retry", "--dry-run", "--json", "88412003.29@jobsub01")
    plans = json.loads(out)
    assert code == 0, err
    assert [p["job_id"] for p in plans] == ["jobsub01.fnal.gov#88412003.29"] and plans[0]["mode"] == "release"


def test_an_ambiguous_short_id_lists_the_candidates(env: Path) -> None:
    cfg = _two_schedds(env)
    code, out, err = run("--config", cfg, "retry", "--dry-run", "100.0@jobsub01")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "100.0@jobsub01 names 2 jobs: jobsub01.example.org#100.0, jobsub01.fnal.gov#100.0" in err
    code, out, _ = run(
        "--config",
        cfg,
        "retry",
        "--dry-run",
        "--json",
        "100.0@jobsub01.example.org",
        "jobsub02#100.1",
        "100.1@jobsub02.fnal.gov",
    )
    assert [p["job_id"] for p in json.loads(out)] == ["jobsub01.example.org#100.0", "jobsub02.fnal.gov#100.1"]


def test_a_job_not_in_the_store_is_not_a_success(env: Path) -> None:
    cfg = _two_schedds(env)
    code, _, err = run("--config", cfg, "retry", "--dry-run", "999.0@jobsub01")
    assert code == 1 and "not in the store: 999.0@jobsub01" in err
    code, _, err = run("--config", cfg, "retry", "--dry-run", "garbage")
    assert code == 2 and "not a job id: 'garbage'" in err


def test_jobs_export_from_the_store_with_the_jobs_view_filter(demo_cfg: str) -> None:
    import csv
    import io

    code, out, _ = run("--config", demo_cfg, "jobs", "--store", "--only", "failed", "--filter", "sig:samweb", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) >= 10
    assert all("samweb" in r["signature"] and r["verdict"] == "service" for r in rows)
    assert all(r["status"] in ("fail", "held") and "#" in r["id"] and "@" in r["short_id"] for r in rows)
    code, out, _ = run("--config", demo_cfg, "jobs", "--store", "--only", "failed", "--filter", "sig:samweb", "--json")
    assert sorted(j["id"] for j in json.loads(out)) == sorted(r["id"] for r in rows)
    code, out, _ = run(
        "--config", demo_cfg, "jobs", "--store", "--only", "failed", "--filter", "sig:samweb !site:mit", "--json"
    )
    assert 0 < len(json.loads(out)) < len(rows) and all(j["site"] != "MIT" for j in json.loads(out))
    code, out, err = run("--config", demo_cfg, "jobs", "--store", "--filter", "owner:nobody-at-all")
    assert code == 0 and out == "" and "no job matches" in err


def test_jobs_needs_one_source(env: Path) -> None:
    code, _, err = run("jobs")
    assert code == 2 and "give --from FILE (dumps) or --store" in err


def test_diagnose_takes_the_short_id_too(demo_cfg: str) -> None:
    code, out, err = run("--config", demo_cfg, "diagnose", "88412003.29@jobsub01", "--json")
    assert code == 0, err
    assert json.loads(out)["job"] == "jobsub01.fnal.gov#88412003.29"
