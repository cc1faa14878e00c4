"""`opgtui signatures` end to end on the demo's real store, logs and packs: suggest, label (tested, refused with
the numbers), enable (verdicts change), disable (they change back), edit, audit, export and import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from opgtui.cli import main
from opgtui.config import Config
from opgtui.demo.build import ANCHOR, build_demo, demo_config
from opgtui.demo.keep import write_config
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.evaluate import read_lines
from opgtui.diagnosis.signatures import load_packs
from opgtui.store import open_store

NOW = float(ANCHOR)
XROOTD = "Server responded with an error: [3011] No such file"
TUNE = Path(__file__).parent / "data" / "corpus" / "tune"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("demo")
    _, store = build_demo(workdir, now=NOW)
    store.close()
    return workdir


@pytest.fixture
def cfg(demo_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo's store (its logs stay in the demo directory) and a config for the CLI."""
    shutil.copy(demo_dir / "opgtui.db", tmp_path / "opgtui.db")
    return write_config(_config_for(demo_dir, tmp_path / "opgtui.db"), tmp_path / "config.yaml")


def run(cfg: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["--config", str(cfg), "signatures", *args, "--now", str(NOW)]
        if args[0] not in ("list", "audit", "export", "show")
        else ["--config", str(cfg), "signatures", *args],
    )
    return result.exit_code, result.output


def label_replica_missing(cfg: Path, t: dict, *options: str, corpus: str | Path = "") -> tuple[int, str]:
    """``opgtui signatures label`` of template ``t`` as the service verdict "XRootD replica missing"."""
    return run(
        cfg,
        "label",
        t["id"],
        "--verdict",
        "service",
        "--title",
        "XRootD replica missing",
        *options,
        "--corpus",
        str(corpus),
    )


def xrootd_template(cfg: Path) -> dict:
    code, out = run(cfg, "suggest", "--json")
    assert code == 0, out
    found = [t for t in json.loads(out)["templates"] if XROOTD in t["example"]]
    assert len(found) == 1
    return found[0]


def verdicts(cfg: Path, job_ids: list[str]) -> set[tuple[str, str | None]]:
    store = open_store(cfg.parent / "opgtui.db", readonly=True)
    try:
        return {(v.category, v.signature) for v in store.verdicts_for(job_ids).values()}
    finally:
        store.close()


def test_suggest_groups_the_unknown_failures_by_template(cfg: Path) -> None:
    t = xrootd_template(cfg)
    assert t["jobs"] == 6 and len(t["job_ids"]) == 6
    assert t["template"] == (
        "Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [<NUM>] No such file"
    )
    assert sum(t["sites"].values()) == 6 and {"Wisconsin", "FNAL_GPGrid"} <= set(t["sites"])
    assert NOW - 2 * 86400 < t["first"] <= t["last"] <= NOW
    code, out = run(cfg, "suggest", "--since", "7d")
    assert code == 0 and t["id"] in out and "sites: " in out and "Wisconsin" in out
    code, out = run(cfg, "suggest", "--since", "1s", "--json")
    assert json.loads(out)["templates"] == []  # nothing failed in the last second before the demo's now


def test_label_test_enable_changes_the_verdicts_and_disable_brings_them_back(cfg: Path) -> None:
    t = xrootd_template(cfg)
    assert verdicts(cfg, t["job_ids"]) == {("unknown", "xrootd_3011_no_such_file")}
    code, out = run(
        cfg,
        "label",
        t["id"],
        "--verdict",
        "service",
        "--title",
        "XRootD replica missing",
        "--service",
        "xrootd",
        "--why",
        "stale replicas at the sites",
        "--corpus",
        str(TUNE),
        "--json",
    )
    assert code == 0, out
    got = json.loads(out)
    sid = got["id"]
    assert got["stored"] and not got["enabled"] and sid == "learned.xrootd_replica_missing"
    tested = got["tested"]
    assert tested["matched"] == 6 and tested["unknown"] == 6 and tested["would_decide"] == 6
    assert tested["other_confident"] == 0 and tested["corpus"]["logs"] > 100 and tested["corpus"]["regressions"] == []
    assert verdicts(cfg, t["job_ids"]) == {("unknown", "xrootd_3011_no_such_file")}  # not enabled yet

    code, out = run(cfg, "enable", sid, "--corpus", "")
    assert code == 0, out
    assert "6 stored verdict(s) changed: unknown -> service 6" in out
    assert verdicts(cfg, t["job_ids"]) == {("service", sid)}
    code, out = run(cfg, "list")
    assert "on   service      6 jobs  learned.xrootd_replica_missing" in out

    code, out = run(cfg, "disable", sid, "--why", "the site fixed its catalogue")
    assert code == 0 and "service -> unknown 6" in out
    assert verdicts(cfg, t["job_ids"]) == {("unknown", "xrootd_3011_no_such_file")}
    code, out = run(cfg, "audit", sid)
    assert [line.split()[3] for line in out.splitlines()] == ["label", "enable", "disable"]
    assert "the site fixed its catalogue" in out
    code, out = run(cfg, "show", sid)
    assert code == 0 and f"{sid}  disabled  version 1" in out and "stale replicas at the sites" in out
    assert "stored jobs: matches 6 (6 unknown, would decide 6" in out and out.rstrip().endswith(
        "(the site fixed its catalogue)"
    )


