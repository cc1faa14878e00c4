"""Where a crash or a hang sits, read from the stacks a log prints (gdb backtraces, Java stack traces).

- A stack whose innermost frame outside the language's runtime is a ``frame`` signature's (a middleware: XRootD,
  CVMFS, dCache...) says that component failed. gdb: the crashing thread (the frames after "<signal handler
  called>"), else a backtrace of one thread from its frame #0 (a core's, or one thread shown); in a dump of several
  threads ("Thread 5 (Thread 0x..."), a thread without the signal handler's frame only waits where it always
  waits (XRootD's client threads idle in every cmsRun that reads with it), so it names no culprit. Java: the
  first frame of the last "Caused by:" (the root cause), else of the first exception.
- A crash (the frames after "<signal handler called>") whose crashing frame is neither the runtime's, nor a
  middleware's, nor a system library's (/lib64, /usr/lib) is the crashed program's own code: its bug to debug.

Pure. Each run of frames is read once, and at most ``MAX_CRASHES`` signal frames per log: linear in the log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from opgtui.core.model import Finding
from opgtui.core.textsafe import one_line

STACK_LINES = 200
"""How many lines one stack is read over."""
_NATIVE_FRAME = re.compile(r"^\s*#(\d+)\s+(?:0x[0-9a-fA-F]+ in |<signal handler called>|\S+ \()")
"""A frame of gdb's backtrace (what CMSSW, ROOT and a bug report's "thread apply all bt" print): "#3  0x... in f()
from /lib/x.so", its source ("at x.cc:12") sometimes on the lines after it."""
_SIGNAL_FRAME = "<signal handler called>"
_THREAD_HEADING = re.compile(r"^\s*Thread \d+ \(")
"""gdb's heading of one thread in a dump of several ("Thread 5 (Thread 0x7f52596cc700 (LWP 8420)):")."""
FRAME_WRAP = 4
"""Lines one gdb frame may run over (its arguments, "at file.cc:12", a quote's wrapping)."""
_RUNTIME_FRAME = re.compile(
    r"<signal handler called>"
    r"| in (?:\?\?|_(?!Z)\w*|pthread_\w+|raise|abort|(?:nano)?sleep|poll|select|epoll_wait|waitpid|wait4|do_system"
    r"|system|futex\w*|sem_\w+|clone\d*|start_thread|read|write|syscall)\b[^(]{0,256}\("
    r"| from \S*/(?:libc|libpthread|ld-linux[\w-]*|libstdc\+\+|libgcc_s|libm|libdl|librt)[.-]"
)
"""Frames of the C and C++ runtime (libc, libpthread, the dynamic loader, libstdc++): where a thread waits or a
signal is raised, never whose code it is. The innermost frame outside them is."""
_JAVA_FRAME = re.compile(r"^\s*at [\w$]+(?:\.[\w$<>]+)+\((?:[\w$.-]+\.java:\d+|Native Method|Unknown Source)\)")
_JAVA_RUNTIME = re.compile(r"^\s*at (?:java|javax|jdk|sun|com\.sun)\.")
_JAVA_CAUSE = re.compile(r"^\s*Caused by: ")
STACK = "structure.stack_in_middleware"
STACK_PRIORITY = 25
"""A stack whose innermost frame is a middleware's: that component failed (hung, crashed, threw). Below what a
line says when a pack knows it."""
CRASH = "structure.crash_in_own_code"
CRASH_PRIORITY = 46
"""A crash whose crashing frame is the program's own code. Above a bare crash line that names no culprit (CMSSW's
"A fatal system signal has occurred", a shell's "Segmentation fault": 45; the stack says where it sat), below a
line naming the module that crashed (71) and a pack's specific lines. A ``crash`` role: an earlier failed read
(CVMFS, XRootD, storage) explains it."""
MAX_CRASHES = 8
"""Signal frames read per log (the first ones: the first crash is the one that killed the job)."""
SYSTEM_LIBRARIES = ("/lib/", "/lib64/", "/lib32/", "/usr/lib/", "/usr/lib64/", "/usr/lib32/", "/usr/local/lib")
"""Where the operating system's libraries sit (a driver, libcrypto, libz...): a crash there says neither whose
code called it nor whether the node was broken."""
_FROM = " from "


