"""Verdict ranking, conflicts and correlation with outage windows."""

from __future__ import annotations

import pytest

from opgtui.core.model import Finding, Job, JobStatus, Window
from opgtui.diagnosis.verdict import EVIDENCE_CAP, decide, describe_window, job_span

T0 = 1_700_000_000.0  # a fixed instant; the tests use minutes after it
MIN = 60.0


def at(minutes: float) -> float:
    return T0 + minutes * MIN


def finding(
    sig: str,
    category: str = "service",
    priority: int = 50,
    line: int | None = 1,
    service: str | None = None,
    action: str | None = None,
) -> Finding:
    default = {"service": "retry", "code": "debug", "resource": "resubmit with more memory"}
    return Finding(
        sig,
        category,
        action or default.get(category, "look at the log"),
        sig.replace("_", " "),
        line,
        f"line text of {sig}",
        service,
        priority,
    )


def job(
    start: float | None,
    end: float | None = None,
    status: int = JobStatus.COMPLETED,
    status_since: float | None = None,
    submit: float | None = None,
) -> Job:
    return Job(
        "sched#1.0",
        "sched",
        1,
        0,
        status=status,
        start_time=start,
        end_time=end,
        status_since=status_since,
        submit_time=submit,
    )


def outage(service: str, start: float, end: float | None, kind: str = "outage") -> Window:
    return Window(service, kind, start, end, "alertmanager")  # type: ignore[arg-type]


SAM = finding("samweb_http_5xx", "service", 65, 10, "samweb")


# ------------------------------------------------------------------------------------------- ranking


def test_nothing_matched_is_unknown():
    v = decide([])
    assert (v.category, v.action, v.signature, v.confidence) == ("unknown", "look at the log", None, "none")
    assert v.evidence == []


def test_higher_priority_wins_regardless_of_order():
    low = finding("gfal_copy_error", "service", 20, 5)
    high = finding("storage_permission_refused", "code", 70, 3)
    for order in ([low, high], [high, low]):
        v = decide(order)
        assert (v.category, v.signature) == ("code", "storage_permission_refused")
        assert v.evidence[0] is high and low in v.evidence


def test_rule_beats_text_at_equal_priority():
    text = finding("killed_text", "code", 40, 7)
    rule = finding("rule:signal_9", "resource", 40, None)
    assert decide([text, rule]).signature == "rule:signal_9"


def test_innermost_art_block_and_last_python_exception_win_ties():
    outer = finding("art_file_open_error", "service", 45, 3)
    inner = finding("art_product_not_found", "service", 45, 6)
    assert decide([inner, outer]).signature == "art_product_not_found"


def test_equal_weight_disagreement_is_unknown_not_a_guess():
    code = finding("art_configuration", "code", 65, 8)
    v = decide([code, SAM])
    assert (v.category, v.signature, v.confidence) == ("unknown", None, "none")
    assert "samweb_http_5xx" in v.reason and "art_configuration" in v.reason
    assert {f.signature for f in v.evidence} == {"art_configuration", "samweb_http_5xx"}


def test_ambiguous_specific_signature_beats_a_weaker_guess():
    ambiguous = finding("xrootd_3011_no_such_file", "unknown", 66, 1, "xrootd")
    weaker = finding("root_remote_read_error", "service", 35, 1, "xrootd")
    v = decide([weaker, ambiguous])
    assert (v.category, v.signature, v.action) == ("unknown", "xrootd_3011_no_such_file", "look at the log")


def test_informational_findings_never_decide_against_a_real_one():
    warning = finding("geant4_G4Exception_warning", "unknown", -20, 9)
    code = finding("python_traceback_user_code", "code", 10, 4)
    assert decide([warning, code]).category == "code"
    assert decide([warning]).category == "unknown"


def test_confidence():
    # a service finding that states an availability fact (here: timed out), so the precision rule lets it decide
    assert decide([finding("cvmfs_download_timed_out", "service", 85, 1, "cvmfs")]).confidence == "confident"
    assert decide([SAM]).confidence == "probable"
    mixed = [finding("cvmfs_download_timed_out", "service", 85, 1, "cvmfs"), finding("segv", "code", 30, 2)]
    assert decide(mixed).confidence == "probable"


def test_evidence_is_capped_deduplicated_and_led_by_the_winner():
    many = [finding(f"retry_{i}", "service", 5, i) for i in range(1, 30)]
    many.append(finding("other_on_line_3", "service", 1, 3))
    winner = finding("dcache_no_read_pools_online", "service", 82, 31, "dcache")
    v = decide([*many, winner])
    assert len(v.evidence) == EVIDENCE_CAP and v.evidence[0] is winner
    lines = [f.line for f in v.evidence]
    assert len(lines) == len(set(lines))


# ------------------------------------------------------------------------------------------- outages


@pytest.mark.parametrize(
    ("run", "window"),
    [
        ((at(-60), at(10)), (at(2), at(45))),  # job spans the start of the outage
        ((at(30), at(90)), (at(2), at(45))),  # job spans the end of the outage
        ((at(0), at(120)), (at(2), at(45))),  # outage entirely inside the job
        ((at(5), at(10)), (at(2), at(45))),  # job entirely inside the outage
        ((at(30), at(90)), (at(2), None)),  # outage still open
    ],
)
def test_service_finding_during_an_outage_is_confident(run, window):
    w = outage("samweb", *window)
    v = decide([SAM], job=job(*run), windows=[w, outage("dcache", at(0), at(500))], now=at(200))
    assert (v.category, v.confidence, v.windows) == ("service", "confident", [w])
    assert "samweb DOWN" in v.reason and "overlapped this job" in v.reason
    if window[1] is None:
        assert "still open" in v.reason
    else:
        assert describe_window(w) in v.reason


