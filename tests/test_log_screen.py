"""The panel above the log: at most three lines, the stream named, a long path cut at the front."""

from __future__ import annotations

from opgtui.core.model import Finding, Verdict
from opgtui.screens.log import verdict_text


def test_the_verdict_panel_is_three_lines_and_keeps_the_file_name() -> None:
    v = Verdict(
        "resource",
        "resubmit with more memory",
        "process_killed_sigkill",
        "Process killed with SIGKILL",
        [Finding("process_killed_sigkill", "resource", 70, "Killed", None, 13)],
        "probable",
        "Process killed with SIGKILL (usually memory) (line 13)",
    )
    path = "/pnfs/nova/scratch/users/novapro/logs/2026/11/25/" + "x" * 80 + "/reco_51234_12.log"
    text = verdict_text(v, path, 14, 50, "stderr", 80)
    lines = text.plain.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == [
        "RESOURCE",
        "resubmit",
        "with",
        "more",
        "memory",
        "(probable)",
        "[process_killed_sigkill]",
    ]
    assert lines[1] == v.reason
    assert lines[2].startswith("stderr · …") and lines[2].endswith("/reco_51234_12.log · last 50 lines (14 shown)")
    assert len(lines[2]) <= 80
    assert verdict_text(None, "/short.log", 3, 0).plain == "stdout · /short.log · all lines (3 shown)"


def test_a_stored_verdict_of_any_text_stays_one_clean_panel() -> None:
    """A team store's verdict row is text its writers chose: an escape sequence or a line break in its category,
    action or confidence is shown, never sent to the terminal, and the panel keeps its three lines."""
    v = Verdict("code\x1b]52;c;aGk=\x07", "retry\nnow\u202e", None, None, [], "sure\x1b[2J")
    lines = verdict_text(v, "/short.log", 3, 0).plain.splitlines()
    assert len(lines) == 2 and all(line.isprintable() for line in lines), lines
    assert lines[0].startswith(" CODE") and "retry now" in lines[0] and "(sure" in lines[0]