def stack_findings(frames: Mapping[int, Finding], lines: Sequence[str]) -> list[Finding]:
    """The stacks' findings: the first stack whose innermost frame is a middleware's (``frames``: the frame
    signatures' findings by line), else the first crash in the program's own code."""
    middleware = _middleware(frames, lines) if frames else None
    if middleware is not None:
        return [middleware]
    crash = own_code_crash(frames, lines)
    return [crash] if crash is not None else []


def _middleware(frames: Mapping[int, Finding], lines: Sequence[str]) -> Finding | None:
    inners: set[tuple[int, int] | None] = set()
    covered = 0  # the 1-based last line of the stacks read: a frame line inside one has the same innermost frame
    for line in sorted(frames):
        if line <= covered:
            continue
        inners.add(innermost_native_frame(lines, line) or innermost_java_frame(lines, line))
        covered = _run_end(lines, line)
    for first, last in sorted(i for i in inners if i is not None):  # the first stack in the log first
        frame = next((frames[n] for n in range(first, last + 1) if n in frames), None)
        if frame is not None:
            return Finding(
                STACK,
                frame.category,
                frame.action,
                f"A stack whose innermost frame (line {first}) is {frame.title}",
                first,
                lines[first - 1],
                frame.service,
                STACK_PRIORITY,
            )
    return None


def own_code_crash(frames: Mapping[int, Finding], lines: Sequence[str]) -> Finding | None:
    """The first crash (a "<signal handler called>" frame) whose crashing frame is the program's own code, as a
    ``code`` finding on that frame's line; None when it is a middleware's (``frames``) or a system library's."""
    seen = 0
    covered = 0
    for i, text in enumerate(lines):
        if _SIGNAL_FRAME not in text or i < covered or not _NATIVE_FRAME.match(text):
            continue
        seen += 1
        if seen > MAX_CRASHES:
            return None
        covered = _run_end(lines, i + 1)
        crash = innermost_native_frame(lines, i + 1, crashed_only=True)
        if crash is None:
            continue
        first, last = crash
        if any(n in frames for n in range(first, last + 1)):
            return None  # a middleware's frame crashed: _middleware's to say
        frame = " ".join(lines[first - 1 : last])
        where = frame.rfind(_FROM)
        library = frame[where + len(_FROM) :].strip() if where >= 0 else ""
        if library.startswith(SYSTEM_LIBRARIES):
            return None
        return Finding(
            CRASH,
            "code",
            "debug",
            f"A crash whose crashing frame (line {first}, the first after the signal handler outside the C "
            f"runtime) is the program's own code: {_function(lines[first - 1])}",
            first,
            lines[first - 1],
            None,
            CRASH_PRIORITY,
        )
    return None


def _function(frame: str) -> str:
    """The function a gdb frame names ("#5  0x... in Foo::bar(int) () from x.so" -> "Foo::bar(int)"), shortened."""
    at = frame.find(" in ")
    name = frame[at + 4 : at + 4 + 400] if at >= 0 else frame[:400]
    end = name.find(" () ")
    return one_line(name[:end] if end > 0 else name, 160)


def _run_end(lines: Sequence[str], line: int) -> int:
    """The 1-based last line of the run of gdb or Java frames holding ``line`` (its wrapped lines, a Java trace's
    "Caused by:" and "... N more" lines included): read once, so that a long run costs its length, not its square."""
    end = line
    if _JAVA_FRAME.match(lines[line - 1]):
        while end < len(lines) and (
            _JAVA_FRAME.match(lines[end]) or _JAVA_CAUSE.match(lines[end]) or lines[end].strip().startswith("... ")
        ):
            end += 1
        return end
    gap = 0
    while end < len(lines) and lines[end].strip() and gap < FRAME_WRAP:
        gap = 0 if _NATIVE_FRAME.match(lines[end]) else gap + 1
        end += 1
    return end


