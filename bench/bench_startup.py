"""Start-up: from process start to the first screen of `opgtui demo` and of `opgtui` on an existing store.

Measured as a shifter meets it: a new Python process, the real CLI, a pseudo-terminal, until the status board
is painted (the app writes its first frame). Also the cost of building the demo store, and `--help`.
"""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


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


def run(quick: bool = False) -> list[dict]:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    exe = [sys.executable, "-m", "opgtui.cli"]
    repeats = 2 if quick else 5
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([*exe, "demo", "--keep", tmp, "--build-only"], check=True, capture_output=True, env=env)
        rows.append({"name": "demo store build (600 jobs, 7 feed polls, verdicts)",
                     "value": time.perf_counter() - t0, "unit": "s", "target": "< 1 s"})
        cfg = Path(tmp) / "config.yaml"
        cfg.write_text(f"store: {tmp}/opgtui.db\n")
        times = [first_frame([*exe, "--config", str(cfg)], env, b"Status") for _ in range(repeats)]
        rows.append({"name": "opgtui to first screen (existing store)", "value": statistics.median(times),
                     "unit": "s", "target": "< 0.5 s"})
    times = [first_frame([*exe, "demo"], env, b"Status") for _ in range(repeats)]
    rows.append({"name": "opgtui demo to first screen (incl. build)", "value": statistics.median(times),
                 "unit": "s", "target": "< 1 s"})
    from bench_jobs import files  # the same 100k synthetic -json dump as bench_jobs' headline

    n = 10_000 if quick else 100_000
    dump, _ = files(n)
    times = [first_frame([*exe, "jobs", "--from", str(dump), "--open"], env, f"showing {n:,}".encode())
             for _ in range(repeats)]
    rows.append({"name": f"opgtui jobs --from {n // 1000}k.json --open: process start to the listed table",
                 "value": min(times), "unit": "s", "target": "about 1 s (+ start-up)"})
    t0 = time.perf_counter()
    subprocess.run([*exe, "--help"], check=True, capture_output=True)
    rows.append({"name": "opgtui --help", "value": time.perf_counter() - t0, "unit": "s", "target": "< 0.3 s"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
