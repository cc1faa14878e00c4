"""Start-up: small verbs as whole processes, and the first screen of `opgtui demo` and of `opgtui` on a store.

Measured as a shifter meets it: a new process of the installed `opgtui` command. The small verbs (`tail`,
`check`, `status`, `diagnose --log`) run to their exit beside GNU tail as the anchor (hyperfine when installed,
else repeated runs: min/median); the dashboard runs in a pseudo-terminal until the status board is painted
(its first service's name is on the terminal). Also the cost of building the demo store, and `--help`.

    python bench/bench_startup.py [--quick] [--tree DIR]   # --tree: another checkout (before/after, same load)
"""

from __future__ import annotations

import json
import os
import pty
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("samweb")


Minimal().run()
"""
"""The anchor for a first paint: Textual's own start-up with one widget, run as the other apps are."""


def first_frame(argv: list[str], env: dict[str, str], marker: bytes, timeout: float = 30.0) -> float:
    """Seconds from spawn until ``marker`` appears on the terminal."""
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
                if marker in seen:
                    return time.perf_counter() - started
        raise RuntimeError(f"no {marker!r} within {timeout}s; saw {seen[-300:]!r}")
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def process_times(argv: list[str], repeats: int, env: dict[str, str]) -> list[float]:
    """Seconds each of ``repeats`` whole runs of ``argv`` took (output discarded); hyperfine's when installed."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [
                    "hyperfine",
                    "-N",
                    "-i",
                    "--warmup",
                    "1",
                    "--runs",
                    str(repeats),
                    "--export-json",
                    out.name,
                    subprocess.list2cmdline(argv),
                ],
                check=True,
                capture_output=True,
                env=env,
            )
            return json.loads(Path(out.name).read_text())["results"][0]["times"]
    subprocess.run(argv, capture_output=True, env=env)  # warm the file cache
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return times


def row(name: str, times: list[float], limit: float, extra: str = "") -> dict:
    """A row with the median, the min and the target, MISSED when the median is over ``limit`` seconds."""
    med = statistics.median(times)
    return {
        "name": f"{name}: min/median",
        "value": round(med, 4),
        "unit": "s",
        "min": round(min(times), 4),
        "target": f"< {limit:g} s (min {min(times):.3f} s{extra})" + (" MISSED" if med > limit else ""),
    }


def small_verbs(exe: list[str], tmp: str, repeats: int, env: dict[str, str]) -> list[dict]:
    """`opgtui tail/status/check/diagnose` as whole processes, GNU tail as the anchor."""
    log = Path(tmp) / "big.log"
    log.write_text("".join(f"2026-12-06 12:00:{i % 60:02d} INFO event {i} processed\n" for i in range(200_000)))
    cfg = ["--config", str(Path(tmp) / "config.yaml")]
    anchor = statistics.median(process_times(["tail", "-n", "50", str(log)], repeats, env))
    rows = [{"name": "GNU tail -n 50 (anchor)", "value": round(anchor, 4), "unit": "s", "target": "anchor"}]
    # What every verb pays before its own code: the interpreter (with this install's site; an editable install's
    # finder costs it more than an installed opgtui's), and the interpreter with click, which every verb imports.
    for name, code in (("python -c pass", "pass"), ("python -c 'import click'", "import click")):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        times = process_times([sys.executable, "-c", code], repeats, env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / (repeats + 1)
        med = statistics.median(times)
        extra = f"min {min(times):.3f} s, CPU {cpu:.3f} s, load {os.getloadavg()[0]:.1f}"
        rows.append({"name": f"{name}: min/median", "value": round(med, 4), "unit": "s", "target": f"floor ({extra})"})
    diagnose = [*exe, *cfg, "diagnose", "--log", str(Path(tmp) / "logs" / "oom_hold.log")]
    no_cache = Path(tmp) / "no-cache"  # a file: no cache dir under it, so every run loads and checks every pack
    no_cache.write_text("")
    verbs = [
        ("opgtui tail LOG -n 50", [*exe, "tail", str(log), "-n", "50"], env, 0.150),
        ("opgtui status", [*exe, *cfg, "status"], env, 0.150),
        ("opgtui check --require samweb", [*exe, *cfg, "check", "--require", "samweb"], env, 0.150),
        # warm: the first (warm-up) run writes the pack snapshot (packsnap.py) the measured runs read
        ("opgtui diagnose --log LOG", diagnose, env, 0.150),
        (
            "opgtui diagnose --log LOG with no cache at all (reference)",
            diagnose,
            env | {"XDG_CACHE_HOME": str(no_cache)},
            0,
        ),
    ]
    for name, argv, verb_env, limit in verbs:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        times = process_times(argv, repeats, verb_env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU says what load on the machine does not change
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / (repeats + 1)
        extra = f", CPU {cpu:.3f} s, {statistics.median(times) / anchor:.0f}x GNU tail, load {os.getloadavg()[0]:.1f}"
        measured = row(f"{name}, whole process", times, limit or float("inf"), extra)
        if not limit:
            measured["target"] = f"reference (min {min(times):.3f} s{extra})"
        rows.append(measured)
    return rows


def run(quick: bool = False, tree: Path | None = None) -> list[dict]:
    """The rows; ``tree``: measure that checkout instead (``python -m opgtui.cli`` with it first on the path),
    e.g. the tree before a change, right after this one, so both see the same load."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    # An installed opgtui has its bytecode compiled (pip does it at install): so do these runs, into a cache of
    # their own (PYTHONDONTWRITEBYTECODE would make every run compile each module again, ~100 ms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "opgtui-bench-pycache")
    script = Path(sys.executable).with_name("opgtui")  # the installed command, as a shifter runs it
    exe = [str(script)] if script.exists() and tree is None else [sys.executable, "-m", "opgtui.cli"]
    if tree is not None:
        env["PYTHONPATH"] = str(tree.resolve())
        env["PYTHONSAFEPATH"] = "1"  # `python -m` run from a checkout would import that checkout's opgtui first
    repeats = 2 if quick else 5
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([*exe, "demo", "--keep", tmp, "--build-only"], check=True, capture_output=True, env=env)
        build = time.perf_counter() - t0  # `opgtui demo` builds all but the board after its first frame
        rows.append(
            {
                "name": "demo store build, all of it (600 jobs, 7 feed polls, verdicts)",
                "value": round(build, 3),
                "unit": "s",
                "target": "~ reference (opgtui demo builds the jobs after its first frame)",
            }
        )
        rows += small_verbs(exe, tmp, 3 if quick else 10, env)
        times = [
            first_frame([*exe, "--config", str(Path(tmp) / "config.yaml")], env, b"samweb") for _ in range(repeats)
        ]
        load = f", load {os.getloadavg()[0]:.1f}"
        rows.append(row("opgtui on the demo store to its first screen (pty)", times, 0.5, load) | {"headline": True})
    times = [first_frame([*exe, "demo"], env, b"samweb") for _ in range(repeats)]  # the board's first service
    rows.append(row("opgtui demo to its first screen (pty)", times, 0.5, f", load {os.getloadavg()[0]:.1f}"))
    times = [first_frame([sys.executable, "-c", MINIMAL_APP], env, b"samweb") for _ in range(repeats)]
    rows.append(
        {
            **row("a minimal Textual app (one Static) to its first screen (pty)", times, 0.5),
            "target": f"anchor (min {min(times):.3f} s, load {os.getloadavg()[0]:.1f})",
        }
    )
    from bench_jobs import files  # the same 100k synthetic -json dump as bench_jobs' headline

    n = 10_000 if quick else 100_000
    dump, _ = files(n)
    times = [
        first_frame([*exe, "jobs", "--from", str(dump), "--open"], env, f"showing {n:,}".encode())
        for _ in range(repeats)
    ]
    rows.append(row(f"opgtui jobs --from {n // 1000}k.json --open: process start to the listed table", times, 1.5))
    rows.append(row("opgtui --help, whole process", process_times([*exe, "--help"], repeats, env), 0.3))
    return rows


if __name__ == "__main__":
    at = sys.argv.index("--tree") + 1 if "--tree" in sys.argv else 0
    for r in run(quick="--quick" in sys.argv, tree=Path(sys.argv[at]) if at else None):
        print(r)