def test_a_pattern_that_would_change_confident_verdicts_is_refused_with_the_numbers(cfg: Path) -> None:
    t = xrootd_template(cfg)
    code, out = run(
        cfg,
        "label",
        t["job_ids"][0],
        "--verdict",
        "code",
        "--title",
        "Bad input path",
        "--pattern",
        r"Server responded with an error|root file catalog",
        "--corpus",
        "",
    )
    assert code == 1
    assert "REFUSED: it matches 28 job(s) with a confident verdict of another category" in out
    assert "cvmfs_catalog_failure" in out and "matches 34 (6 unknown" in out
    code, out = run(cfg, "list")
    assert "no learned signatures yet" in out  # nothing stored ...
    code, out = run(cfg, "audit")
    assert "refused" in out  # ... but the attempt is in the audit


def test_a_pattern_matching_benign_lines_of_the_corpus_is_refused(cfg: Path) -> None:
    benign = read_lines(TUNE / "frameworks" / "none_xrootd_forcing_error_on_disconnect.log")
    line = next(x for x in benign if "Forcing error on disconnect" in x)
    t = xrootd_template(cfg)
    code, out = run(
        cfg,
        "label",
        t["id"],
        "--verdict",
        "service",
        "--title",
        "XRootD trouble",
        "--pattern",
        r"Server responded with an error|Forcing error on disconnect",
        "--corpus",
        str(TUNE),
    )
    assert code == 1, out
    assert "REFUSED: it matches benign lines of 1 labelled log(s) that did not fail" in out
    assert line.strip()[:30] in out or "none_xrootd_forcing_error_on_disconnect" in out


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("(a)\\1", "backtracking"),
        ("", "empty"),
        ("x*", "empty line"),
        ("(?i)error", "says nothing"),
    ],
)
def test_an_invalid_slow_or_empty_pattern_is_refused_in_one_line(cfg: Path, pattern: str, says: str) -> None:
    t = xrootd_template(cfg)
    code, out = run(cfg, "label", t["id"], "--verdict", "service", "--title", "x", "--pattern", pattern, "--corpus", "")
    assert code == 1 and says in out and len([x for x in out.splitlines() if "REFUSED" in x]) == 1


def test_two_shifters_labelling_one_template_keep_both_and_the_later_wins(cfg: Path) -> None:
    from opgtui.learn.library import Learned, audit, get, save_label

    t = xrootd_template(cfg)
    store = open_store(cfg.parent / "opgtui.db")
    try:
        first = Learned("learned.a", "No such file", "service", "retry", "Replica missing", template=t["template"])
        second = Learned("learned.b", "No such file", "code", "debug", "Wrong input path", template=t["template"])
        save_label(store, first, who="alice", now=NOW)
        save_label(store, second, who="bob", now=NOW + 60)
        kept = get(store, "learned.a")
        assert get(store, "learned.b") is None
        assert kept is not None and (kept.category, kept.title, kept.version) == ("code", "Wrong input path", 2)
        assert (kept.created_by, kept.updated_by) == ("alice", "bob")
        trail = audit(store, "learned.a")
        assert [(r["who"], r["action"]) for r in trail] == [("alice", "label"), ("bob", "relabel")]
        assert trail[1]["changes"]["replaced"]["title"] == "Replica missing"
        with pytest.raises(Exception, match="audit trail cannot be edited"), store.transaction() as c:
            c.execute("DELETE FROM learned_audit")
    finally:
        store.close()


