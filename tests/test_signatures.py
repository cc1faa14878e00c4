"""Signature packs: every bundled signature does what its example says; bad packs are reported, not fatal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from classifiers import PACK_DIR
from opgtui.core.model import CATEGORIES, Finding
from opgtui.diagnosis import signatures
from opgtui.diagnosis.signatures import ACTIONS, MAX_LINE, load_packs

LOGS = Path(__file__).parent / "data" / "logs"
DOMAINS = {
    "htcondor",
    "grid",
    "art",
    "root",
    "geant4",
    "python",
    "system",
    "cmssw",
    "xrootd",
    "cvmfs",
    "frontier",
    "containers",
    "osdf",
    "credentials",
    "batch",
    "gaudi",
    "workload",
}


@pytest.fixture(scope="module")
def packs():
    return load_packs(plugins=False)


def _by_id(packs):
    return {c.signature.id: c for c in packs.compiled}


def test_bundled_packs_load_without_errors(packs):
    assert packs.errors == []
    stems = {p.stem for p in PACK_DIR.glob("*.yaml")}
    assert {s.pack for s in packs.signatures} == stems | {"codes"}  # codes: the code tables' mentions
    assert stems >= DOMAINS
    assert len(packs.signatures) >= 80


def test_every_signature_is_well_formed(packs):
    ids = [s.id for s in packs.signatures]
    assert len(ids) == len(set(ids))
    for c in packs.compiled:
        s = c.signature
        assert s.category in CATEGORIES, s.id
        assert s.action in ACTIONS, s.id
        assert s.title.strip(), s.id
        assert s.service is None or (s.service == s.service.lower() and s.service.strip()), s.id
        assert c.example.strip(), s.id
        expected = {
            "service": ("retry",),
            "code": ("debug",),
            "unknown": ("look at the log",),
            "resource": tuple(a for a in ACTIONS if a.startswith("resubmit")),
        }
        assert s.action in expected[s.category], s.id


def _example_lines(packs, sid: str) -> list[str]:
    by_id = _by_id(packs)
    c = by_id[sid]
    return [by_id[r].example for r in c.requires[:1]] + [c.example]


@pytest.mark.parametrize("sid", [c.signature.id for c in load_packs(plugins=False).compiled])
def test_example_matches_its_signature_through_scan(packs, sid):
    lines = _example_lines(packs, sid)
    found = packs.scan(lines)
    assert any(f.signature == sid and f.line == len(lines) and f.text == lines[-1] for f in found), found


@pytest.mark.parametrize("sid", [c.signature.id for c in load_packs(plugins=False).compiled if c.benign])
def test_benign_examples_do_not_match(packs, sid):
    c = _by_id(packs)[sid]
    lines = [_by_id(packs)[r].example for r in c.requires[:1]] + list(c.benign)
    assert not [f for f in packs.scan(lines) if f.signature == sid]


def test_requires_needs_an_earlier_traceback_header(packs):
    alone = packs.scan(["KeyError: 'numu_fd_v5'"])
    assert not [f for f in alone if f.signature == "python_traceback_user_code"]
    after = packs.scan(["Traceback (most recent call last):", '  File "x.py", line 1', "KeyError: 'numu_fd_v5'"])
    assert [f.line for f in after if f.signature == "python_traceback_user_code"] == [3]


def test_geant4_warning_is_never_a_failure(packs):
    found = packs.scan((LOGS / "geant4_warning_benign.log").read_text().splitlines())
    assert found and all(f.category == "unknown" and f.priority < 0 for f in found)


@pytest.mark.parametrize("log", sorted(p.name for p in LOGS.glob("*.log")))
def test_scanning_a_tail_equals_scanning_each_line(packs, log):
    """The combined prefilter and line bookkeeping lose and invent nothing."""
    lines = (LOGS / log).read_text().splitlines()
    requires = {c.signature.id for c in packs.compiled if c.requires}
    whole = {(f.line, f.signature) for f in packs.scan(lines) if f.signature not in requires}
    single = {
        (i, f.signature) for i, line in enumerate(lines, 1) for f in packs.scan([line]) if f.signature not in requires
    }
    assert whole == single


def test_line_numbers_are_one_based_and_text_is_the_line(packs):
    lines = ["ok", "still ok", "curl: (6) Could not resolve host: samweb.fnal.gov", "done"]
    [f] = [f for f in packs.scan(lines) if f.signature == "dns_resolution_failed"]
    assert (f.line, f.text, f.category, f.service) == (3, lines[2], "service", "dns")


# ------------------------------------------------------------------------------------------- hostile input


def test_binary_garbage_does_not_crash(packs):
    import random

    rng = random.Random(3)
    garbage = [bytes(rng.randrange(256) for _ in range(300)).decode("latin-1") for _ in range(200)]
    garbage += ["\x00\x1b[2J\ud800 lone surrogate", "tab\tand\rcarriage\r"]
    assert isinstance(packs.scan(garbage), list)


def test_non_string_items_and_embedded_newlines_are_tolerated(packs):
    found = packs.scan([b"\xff\xfe Could not resolve host: x", 12, None, "a\nb", "Killed\r"])
    assert [(f.line, f.signature) for f in found] == [(1, "dns_resolution_failed"), (5, "process_killed_sigkill")]


def test_ten_megabyte_line_is_bounded(packs):
    line = "Could not resolve host: " + "x" * 10_000_000
    started = time.perf_counter()
    found = packs.scan(["before", line, "after"])
    assert time.perf_counter() - started < 1.0
    [f] = found
    assert f.line == 2 and len(f.text) == MAX_LINE
    assert packs.scan(["x" * 10_000_000 + " Could not resolve host"]) == []  # beyond the examined prefix


def test_empty_input(packs):
    assert packs.scan([]) == []
    assert packs.scan([""]) == []


# ------------------------------------------------------------------------------------------- bad packs


def _pack(tmp: Path, name: str, signatures: list[dict] | str) -> Path:
    path = tmp / name
    if isinstance(signatures, str):
        path.write_text(signatures)
    else:
        path.write_text(yaml.safe_dump({"pack": path.stem, "signatures": signatures}))
    return path


def _sig(sid: str, pattern: str, example: str, **extra) -> dict:
    return {
        "id": sid,
        "pattern": pattern,
        "category": "service",
        "action": "retry",
        "title": sid,
        "example": example,
        **extra,
    }


def test_invalid_pattern_and_broken_yaml_are_reported_and_skipped(tmp_path):
    _pack(tmp_path, "broken.yaml", "pack: broken\nsignatures:\n  - id: x\n    pattern: [unclosed\n")
    _pack(
        tmp_path,
        "mixed.yaml",
        [
            _sig("exp_bad_regex", "(unclosed", "(unclosed"),
            _sig("exp_good", r"NOvA catalog down \d+", "NOvA catalog down 42"),
        ],
    )
    packs = load_packs([tmp_path], plugins=False)
    assert any("broken.yaml" in e and "YAML" in e for e in packs.errors)
    assert any("mixed.yaml" in e and "exp_bad_regex" in e and "invalid pattern" in e for e in packs.errors)
    ids = {s.id for s in packs.signatures}
    assert "exp_good" in ids and "exp_bad_regex" not in ids
    assert "cvmfs_catalog_failure" in ids  # the bundled packs still work
    assert [f.signature for f in packs.scan(["NOvA catalog down 7"])] == ["exp_good"]


@pytest.mark.parametrize(
    ("sig", "problem"),
    [
        (_sig("lookahead", "foo(?=bar)", "foobar"), "backtracking"),
        (_sig("backref", r"(a)\1", "aa"), "backtracking"),
        (_sig("huge", r"(a{1000}){1000}", "a"), "too big for RE2 (invalid repetition size"),  # said as RE2 says it
        (_sig("empty", "x*", "x"), "empty line"),
        (_sig("anchor", r"\Afoo", "foo"), "one line"),
        (_sig("wrong_example", "foo", "bar"), "example does not match"),
        (_sig("benign_hit", "foo", "foo", benign=["food"]), "benign"),
        (
            {"id": "no_example", "pattern": "foo", "category": "code", "action": "debug", "title": "t"},
            "missing example",
        ),
        (_sig("bad_category", "foo", "foo", category="network"), "category"),
        (_sig("bad_priority", "foo", "foo", priority="high"), "priority"),
        (_sig("typo_key", "foo", "foo", benighn=["x"]), "unknown keys"),
        (_sig("needs_nothing", "foo", "foo", requires=["no_such_id"]), "requires unknown"),
        (_sig("cvmfs_catalog_failure", "foo", "foo"), "duplicate id"),
    ],
)
def test_bad_signatures_are_rejected_with_a_reason(tmp_path, sig, problem):
    _pack(tmp_path, "exp.yaml", [sig, _sig("exp_fine", "fine", "fine")])
    packs = load_packs([tmp_path], plugins=False)
    errors = [e for e in packs.errors if "exp.yaml" in e]
    assert len(errors) == 1 and sig["id"] in errors[0] and problem in errors[0], packs.errors
    assert "exp_fine" in {s.id for s in packs.signatures}


def test_missing_extra_dir_is_reported(tmp_path):
    packs = load_packs([tmp_path / "nope"], plugins=False)
    assert any("nope" in e for e in packs.errors)
    assert packs.signatures


def test_pathological_regex_does_not_stall(tmp_path):
    _pack(tmp_path, "evil.yaml", [_sig("evil", "(a+)+$", "aaa"), _sig("evil2", "(x+x+)+y", "xxy")])
    packs = load_packs([tmp_path], plugins=False)
    assert {"evil", "evil2"} <= {s.id for s in packs.signatures}
    started = time.perf_counter()
    packs.scan(["a" * 50000 + "!", "x" * 50000] * 3)
    assert time.perf_counter() - started < 1.0
    # RE2 itself is linear on the whole hostile line, not only on the examined prefix
    regex, _ = signatures.compile_pattern("(a+)+$")
    started = time.perf_counter()
    assert regex.search(("a" * 50000 + "!").encode()) is None
    assert time.perf_counter() - started < 1.0
    within = "a" * (MAX_LINE - 10)
    assert not [f for f in packs.scan([within + "!"]) if f.signature == "evil"]
    assert [f.line for f in packs.scan(["b", within]) if f.signature == "evil"] == [2]


# ------------------------------------------------------------------------------------------- plugins


class _EntryPoint:
    def __init__(self, name: str, obj: object) -> None:
        self.name, self.value, self._obj = name, f"exp_plugin:{name}", obj

    def load(self) -> object:
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def test_plugins_give_pack_directories_and_finder_callables(tmp_path, monkeypatch):
    down = "MetaCat server unavailable"
    _pack(tmp_path, "dune.yaml", [_sig("dune_metacat_down", down, down)])

    def finder(lines: list[str]) -> list[Finding]:
        return [
            Finding("dune_two_line_rule", "code", "debug", "two-line rule", i + 1, line)
            for i, line in enumerate(lines[1:], 1)
            if lines[i - 1] == "stage A" and line == "stage B"
        ]

    def exploding(lines: list[str]) -> list[Finding]:
        raise RuntimeError("plugin bug")

    eps = [
        _EntryPoint("dune_dir", str(tmp_path)),
        _EntryPoint("dune_finder", finder),
        _EntryPoint("broken_import", ImportError("no module named dune_ops")),
        _EntryPoint("weird", 42),
        _EntryPoint("exploding", exploding),
    ]
    monkeypatch.setattr(signatures, "entry_points", lambda group: eps if group == "opgtui.classifiers" else [])
    packs = load_packs()
    assert "dune_metacat_down" in {s.id for s in packs.signatures}
    assert any("broken_import" in e and "failed to load" in e for e in packs.errors)
    assert any("weird" in e and "neither" in e for e in packs.errors)
    found = packs.scan(["stage A", "stage B", "MetaCat server unavailable"])
    assert {(f.line, f.signature) for f in found} == {(2, "dune_two_line_rule"), (3, "dune_metacat_down")}
    assert any("exploding" in e and "plugin bug" in e for e in packs.errors)


def test_plugins_off_means_no_entry_points(monkeypatch):
    def boom(group: str) -> list:
        raise AssertionError("entry points must not be read")

    monkeypatch.setattr(signatures, "entry_points", boom)
    assert load_packs(plugins=False).errors == []


def test_a_yaml_alias_bomb_pack_is_refused_in_one_line(tmp_path):
    """Issue 17 item 10: packs go through the bounded loader; a billion-laughs pack costs nothing."""
    lines = ["pack: bomb", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += ["signatures: []"]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "codes").mkdir()
    (tmp_path / "codes" / "tagged.yaml").write_text("table: !!python/object:os.system x\ncodes: []\n")
    t0 = time.perf_counter()
    packs = load_packs([tmp_path], plugins=False)
    assert time.perf_counter() - t0 < 5
    bomb = [e for e in packs.errors if "bomb.yaml" in e]
    tagged = [e for e in packs.errors if "tagged.yaml" in e]
    assert len(bomb) == 1 and "alias" in bomb[0] and len(tagged) == 1, packs.errors
    assert not any(s.pack == "bomb" for s in packs.signatures)


def _catastrophic(lines: list[str]) -> list[Finding]:
    """A plugin with Python's backtracking regex: (a+)+$ on 35 a's and a '!' runs for hours, holding the GIL."""
    import re

    return [
        Finding("hang_rule", "code", "debug", "hang", i + 1, line)
        for i, line in enumerate(lines)
        if re.match(r"(a+)+$", line)
    ]


def _quick(lines: list[str]) -> list[Finding]:
    return [Finding("quick_rule", "code", "debug", "quick", 1, lines[0])] if lines else []


def test_a_hanging_plugin_is_dropped_for_that_log_and_the_rest_goes_on(monkeypatch):
    """Issue 17 item 6: a plugin runs in a worker with a time budget; an overrun drops it for that log only."""
    eps = [_EntryPoint("hang", _catastrophic), _EntryPoint("quick", _quick)]
    monkeypatch.setattr(signatures, "entry_points", lambda group: eps if group == "opgtui.classifiers" else [])
    packs = load_packs()
    packs.plugin_budget = 0.5
    try:
        packs.scan(["warm up"])  # start the workers (a process each: that cost is paid once)
        started = time.perf_counter()
        found = packs.scan(["a" * 35 + "!", "cvmfs catalog load failed"])
        assert time.perf_counter() - started < 3.0
        assert "quick_rule" in {f.signature for f in found} and "hang_rule" not in {f.signature for f in found}
        assert any(
            "plugin 'hang': findings() took longer than 0.5 s on this log; dropped for it" in e for e in packs.errors
        )
        again = packs.scan(["aaaa"])  # the next log gets a fresh worker
        assert {f.signature for f in again} == {"hang_rule", "quick_rule"}
    finally:
        packs.close()


def test_plugin_calls_from_several_threads_get_their_own_answers(monkeypatch):
    """The dashboard diagnoses from worker threads: one plugin worker answers each call with its own lines."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(
        signatures,
        "entry_points",
        lambda group: [_EntryPoint("quick", _quick)] if group == "opgtui.classifiers" else [],
    )
    packs = load_packs()
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda i: packs.scan([f"log {i}"]), range(24)))
        for i, found in enumerate(results):
            assert [f.text for f in found if f.signature == "quick_rule"] == [f"log {i}"]
    finally:
        packs.close()


def test_a_dropped_packset_does_not_leave_plugin_workers_behind(monkeypatch):
    import gc

    monkeypatch.setattr(
        signatures,
        "entry_points",
        lambda group: [_EntryPoint("quick", _quick)] if group == "opgtui.classifiers" else [],
    )
    packs = load_packs()
    packs.scan(["x"])
    proc = packs._runners["quick"]._proc
    assert proc.is_alive()
    del packs
    gc.collect()
    proc.join(5)
    assert not proc.is_alive()
