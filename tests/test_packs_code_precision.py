"""Precision of the code and resource side: a code table's mention can be vetoed on a line that is no such failure
(``exclude:``), and generic text (a traceback's last line, a crash, a kill, an exit status) seen in another
experiment's log, a successful job or a job that failed for another reason does not get a confident verdict. Every
near-miss line is quoted from a real log or a project's documentation or test data."""

from __future__ import annotations

from pathlib import Path

from opgtui.diagnosis.codes import CodeTables, bundled_tables, load_table
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import PackSet, load_packs, mention_signatures

PACKS = load_packs(plugins=False)

XRDCP_LOCAL_DISK = "Run: [ERROR] Server responded with an error: [3005] no error (destination)"


def test_a_tables_mention_is_vetoed_by_its_exclude():
    """xrootd/xrootd issue 1776: xrdcp's full local /tmp said '[3005] ... (destination)'; no server's disk failed,
    so the XRootD table's kXR_FSError (service) must not be read from that line, even with no pack to explain it."""
    tables = bundled_tables()
    only_tables = PackSet(mention_signatures(tables), tables=tables)
    v = diagnose([XRDCP_LOCAL_DISK], only_tables)
    assert v.category != "service", (v.signature, v.reason)
    v = diagnose(
        ["Error in <TNetXNGFile::ReadBuffer>: [ERROR] Server responded with an error: [3005] Unable to read"],
        only_tables,
    )
    assert (v.category, v.signature) == ("service", "rule:xrootd_3005")  # the server's own [3005] still counts


def test_an_exclude_that_vetoes_its_own_example_or_does_not_compile_is_reported(tmp_path: Path):
    path = tmp_path / "w.yaml"
    path.write_text(
        "table: w\nsource: our wrapper's README\ncodes:\n  - {code: 17, category: service}\nmentions:\n"
        "  - {pattern: 'status (?P<code>\\d+)', example: 'status 17 (dry run)', exclude: 'dry run'}\n"
        "  - {pattern: 'state (?P<code>\\d+)', example: 'state 17', exclude: '(unclosed'}\n"
        "  - {pattern: 'rc (?P<code>\\d+)', example: 'rc 17', exclude: 'dry run'}\n"
    )
    found: list[str] = []
    tables = CodeTables([load_table(path, found)], found)
    errors = "\n".join(tables.errors)
    assert "mentions #1: its exclude pattern vetoes its own example" in errors
    assert "mentions #2: exclude:" in errors
    [kept] = tables.tables["w"].mentions
    assert kept.exclude == "dry run"
    packs = PackSet(mention_signatures(tables), tables=tables)
    assert diagnose(["rc 17"], packs).category == "service"
    assert diagnose(["rc 17 (dry run)"], packs).category == "unknown"