def test_the_exported_pack_loads_as_a_pack_and_gives_the_same_verdicts(
    cfg: Path, tmp_path: Path, demo_dir: Path
) -> None:
    t = xrootd_template(cfg)
    code, out = label_replica_missing(cfg, t, "--service", "xrootd", "--enable")
    assert code == 0, out
    pack_dir = tmp_path / "packs"
    pack_dir.mkdir()
    code, out = run(cfg, "export", str(pack_dir / "learned.yaml"))
    assert code == 0, out
    packs = load_packs([pack_dir], plugins=False)
    assert not [e for e in packs.errors if "learned" in e]
    lines = read_lines(demo_dir / "logs" / "xrootd_3011.log")
    v = diagnose(lines, packs)
    assert (v.category, v.signature) == ("service", "learned.xrootd_replica_missing")

    # a fresh store of another team: import it, enable it, the same jobs get the same verdict
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(demo_dir / "opgtui.db", other / "opgtui.db")
    other_cfg = write_config(_config_for(demo_dir, other / "opgtui.db"), other / "config.yaml")
    code, out = run(other_cfg, "import", str(pack_dir / "learned.yaml"), "--enable", "--corpus", "")
    assert code == 0, out
    assert verdicts(other_cfg, t["job_ids"]) == {("service", "learned.xrootd_replica_missing")}


def test_import_refuses_a_hostile_pack_in_one_line(cfg: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(12)
        )
    )
    code, out = run(cfg, "import", str(bomb), "--corpus", "")
    assert code == 2 and "bomb.yaml" in out and len(out.strip().splitlines()) == 1


def _config_for(demo_dir: Path, db: Path) -> Config:
    config = demo_config(demo_dir)
    config.store = db
    return config


def test_new_verdicts_from_the_dashboards_diagnose_use_the_enabled_learned_signatures(
    cfg: Path, demo_dir: Path
) -> None:
    from opgtui.ops.logtarget import diagnose_jobs

    t = xrootd_template(cfg)
    config = _config_for(demo_dir, cfg.parent / "opgtui.db")
    code, out = label_replica_missing(cfg, t)
    assert code == 0, out
    store = open_store(config.store)
    try:
        diagnose_jobs(config, store, store.jobs_by_id(t["job_ids"]), now=NOW)  # disabled: not used
        assert {v.category for v in store.verdicts_for(t["job_ids"]).values()} == {"unknown"}
    finally:
        store.close()
    code, out = run(cfg, "enable", "learned.xrootd_replica_missing", "--corpus", "")
    assert code == 0, out
    store = open_store(config.store)
    try:
        store.save_verdicts({jid: diagnose([], load_packs(plugins=False)) for jid in t["job_ids"]}, NOW)  # reset
        diagnose_jobs(config, store, store.jobs_by_id(t["job_ids"]), now=NOW)  # as the Jobs view's d does
        assert {(v.category, v.signature) for v in store.verdicts_for(t["job_ids"]).values()} == {
            ("service", "learned.xrootd_replica_missing")
        }
    finally:
        store.close()


