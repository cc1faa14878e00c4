"""Numbers from HTCondor and art: hold codes/subcodes, exit codes, signals, art exit statuses."""

from __future__ import annotations

import pytest

from opgtui.core.model import CATEGORIES
from opgtui.diagnosis.codes import bundled_tables
from opgtui.diagnosis.rules import (
    art_status_findings,
    exit_code_findings,
    hold_findings,
    rule_findings,
    signal_findings,
)
from opgtui.diagnosis.signatures import ACTIONS


@pytest.mark.parametrize(
    ("code", "sub", "category", "action"),
    [
        (34, 102, "resource", "resubmit with more memory"),
        (34, 104, "resource", "resubmit with more disk"),
        (34, 0, "resource", "resubmit with more memory"),
        (21, 102, "resource", "resubmit with more memory"),
        (21, 104, "resource", "resubmit with more disk"),
        (21, 0, "unknown", "look at the log"),
        (46, 0, "resource", "resubmit with more time"),
        (47, 0, "resource", "resubmit with more time"),
        (12, 0, "service", "retry"),
        (13, 62, "service", "retry"),
        (13, 2, "unknown", "look at the log"),
        (14, 116, "service", "retry"),
        (14, 2, "code", "debug"),
        (26, 0, "unknown", "look at the log"),
        (4, 0, "service", "retry"),
        (35, 0, "code", "debug"),
        (1002, 0, "service", "retry"),
        (1007, 0, "service", "retry"),
        (999, 0, "unknown", "look at the log"),
    ],
)
def test_hold_code_table(code, sub, category, action):
    [f] = hold_findings(code, sub, "reason text")
    assert (f.category, f.action) == (category, action)
    assert f.signature.startswith("rule:") and f.line is None
    assert "reason text" in f.text and str(code) in f.text


def test_memory_and_disk_subcodes_outrank_the_bare_code():
    assert hold_findings(34, 102)[0].priority > hold_findings(34, 0)[0].priority
    assert hold_findings(34, 104)[0].action == "resubmit with more disk"
    assert hold_findings(34, 102)[0].service is None


def test_transfer_plugin_exit_code_is_read_from_the_subcode():
    [f] = hold_findings(13, 3 << 8)  # the plugin's exit status: its own message (404? timeout?) says why
    assert f.category == "unknown" and "exited with status 3" in f.title


def test_no_hold_code_no_finding():
    assert hold_findings(None) == [] and hold_findings(0, 0) == []


def test_tables_are_consistent():
    tables = bundled_tables()
    assert tables.errors == []
    for table in tables.tables.values():
        assert table.source, table.name
        for entry in [*table.codes.values(), *table.subcodes.values()]:
            assert entry.category in CATEGORIES and entry.action in ACTIONS, (table.name, entry.code)


@pytest.mark.parametrize(
    ("signal", "category"),
    [
        (9, "unknown"),
        (11, "unknown"),
        (6, "code"),
        (8, "code"),
        (24, "resource"),
        (15, "unknown"),
        (7, "unknown"),
        (63, "unknown"),
    ],
)
def test_signals(signal, category):
    [f] = signal_findings(signal)
    assert f.category == category and f.signature == f"rule:signal_{signal}"


@pytest.mark.parametrize(
    ("code", "category", "action"),
    [
        (137, "unknown", "look at the log"),  # 128 + SIGKILL: the memory limit, a person, a preemption...
        (139, "unknown", "look at the log"),  # 128 + SIGSEGV: the log's stack trace or framework report says whose
        (152, "resource", "resubmit with more time"),  # 128 + SIGXCPU
        (127, "unknown", "look at the log"),
        (126, "code", "debug"),
        (90, "code", "debug"),  # art: FHiCL did not parse
        (68, "resource", "resubmit with more memory"),  # art: std::bad_alloc
        (65, "unknown", "look at the log"),  # art: some cet::exception
        (1, "unknown", "look at the log"),
        (9, "unknown", "look at the log"),  # a bare 9 is not art's Configuration without art's own line
    ],
)
def test_exit_codes(code, category, action):
    [f] = exit_code_findings(code)
    assert (f.category, f.action) == (category, action)


def test_exit_code_evidence_is_weaker_than_a_real_signal():
    assert exit_code_findings(137)[0].priority < signal_findings(9)[0].priority
    assert exit_code_findings(1)[0].priority < 0
    assert exit_code_findings(0) == [] and exit_code_findings(None) == []


@pytest.mark.parametrize(
    ("status", "category", "name"),
    [
        (9, "code", "Configuration"),
        (6, "code", "ProductNotFound"),
        (32, "code", "ProductRegistrationFailure"),
        (4, "resource", "BadAlloc"),
        (20, "service", "FileOpenError"),
        (24, "service", "CatalogServiceError"),
        (22, "unknown", "FatalRootError"),
        (90, "code", "FHiCL configuration did not parse"),
        (137, "unknown", "SIGKILL"),
        (250, "unknown", "status 250"),
    ],
)
def test_art_exit_status(status, category, name):
    [f] = art_status_findings(status, line=21, text=f"Art has completed and will exit with status {status}.")
    assert f.category == category and name in f.title and f.line == 21


def test_art_status_zero_is_success():
    assert art_status_findings(0) == []


def test_rule_findings_combines_everything():
    found = rule_findings(
        hold_code=34,
        hold_subcode=102,
        hold_reason="Job has gone over cgroup memory limit",
        exit_code=139,
        exit_signal=None,
    )
    assert {f.signature for f in found} == {"rule:hold_34_102", "rule:exit_139"}
    assert rule_findings() == []
