"""Fuzzing the dump readers with the real ClassAd dumps and event logs: mutations, truncations, huge values,
NUL bytes. Nothing may raise, hang or crash; every problem is one line naming the file; whatever loads fits
the store. Deterministic (a fixed seed) and within ~30 s in CI.

The counts (inputs tried, inputs with clean errors) are printed with ``pytest -s``."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from opgtui.sources import eventlog_worker
from opgtui.sources.dumps import load_files
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"
AD_SEEDS = [
    "chtc_held_docker_memory.long.ad",
    "fifebatch_completed_2017.long",
    "fifebatch_completed_2017.derived.json",
    "test.old.ad",
    "machine_small1slot.long",
]
LOG_SEEDS = ["test_log.txt", "tiny_problems.dag.nodes.log"]
PER_AD_SEED = 260
PER_LOG_SEED = 40
HUGE = [
    str(2**64 + 1),
    str(-(2**63) - 1),
    "9" * 5000,
    "1e400",
    "-1e400",
    "1" + "0" * 400,
    "NaN",
    "0x7fff",
    '"' + "x" * 100_000 + '"',
    "[" * 2000 + "]" * 2000,
    "{" * 50,
    '"\x1b]52;c;cHduZWQ=\x07"',
]
_NUMBER = re.compile(rb"(?<![\w.])\d{1,12}(?![\w.])")


# ---------------------------------------------------------------- mutators: bytes -> bytes


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def nul_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out))
        if rng.random() < 0.5:
            out[at] = 0
        else:
            out[at:at] = b"\x00" * rng.randint(1, 64)
    return bytes(out)


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def huge_value(rng: random.Random, data: bytes) -> bytes:
    numbers = list(_NUMBER.finditer(data))
    if not numbers:
        return data + rng.choice(HUGE).encode()
    m = rng.choice(numbers)
    return data[: m.start()] + rng.choice(HUGE).encode() + data[m.end() :]


def line_surgery(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    op = rng.randrange(5)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif op == 2:
        lines[i] = lines[i].replace(b"=", b"==", 1).replace(b":", b"", 1)
    elif op == 3:
        lines.insert(
            i,
            rng.choice(
                [
                    b"$ condor_q -l",
                    b"-- Schedd: x : <1.2.3.4>",
                    b"",
                    b"...",
                    b"[",
                    b"]",
                    b"<c>",
                    b"000 (",
                    b"\xef\xbb\xbf",
                    b"\r",
                ]
            ),
        )
    else:
        lines[i] = lines[i] * rng.randint(2, 2000)
    return b"\n".join(lines)


def encodings(rng: random.Random, data: bytes) -> bytes:
    return rng.choice(
        [
            data.replace(b"\n", b"\r\n"),
            b"\xef\xbb\xbf" + data,
            data.replace(b"\n", b"\r"),
            data.decode("utf-8", "replace").encode("utf-16"),
            data[::-1],
        ]
    )


def splice(rng: random.Random, data: bytes) -> bytes:
    other = (DATA / rng.choice(AD_SEEDS + LOG_SEEDS)).read_bytes()
    a, b = rng.randrange(len(data)), rng.randrange(len(other))
    return data[:a] + other[b:]


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    truncate,
    nul_bytes,
    flip_bytes,
    huge_value,
    line_surgery,
    encodings,
    splice,
]


def mutants(seed_name: str, n: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(f"opgtui-fuzz-{seed_name}")
    data = (DATA / seed_name).read_bytes()
    for i in range(n):
        out = data
        for _ in range(rng.randint(1, 3)):
            mutator = rng.choice(MUTATORS)
            out = mutator(rng, out) if out else out
        yield f"{seed_name}.{i}", out


# ---------------------------------------------------------------- checks


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def _check(result: object, paths: list[Path]) -> int:
    """Assert the result is clean; returns how many of ``paths`` got an error line."""
    errors: list[str] = result.errors  # type: ignore[attr-defined]
    for e in errors:
        assert "\n" not in e and "Traceback" not in e, e
        assert any(e.startswith(str(p)) for p in paths), e
    return sum(any(e.startswith(f"{p}:") for e in errors) for p in paths)


def test_fuzzed_dumps_load_or_say_why_in_one_line(tmp_path: Path) -> None:
    store = open_store(tmp_path / "fuzz.db")
    tried = clean_errors = 0
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for seed in AD_SEEDS:
            for name, data in mutants(seed, PER_AD_SEED):
                path = tmp_path / name
                path.write_bytes(data)
                signal.setitimer(signal.ITIMER_REAL, 10)
                try:
                    result = load_files([path])
                except Hang:
                    pytest.fail(f"{name}: no answer within 10 s")
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                clean_errors += _check(result, [path])
                store.upsert_jobs(result.jobs)  # every loaded job fits the store (no 64-bit overflow)
                tried += 1
                path.unlink()
    finally:
        signal.signal(signal.SIGALRM, old)
        store.close()
    print(f"\nfuzz: {tried} mutated ClassAd dumps, {clean_errors} with clean one-line errors, no traceback")
    assert tried == len(AD_SEEDS) * PER_AD_SEED and clean_errors > tried // 4


def test_fuzzed_event_logs_never_crash_or_hang_the_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventlog_worker, "TIMEOUT", 20.0)
    monkeypatch.setenv("TZ", "UTC")
    paths = []
    for seed in LOG_SEEDS:
        for name, data in mutants(seed, PER_LOG_SEED):
            path = tmp_path / name
            path.write_bytes(b"000 (" + data if not data.startswith(b"0") else data)  # read as an event log
            paths.append(path)
    result = load_files(paths)
    clean_errors = _check(result, paths)
    store = open_store(tmp_path / "fuzz.db")
    store.upsert_jobs(result.jobs)
    store.add_events(result.events)
    store.close()
    print(
        f"\nfuzz: {len(paths)} mutated event logs, {clean_errors} with clean one-line errors, "
        f"{len(result.events)} events read"
    )
    assert clean_errors > 0 and result.events


def test_fuzzed_inputs_through_the_cli_exit_cleanly(tmp_path: Path) -> None:
    """`opgtui jobs --from` on a batch of the nastiest inputs: exit 0 or 2, every stderr line one 'opgtui:' line."""
    paths = []
    for seed in AD_SEEDS:
        for name, data in list(mutants(seed, 12)):
            (tmp_path / name).write_bytes(data)
            paths.append(tmp_path / name)
    big = tmp_path / "huge.json"
    big.write_text(json.dumps([{"ClusterId": 1, "ProcId": 0, "ExitCode": 2**64, "JobStatus": 4}]))
    deep = tmp_path / "deep.json"
    deep.write_text('[{"ClusterId": 1, "ProcId": 1, "X": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    nul = tmp_path / "nul.log"
    nul.write_bytes((DATA / "test_log.txt").read_bytes().replace(b"Job", b"J\x00b"))
    deep_long = tmp_path / "deep.long"  # classad2 parses in this process: deep nesting must not crash it
    deep_long.write_text("ClusterId = 1\nProcId = 2\nX = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n")
    deep_new = tmp_path / "deep.ads"
    deep_new.write_text("[ ClusterId = 1; ProcId = 3; X = " + "[" * 100_000 + "]" * 100_000 + " ]\n")
    paths += [big, deep, nul, deep_long, deep_new]
    args = [a for p in paths for a in ("--from", str(p))]
    proc = subprocess.run(
        [sys.executable, "-m", "opgtui.cli", "jobs", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC"},
    )
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert all(line.startswith("opgtui: ") for line in proc.stderr.splitlines())
    json.loads(proc.stdout)