@pytest.mark.parametrize(
    ("run", "window"),
    [
        ((at(50), at(90)), (at(2), at(45))),  # job started after the outage ended
        ((at(-60), at(1)), (at(2), at(45))),  # job ended before the outage began
    ],
)
def test_outage_outside_the_job_does_not_count(run, window):
    v = decide([SAM], job=job(*run), windows=[outage("samweb", *window)], now=at(200))
    assert (v.category, v.confidence, v.windows) == ("service", "probable", [])
    assert "no recorded samweb outage" in v.reason


def test_running_job_uses_now_and_held_job_uses_when_it_was_held():
    w = outage("samweb", at(30), at(40))
    running = job(at(0), None, status=JobStatus.RUNNING, status_since=at(0))
    assert decide([SAM], job=running, windows=[w], now=at(35)).confidence == "confident"
    assert decide([SAM], job=running, windows=[w], now=at(20)).confidence == "probable"  # not yet down
    assert decide([SAM], job=running, windows=[w]).confidence == "confident"  # no clock: open-ended
    held = job(at(0), None, status=JobStatus.HELD, status_since=at(10))
    assert decide([SAM], job=held, windows=[w], now=at(60)).confidence == "probable"
    assert job_span(held) == (at(0), at(10))


def test_submit_time_when_the_job_never_started():
    w = outage("samweb", at(1), at(4))
    idle_then_held = job(None, None, status=JobStatus.HELD, status_since=at(5), submit=at(0))
    assert decide([SAM], job=idle_then_held, windows=[w]).confidence == "confident"


def test_no_job_or_no_times_means_no_correlation():
    w = outage("samweb", at(0), None)
    assert decide([SAM], windows=[w], now=at(5)).confidence == "probable"
    assert decide([SAM], job=job(None), windows=[w], now=at(5)).windows == []


def test_other_services_outage_does_not_confirm():
    v = decide([SAM], job=job(at(0), at(60)), windows=[outage("dcache", at(10), at(20))])
    assert v.confidence == "probable" and v.windows == []


def test_code_stays_code_during_an_outage():
    segv = finding("root_segmentation_violation", "code", 80, 3)
    v = decide([segv], job=job(at(0), at(60)), windows=[outage("samweb", at(10), at(20))], depends_on=["samweb"])
    assert (v.category, v.action) == ("code", "debug")
    assert "looks like code" in v.reason


def test_outage_breaks_a_tie_in_favour_of_the_service():
    code = finding("art_configuration", "code", 65, 8)
    v = decide([code, SAM], job=job(at(0), at(60)), windows=[outage("samweb", at(10), at(20))])
    assert (v.category, v.signature, v.confidence) == ("service", "samweb_http_5xx", "confident")


def test_no_finding_but_a_dependency_was_down_is_probably_service():
    w = outage("dcache", at(10), at(20), kind="maintenance")
    v = decide([], job=job(at(0), at(60)), windows=[w], depends_on=["samweb", "dcache"])
    assert (v.category, v.action, v.confidence, v.signature) == ("service", "retry", "probable", None)
    assert "probably service" in v.reason and "dcache MAINTENANCE" in v.reason and v.windows == [w]
    assert decide([], job=job(at(30), at(60)), windows=[w], depends_on=["dcache"]).category == "unknown"
    assert decide([], job=job(at(0), at(60)), windows=[w]).category == "unknown"  # not a dependency


def test_ambiguous_finding_with_its_service_down_is_probably_service():
    ambiguous = finding("xrootd_3011_no_such_file", "unknown", 66, 1, "xrootd")
    v = decide([ambiguous], job=job(at(0), at(60)), windows=[outage("xrootd", at(10), at(20))])
    assert (v.category, v.confidence) == ("service", "probable")
    assert v.evidence == [ambiguous]


def test_a_running_or_succeeded_job_is_not_blamed_on_an_outage():
    w = outage("dcache", at(10), None)
    running = job(at(0), None, status=JobStatus.RUNNING, status_since=at(0))
    v = decide([], job=running, windows=[w], depends_on=["dcache"], now=at(30))
    assert (v.category, v.action, v.windows) == ("unknown", "nothing to do", [])
    assert v.reason == "the job is running: no failure to judge"
    ok = Job("sched#1.0", "sched", 1, 0, status=JobStatus.COMPLETED, exit_code=0, start_time=at(0), end_time=at(60))
    v = decide([], job=ok, windows=[w], depends_on=["dcache"])
    assert v.reason == "the job succeeded (exit 0): no failure to judge"
    failed = Job("sched#1.0", "sched", 1, 0, status=JobStatus.COMPLETED, exit_code=1, start_time=at(0), end_time=at(60))
    assert decide([], job=failed, windows=[w], depends_on=["dcache"]).category == "service"


def test_each_outage_is_named_once_and_a_warning_alert_is_degraded():
    a = Window("dcache", "outage", at(10), None, "am", "warning", "pool slow", "fp1")
    b = Window("dcache", "outage", at(10), None, "am", "warning", "pool slow", "fp2")
    v = decide([], job=job(at(0), at(60)), windows=[a, b], depends_on=["dcache"], now=at(90))
    assert v.reason.count("dcache DEGRADED since") == 1
    critical = Window("dcache", "outage", at(10), None, "am", "critical", "", "x")
    assert describe_window(critical).startswith("dcache DOWN")