def innermost_native_frame(lines: Sequence[str], line: int, *, crashed_only: bool = False) -> tuple[int, int] | None:
    """The 1-based first and last line of the innermost frame outside the C runtime of the gdb backtrace holding
    ``line`` (a frame's arguments and source may follow on lines of their own, or a quote wraps it), or None when
    ``line`` is in no backtrace, or the backtrace shows no thread known to have crashed or to be the only one shown
    (with ``crashed_only``: no "<signal handler called>" frame)."""
    heads = _frame_heads(lines, line - 1)
    if not heads:
        return None
    signal = next((k for k, (i, _n) in enumerate(heads) if _SIGNAL_FRAME in lines[i]), None)
    if signal is None:
        if crashed_only or _several_threads(lines, heads):
            return None
        signal = next((k - 1 for k, (_i, n) in enumerate(heads) if n == 0), None)
        if signal is None:
            return None
    for k in range(signal + 1, len(heads)):
        if k > signal + 1 and heads[k][1] <= heads[k - 1][1]:
            return None  # another thread's frames
        i = heads[k][0]
        end = heads[k + 1][0] if k + 1 < len(heads) else min(len(lines), i + 1 + FRAME_WRAP)
        end = next((j for j in range(i + 1, end) if not lines[j].strip()), end)
        if not any(_RUNTIME_FRAME.search(lines[j]) for j in range(i, end)):
            return i + 1, end
    return None


def _several_threads(lines: Sequence[str], heads: list[tuple[int, int]]) -> bool:
    """A thread's heading sits right above the run of frames or inside it: a dump of several threads."""
    return any(_THREAD_HEADING.match(lines[i]) for i in range(max(0, heads[0][0] - 1), heads[-1][0]))


def _frame_heads(lines: Sequence[str], at: int) -> list[tuple[int, int]]:
    """(0-based line, frame number) of each frame of the run of gdb frames holding the 0-based line ``at``."""

    def head_above(i: int) -> int | None:
        for j in range(i, max(-1, i - FRAME_WRAP - 1), -1):
            if _NATIVE_FRAME.match(lines[j]):
                return j
            if not lines[j].strip():
                return None
        return None

    first = head_above(at) if 0 <= at < len(lines) else None
    if first is None:
        return []
    while first > 0 and (above := head_above(first - 1)) is not None:
        first = above
    heads: list[tuple[int, int]] = []
    gap = 0
    for i in range(first, min(len(lines), first + STACK_LINES)):
        m = _NATIVE_FRAME.match(lines[i])
        if m:
            heads.append((i, int(m.group(1))))
            gap = 0
        elif not lines[i].strip() or gap >= FRAME_WRAP:
            break
        else:
            gap += 1
    return heads


def innermost_java_frame(lines: Sequence[str], line: int) -> tuple[int, int] | None:
    """The 1-based line (as first and last) of the innermost frame outside the Java runtime of the root cause of
    the Java stack trace holding ``line``, or None."""
    if not _JAVA_FRAME.match(lines[line - 1]):
        return None
    start = line - 1
    while start > 0 and (_JAVA_FRAME.match(lines[start - 1]) or _JAVA_CAUSE.match(lines[start - 1])):
        start -= 1
    end = line
    while (
        end < len(lines)
        and end - start < STACK_LINES
        and (_JAVA_FRAME.match(lines[end]) or _JAVA_CAUSE.match(lines[end]) or lines[end].strip().startswith("... "))
    ):
        end += 1
    cause = max((i for i in range(start, end) if _JAVA_CAUSE.match(lines[i])), default=start - 1)
    for i in range(cause + 1, end):
        if _JAVA_FRAME.match(lines[i]) and not _JAVA_RUNTIME.match(lines[i]):
            return i + 1, i + 1
    return None
