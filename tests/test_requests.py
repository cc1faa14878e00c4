"""Production requests, the pure part: field types, what is missing per experiment, who may do what,
audit diffs, rebasing an edit on a newer version, YAML in and out with line numbers, linked-job counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.config import ConfigError, Roles, parse_config
from opgtui.core.model import ProductionRequest
from opgtui.domain import requests as rq

CFG = parse_config(
    "services:\n  - {name: samweb}\n  - {name: dcache}\n"
    "experiments:\n"
    "  - {name: nova, request_required: [input_dataset, fhicl, release, events]}\n"
    "  - {name: dune, request_required: [workflow, deadline]}\n"
    "roles: {operators: [ops], approvers: [alice, bob]}\n",
    Path("c.yaml"),
)
ROLES = CFG.roles


def req(status: str = "draft", requester: str = "carol", **fields: object) -> ProductionRequest:
    return ProductionRequest("nova", "MC gen", requester, status, fields=dict(fields), id=7)


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("events", " 10_000 ", 10000),
        ("events", "1,000", 1000),
        ("cpu_hours", "2.5", 2.5),
        ("fhicl", "a.fcl, b.fcl,,", ["a.fcl", "b.fcl"]),
        ("deadline", "2026-12-01", "2026-12-01"),
        ("workflow", "mc", "mc"),
        ("events", "  ", None),
        ("notes", "two\nlines", "two\nlines"),
    ],
)
def test_parse_value(name: str, text: str, value: object) -> None:
    assert rq.parse_value(rq.FIELD_BY_NAME[name], text) == value


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("events", "ten", "expected a whole number, got 'ten'"),
        ("events", "-5", "must not be negative"),
        ("memory_mb", "2.5", "expected a whole number"),
        ("deadline", "01/12/2026", "expected a date YYYY-MM-DD"),
        ("workflow", "monte carlo", "expected one of keepup, mc, reprocessing, merge"),
    ],
)
def test_bad_values_say_why(name: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rq.parse_value(rq.FIELD_BY_NAME[name], text)


def test_form_parse_keeps_good_fields_and_names_bad_ones() -> None:
    fields, errors = rq.parse_form({"events": "12", "memory_mb": "lots", "release": "", "fhicl": "x.fcl"})
    assert fields == {"events": 12, "fhicl": ["x.fcl"]}
    assert list(errors) == ["memory_mb"]


def test_required_fields_are_per_experiment() -> None:
    nova = req(fhicl=["a.fcl"])
    assert rq.missing(nova, CFG) == ["input_dataset", "release", "events"]
    assert rq.missing_sentence(rq.missing(nova, CFG)) == "Missing for submit: Input dataset, Software release, Events"
    dune = ProductionRequest("dune", "", "carol", fields={"deadline": "2026-12-01"})
    assert rq.missing(dune, CFG) == ["title", "workflow"]
    other = ProductionRequest("uboone", "x", "carol")  # not configured: title and experiment only
    assert rq.missing(other, CFG) == []
    assert "unknown experiment 'uboone'" in rq.problems(other, CFG)["experiment"]


def test_unknown_service_is_a_problem() -> None:
    assert "unknown service 'sam'" in rq.problems(req(services=["samweb", "sam"]), CFG)["services"]


def test_config_rejects_unknown_required_field_with_line() -> None:
    with pytest.raises(
        ConfigError,
        match=r"c.yaml:4: experiments\[0\].request_required\[1\]: unknown request "
        r"field 'fhcl' \(did you mean 'fhicl'\?\)",
    ):
        parse_config("experiments:\n  - name: nova\n    request_required: [events,\n      fhcl]\n", Path("c.yaml"))


def test_full_workflow_by_roles() -> None:
    r = req()
    steps = [
        ("submit", "carol", "submitted"),
        ("approve", "alice", "approved"),
        ("schedule", "ops", "scheduled"),
        ("start", "ops", "running"),
        ("finish", "ops", "done"),
    ]
    for action, who, target in steps:
        t = rq.check_transition(r, action, who, ROLES)
        assert t.target == target
        r.status = target


@pytest.mark.parametrize(
    ("status", "action", "who", "message"),
    [
        ("submitted", "approve", "carol", "carol may not approve request 7: only approvers may"),
        ("submitted", "approve", "ops", "ops may not approve request 7: only approvers may"),
        ("submitted", "reject", "mallory", "only approvers may"),
        ("submitted", "reject", "alice", "reject needs a reason"),
        ("draft", "approve", "alice", "request 7 is draft: approve needs it to be submitted"),
        ("draft", "submit", "mallory", "only the requester or operators may"),
        ("approved", "schedule", "alice", "only operators may"),
        ("done", "cancel", "carol", "request 7 is done: cancel needs it to be draft or submitted"),
    ],
)
def test_refusals_say_why(status: str, action: str, who: str, message: str) -> None:
    with pytest.raises(rq.Refused, match=message):
        rq.check_transition(req(status), action, who, ROLES)


def test_no_approvers_configured_says_where_to_configure() -> None:
    with pytest.raises(rq.Refused, match=r"no approvers are configured: roles.approvers"):
        rq.check_transition(req("submitted"), "approve", "alice", Roles(operators=["ops"]))


def test_submit_refused_names_what_is_missing() -> None:
    with pytest.raises(rq.Refused, match="cannot be submitted yet: it lacks Input dataset, Events"):
        rq.check_transition(req(), "submit", "carol", ROLES, missing_names=["input_dataset", "events"])


def test_priority_only_by_approvers_on_open_requests() -> None:
    rq.check_priority(req("submitted"), "bob", ROLES, 4)
    with pytest.raises(rq.Refused, match="only approvers may"):
        rq.check_priority(req("submitted"), "carol", ROLES, 4)
    with pytest.raises(rq.Refused, match="can no longer change"):
        rq.check_priority(req("done"), "bob", ROLES, 4)
    with pytest.raises(rq.Refused, match="priority must be one of"):
        rq.check_priority(req("submitted"), "bob", ROLES, 9)


def test_who_may_edit_what() -> None:
    rq.check_edit(req("submitted"), "carol", ROLES, ["events"])
    rq.check_edit(req("submitted"), "ops", ROLES, ["events"])
    with pytest.raises(rq.Refused, match=r"alice may not edit request 7: only the requester \(carol\) or an operator"):
        rq.check_edit(req("submitted"), "alice", ROLES, ["events"])
    rq.check_edit(req("running"), "ops", ROLES, ["batches", "notes"])
    with pytest.raises(rq.Refused, match="only Linked batches, Notes may still change, not Events"):
        rq.check_edit(req("approved"), "carol", ROLES, ["events", "notes"])
    with pytest.raises(rq.Refused, match="can no longer be edited"):
        rq.check_edit(req("cancelled"), "carol", ROLES, ["notes"])


def test_diff_lists_every_changed_field() -> None:
    old = req(events=10, fhicl=["a.fcl"])
    new = rq.with_changes(old, title="MC gen v2", fields={"events": 20, "fhicl": None, "release": "v1"})
    assert rq.diff(old, new) == {
        "title": ["MC gen", "MC gen v2"],
        "events": [10, 20],
        "fhicl": [["a.fcl"], None],
        "release": [None, "v1"],
    }
    lines = rq.describe_change(rq.diff(old, new))
    assert "Title: 'MC gen' -> 'MC gen v2'" in lines and "FHiCL files: a.fcl -> (empty)" in lines


def test_rebase_keeps_my_edits_on_their_version_and_names_clashes() -> None:
    base = {"title": "MC", "events": 10, "release": "v1"}
    mine = {"title": "MC", "events": 20, "release": "v1", "notes": "rush"}
    theirs = {"title": "MC (bob)", "events": 15, "release": "v1"}
    merged, clashes = rq.rebase(base, mine, theirs)
    assert merged == {"title": "MC (bob)", "events": 20, "release": "v1", "notes": "rush"}
    assert clashes == ["events"]


def test_sort_open_and_urgent_first() -> None:
    a = ProductionRequest("nova", "a", "x", "done", 4, id=1)
    b = ProductionRequest("nova", "b", "x", "submitted", 2, id=2)
    c = ProductionRequest("nova", "c", "x", "approved", 3, id=3)
    d = ProductionRequest("nova", "d", "x", "approved", 3, {"deadline": "2026-01-01"}, id=4)
    assert [r.id for r in sorted([a, b, c, d], key=rq.sort_key)] == [4, 3, 2, 1]


def test_yaml_round_trip() -> None:
    r = req(
        "approved",
        events=1000,
        fhicl=["a.fcl", "b c.fcl"],
        cpu_hours=2.5,
        notes="line 1\nline 2: [x]",
        deadline="2026-12-01",
    )
    r.priority, r.version = 3, 5
    back = rq.from_yaml(rq.to_yaml(r), "r.yaml").request
    assert (back.id, back.version, back.status, back.priority, back.requester) == (7, 5, "approved", 3, "carol")
    assert (back.experiment, back.title, back.fields) == (r.experiment, r.title, r.fields)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("experiment: nova\ntitle: x\nevents: [1, 2\n", r"r.yaml:4: not valid YAML"),
        ("experiment: nova\ntitle: x\n\nevnts: 10\n", r"r.yaml:4: evnts: unknown field \(did you mean 'events'\?\)"),
        ("experiment: nova\ntitle: x\nevents: ten\n", r"r.yaml:3: events: expected a whole number, got 'ten'"),
        ("experiment: nova\ntitle: x\nfhicl: {a: 1}\n", r"r.yaml:3: fhicl: expected a list of strings"),
        ("experiment: nova\ntitle: x\ndeadline: tomorrow\n", r"r.yaml:3: deadline: expected a date"),
        ("experiment: nova\ntitle: x\nstatus: approvd\n", r"r.yaml:3: status: unknown status 'approvd'"),
        ("experiment: nova\nevents: 1\n", r"r.yaml:1: title: required"),
        ("experiment: nova\ntitle: x\ntitle: y\n", r"r.yaml:3: title: given twice"),
        ("- just\n- a list\n", r"r.yaml:1: expected a mapping"),
    ],
)
def test_bad_yaml_names_the_line(text: str, message: str) -> None:
    with pytest.raises(rq.RequestFormatError, match=message):
        rq.from_yaml(text, "r.yaml")


def test_linked_jobs_summary_on_real_demo_jobs(tmp_path: Path) -> None:
    from opgtui.core.model import JobStatus
    from opgtui.demo.build import build_demo

    _cfg, store = build_demo(tmp_path)
    jobs = store.request_jobs(["nova_mc_genie_fd_v3"])
    assert jobs and {j.batch_name for j in jobs} == {"nova_mc_genie_fd_v3"}
    p = rq.summarize_jobs(jobs, store.verdict_summaries())
    assert p.total == len(jobs) == sum((p.by_status or {}).values())
    assert p.held == sum(j.status == JobStatus.HELD for j in jobs)
    assert p.failed == sum(j.failed for j in jobs)
    assert p.succeeded == sum(j.status == JobStatus.COMPLETED and not j.failed for j in jobs)
    assert sum(n for _, n in p.causes or ()) <= p.failed + p.held
    if p.failed + p.held:
        assert p.causes


def test_batches_linked_by_another_ad_attribute(tmp_path: Path) -> None:
    from opgtui.demo.build import build_demo

    _cfg, store = build_demo(tmp_path)
    by_name = store.request_jobs(["nova_mc_genie_fd_v3"])
    owner = by_name[0].owner
    by_owner = store.request_jobs([owner], "Owner")
    assert by_owner and {j.owner for j in by_owner} == {owner}
    assert len(by_owner) == sum(j.owner == owner for j in store.jobs() if store.job_ad(j.id) is not None)
