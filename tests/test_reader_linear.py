"""Review finding (diagnosis/reader.py, proposed): the C runtime frame pattern is quadratic on a long line."""

from __future__ import annotations

import time

from opgtui.diagnosis.stacks import innermost_native_frame


def test_a_backtrace_of_long_frame_lines_is_read_in_linear_time() -> None:
    """A payload's stdout (untrusted) can print a gdb-like run of frames, each line up to the reader's 64 KiB
    cut, with many ' in read' and no '(' before a late match: ' in (...)\\b[^(]*\\(' then scans to the line's end
    from every ' in ' (quadratic: ~0.3 s of CPU per 64 KiB line, up to 200 frame lines per stack, one stack per
    frame signature's line)."""
    filler = " in read" * 8000
    lines = ["#0  <signal handler called>"] + [
        f"#{k}  0x00007f in {filler[: 64 * 1024 - 60]} <signal handler called>" for k in range(1, 21)
    ]
    started = time.process_time()
    assert innermost_native_frame(lines, 21) is None  # every frame is the runtime's: no innermost frame outside it
    took = time.process_time() - started
    assert took < 1.0, f"{took:.1f} s of CPU for 20 frame lines"


def test_a_long_run_of_middleware_frames_is_read_in_linear_time() -> None:
    """A deep recursion in a middleware (a gdb backtrace of thousands of XRootD frames, a Java trace of dCache
    frames): every frame line is a frame signature's finding, and for each one the reader walks the whole run up
    to its top again (innermost_java_frame's `while start > 0`, _frame_heads' `head_above` loop): quadratic, 6 s
    of CPU at 4,000 lines, 113 s at 16,000 (the Log view's "all lines", `opgtui diagnose --log`)."""
    from pathlib import Path

    from opgtui.diagnosis.engine import diagnose
    from opgtui.diagnosis.signatures import load_packs

    packs = load_packs([Path(__file__).parent.parent / "classifiers"])
    lines = ["java.io.IOException: boom"] + [f"\tat org.dcache.pool.Mover{i}.run(Mover.java:{i})" for i in range(4000)]
    started = time.process_time()
    diagnose(lines, packs, now=0.0)  # its verdict is not the point here (the precision rule may make it unknown)
    took = time.process_time() - started
    assert took < 1.5, f"{took:.1f} s of CPU for a 4,000-frame trace"


def test_many_signal_frames_are_read_in_linear_time() -> None:
    """A payload's stdout can print "<signal handler called>" frames by the thousand, each line long: only the
    first few crashes are read, each run of frames once."""
    from opgtui.diagnosis.stacks import own_code_crash

    filler = " in read" * 8000
    lines = [f"#{k % 2}  <signal handler called>{filler}" for k in range(5000)]
    started = time.process_time()
    assert own_code_crash({}, lines) is None
    took = time.process_time() - started
    assert took < 1.0, f"{took:.1f} s of CPU for 5,000 signal frames"