def test_the_store_test_re_diagnoses_a_bounded_sample_and_says_so(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opgtui.learn import vetting
    from opgtui.learn.library import Learned

    monkeypatch.setattr(vetting, "SIMULATE", 2)
    t = xrootd_template(cfg)
    code, out = label_replica_missing(cfg, t)
    assert code == 0 and "would decide 2 of 2 tried" in out
    store = open_store(cfg.parent / "opgtui.db")
    try:
        candidate = Learned("learned.x", "Server responded with an error", "service", "retry", "x")
        refused = vetting.vet(store, load_packs(plugins=False), candidate)
        assert refused.refusals == ["missing example"]  # what the pack loader would refuse, refused here
        candidate.example = t["example"]
        result = vetting.vet(store, load_packs(plugins=False), candidate)
        assert (len(result.unknown), result.simulated, len(result.would_decide)) == (6, 2, 2)
    finally:
        store.close()


def test_an_imported_experiment_pack_becomes_learned_signatures_of_the_store(cfg: Path, tmp_path: Path) -> None:
    pack = tmp_path / "nova.yaml"
    pack.write_text(
        "pack: nova\n"
        "signatures:\n"
        "  - id: nova_replica_missing\n"
        "    title: Replica missing at the site\n"
        "    pattern: 'Server responded with an error: \\[3011\\] No such file'\n"
        "    category: service\n"
        "    action: retry\n"
        "    service: xrootd\n"
        "    example: 'Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3011] No such file'\n"
        "  - id: nova_bad\n"
        "    title: Too general\n"
        "    pattern: 'error'\n"
        "    category: code\n"
        "    action: debug\n"
        "    example: 'error'\n"
    )
    code, out = run(cfg, "import", str(pack), "--corpus", "")
    assert code == 1  # one of the two was refused
    assert "stored learned.nova_replica_missing (version 1, disabled)" in out
    assert "REFUSED: the pattern matches a line that says nothing about a failure: 'error'" in out
    code, out = run(cfg, "list")
    assert "off  service" in out and "learned.nova_replica_missing" in out and "nova_bad" not in out


def test_edit_is_tested_again_and_a_refused_edit_changes_nothing(cfg: Path) -> None:
    t = xrootd_template(cfg)
    code, out = label_replica_missing(cfg, t, "--enable")
    assert code == 0, out
    sid = "learned.xrootd_replica_missing"
    code, out = run(
        cfg,
        "edit",
        sid,
        "--verdict",
        "code",
        "--title",
        "Wrong input path in the request",
        "--why",
        "the paths had a typo",
        "--corpus",
        "",
    )
    assert code == 0, out
    assert "stored learned.xrootd_replica_missing (version 2, enabled)" in out and "service -> code 6" in out
    assert verdicts(cfg, t["job_ids"]) == {("code", sid)}
    code, out = run(cfg, "edit", sid, "--pattern", "Killed", "--corpus", "")
    assert code == 1 and "says nothing about a failure" in out and f"{sid} is unchanged" in out
    code, out = run(cfg, "show", sid)
    assert "version 2" in out and "Wrong input path in the request" in out


def test_opgtui_diagnose_of_a_stored_job_uses_the_enabled_learned_signatures(cfg: Path) -> None:
    t = xrootd_template(cfg)
    job = t["job_ids"][0]

    def diagnosed() -> tuple[str, str]:
        result = CliRunner().invoke(main, ["--config", str(cfg), "diagnose", job, "--json"])
        assert result.exit_code == 0, result.output
        got = json.loads(result.output[result.output.index("{") :])
        return got["category"], got["signature"]

    assert diagnosed() == ("unknown", "xrootd_3011_no_such_file")
    code, out = label_replica_missing(cfg, t, "--enable")
    assert code == 0, out
    assert diagnosed() == ("service", "learned.xrootd_replica_missing")


def test_one_mining_round_reads_a_bounded_number_of_logs_and_the_next_reads_the_rest(cfg: Path, demo_dir: Path) -> None:
    from opgtui.learn.unknown import NOT_YET, gather

    store = open_store(cfg.parent / "opgtui.db")
    try:
        config = _config_for(demo_dir, cfg.parent / "opgtui.db")
        first = gather(config, store, now=NOW, max_reads=1)
        waiting = [u for u in first if u.error == NOT_YET]
        assert waiting and len(waiting) < len(first)
        second = gather(config, store, now=NOW, max_reads=1000)
        assert not [u for u in second if u.error == NOT_YET] and all(u.lines for u in second)
    finally:
        store.close()


def test_the_exported_pack_as_a_plugin_pack_of_a_fresh_store_gives_the_same_verdicts(
    cfg: Path, tmp_path: Path, demo_dir: Path
) -> None:
    """Issue 13's "done when": label and enable on one store, export, then a fresh store of the same jobs whose
    config lists the pack's directory (classifier_dirs: no import, no learned signatures) diagnoses every failed
    job to the same verdict as the store that learned it."""
    from opgtui.core.model import JobStatus
    from opgtui.ops.logtarget import diagnose_jobs

    t = xrootd_template(cfg)
    code, out = label_replica_missing(cfg, t, "--service", "xrootd", "--enable")
    assert code == 0, out
    pack_dir = tmp_path / "packs"
    pack_dir.mkdir()
    code, out = run(cfg, "export", str(pack_dir / "learned.yaml"))
    assert code == 0, out

    def failed_verdicts(db: Path) -> dict[str, tuple[str, str | None]]:
        store = open_store(db, readonly=True)
        try:
            ids = [
                j.id
                for j in store.jobs(
                    "status = ? OR (status = ? AND exit_code != 0)", (int(JobStatus.HELD), int(JobStatus.COMPLETED))
                )
            ]
            return {k: (v.category, v.signature) for k, v in store.verdicts_for(ids).items()}
        finally:
            store.close()

    learned = failed_verdicts(cfg.parent / "opgtui.db")
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    shutil.copy(demo_dir / "opgtui.db", fresh_dir / "opgtui.db")  # the demo as built: nothing learned
    config = _config_for(demo_dir, fresh_dir / "opgtui.db")
    config.classifier_dirs = [str(pack_dir)]
    store = open_store(fresh_dir / "opgtui.db")
    try:
        assert {v.category for v in store.verdicts_for(t["job_ids"]).values()} <= {"unknown"}  # nothing learned yet
        diagnose_jobs(config, store, store.jobs_by_id(list(learned)), now=NOW)
    finally:
        store.close()
    fresh = failed_verdicts(fresh_dir / "opgtui.db")
    assert {fresh[j] for j in t["job_ids"]} == {("service", "learned.xrootd_replica_missing")}
    assert fresh == learned
