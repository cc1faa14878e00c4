"""Fuzzing the feed parsers (issue 17): the real payloads of tests/data/feeds, mutated (bytes flipped,
inserted, deleted, truncated; values replaced by hostile ones: huge numbers and strings, deep nesting, wrong
types, impossible times, escape sequences; YAML aliases and tags; XML entities), parsed by every feed kind
through its common interface. Each input must give a FeedReport a screen can show or one FeedError line:
no other exception (a traceback), no input slower than a second (a hang), no dead process (a crash).

The fuzz runs in a child process so that a crash in a C parser (orjson, libyaml, expat) fails the test
instead of killing pytest. ``python tests/test_fuzz_feeds.py N SEED`` runs it by hand and prints the counts.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

DATA = Path(__file__).parent / "data" / "feeds"
NOW = 1_764_000_000.0  # 2025-11-24: inside the fixtures' windows and after most of them
INPUTS = 2000
SLOW = 1.0  # seconds: one payload parsed slower than this is a hang

#: (kind, payload files): one file per URL the kind fetches.
SEEDS: list[tuple[str, list[str]]] = [
    ("statuspage", ["statuspage_htx_summary.json"]),
    ("statuspage", ["statuspage_github_components_with_problem.json"]),
    ("alertmanager", ["am025_alerts.json", "am025_silences.json"]),
    ("alertmanager", ["am025_alerts_active_only.json", "am025_silences.json"]),
    ("prometheus", ["prom242_query_up.json"]),
    ("prometheus", ["prom242_query_range_up.json"]),
    ("prometheus", ["prom242_query_ALERTS.json"]),
    ("osg_downtime", ["osg_GPGRID_downtime.yaml"]),
    ("osg_downtime", ["osg_USCMS-FNAL-WC1_downtime.yaml"]),
    ("osg_downtime", ["osg_Purdue-Anvil_downtime.yaml"]),
    ("osg_downtime", ["osg_rgdowntime_DERIVED.xml"]),
    ("gocdb", ["gocdb_get_downtime_example.xml"]),
    ("native", ["native_doc_example.yaml"]),  # the format's documented example
]


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


_SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    2**64 + 1,
    -(2**63) - 1,
    10**400,
    1e308,
    -1e308,
    5e-324,
    1e11,
    1e13,
    1e15,
    1e18,
    -1e18,
    253402300800,
    -62135596801,
    "",
    " ",
    "x" * 200_000,
    "\x00",
    "\x1b]52;c;SGVsbG8=\x07",
    "\u202e\u200b\ufeff",
    "[bold]x[/",
    "é" * 1000,
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2024-13-45T25:61:61Z",
    "10000-01-01T00:00:00Z",
    "1e999",
    "NaN",
    "-inf",
    "-1",
    "0",
    "99999999999999999999",
    "Dec 04, 2023 12:00 PM UTC",
    "Feb 30, 2023 25:00 PM XYZ",
    "down",
    "up",
    "maintenance",
    "major_outage",
    "under_maintenance",
    "firing",
    "active",
    "suppressed",
]
_SHAPES: list[Callable[[], Any]] = [
    list,
    dict,
    lambda: [None],
    lambda: {"": None},
    lambda: {"name": None},
    lambda: _deep(50),
    lambda: _deep(400),
    lambda: list(range(10_000)),
    lambda: {"labels": None, "status": {"state": None}},
    lambda: [{"startsAt": None} for _ in range(100)],
]


def hostile_value(rng: random.Random) -> Any:
    """A fresh hostile value: a scalar (huge, empty, impossible, escape sequences) or a shape (deep, wide)."""
    return rng.choice(_SCALARS) if rng.random() < 0.8 else rng.choice(_SHAPES)()


# ---------------------------------------------------------------- mutations


def _walk(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of the nodes of a decoded document (at most 200 per level, 40 levels deep)."""
    out = [path]
    if len(path) >= 40:
        return out
    if isinstance(value, dict):
        for k, v in list(value.items())[:200]:
            out += _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:200]):
            out += _walk(v, (*path, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return doc


def _tree_mutation(rng: random.Random, doc: Any) -> Any:
    paths = _walk(doc)
    for _ in range(rng.choice((1, 1, 2, 3))):
        path = rng.choice(paths)
        how = rng.random()
        try:
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            if how < 0.15 and path and isinstance(parent, dict):
                del parent[path[-1]]  # a field missing
            elif how < 0.25 and path and isinstance(parent, list):
                parent.extend([parent[path[-1]]] * rng.choice((2, 50, 500)))  # many of the same record
            elif how < 0.32 and path and isinstance(parent, dict):
                parent[rng.choice(["x" * 1000, "\x1b[2J", "", "0"])] = parent.pop(path[-1])  # a renamed key
            else:
                doc = _replace(doc, path, hostile_value(rng))
        except (KeyError, IndexError, TypeError):
            continue
        paths = _walk(doc)
    return doc


def _bytes_mutation(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 2, 4, 8))):
        if not buf:
            break
        i = rng.randrange(len(buf))
        how = rng.random()
        if how < 0.3:
            buf[i] = rng.randrange(256)
        elif how < 0.5:
            del buf[i : i + rng.choice((1, 10, 100, 1000))]
        elif how < 0.7:
            buf[i:i] = rng.choice(
                (
                    b"\x00",
                    b"\xff\xfe",
                    b"\x1b[2J",
                    b"{",
                    b"[",
                    b'"',
                    b"&",
                    b"<",
                    b"\n- ",
                    b": ",
                    b"*a",
                    b"&a ",
                    b"!!python/object:os.system ",
                    b"9" * 400,
                    b"\t",
                )
            )
        elif how < 0.85:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[min(i, j) : max(i, j)][:5000]  # a span repeated
        else:
            del buf[i:]  # a truncated answer
    return bytes(buf)


def _json_doc(rng: random.Random, data: bytes) -> bytes:
    doc = _tree_mutation(rng, json.loads(data))
    return json.dumps(doc, allow_nan=True).encode()


def _yaml_doc(rng: random.Random, data: bytes) -> bytes:
    import yaml

    doc = _tree_mutation(rng, yaml.safe_load(data))
    try:
        return yaml.safe_dump(doc, allow_unicode=True).encode()
    except (yaml.YAMLError, RecursionError):
        return data


def _xml_doc(rng: random.Random, data: bytes) -> bytes:
    root = ElementTree.fromstring(data.replace(b"& ", b"&amp; ").replace(b"&p", b"&amp;p"))
    elements = list(root.iter())
    for _ in range(rng.choice((1, 2, 3))):
        el = rng.choice(elements)
        how = rng.random()
        value = hostile_value(rng)
        if how < 0.6:
            el.text = value if isinstance(value, str) else json.dumps(value)[:300_000]
        elif how < 0.8:
            for child in list(el)[:1]:
                el.remove(child)
        else:
            el.extend([ElementTree.fromstring(ElementTree.tostring(el))] * rng.choice((2, 100)))
    return ElementTree.tostring(root)


_SPECIALS: list[bytes] = [
    b"",
    b" ",
    b"null",
    b"[]",
    b"{}",
    b"0",
    b'"x"',
    b"[" * 100_000,
    b"{" * 50_000,
    b"\xff" * 100,
    b"<!DOCTYPE html><html><body>login</body></html>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>',
    b"<a>" * 5000 + b"x" + b"</a>" * 5000,
    b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"services: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nwindows: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    b"!!python/object/apply:os.system ['true']\n",
    b"- " * 20_000,
    b"key: " + b"v" * 3_000_000,
]


def mutate(rng: random.Random, data: bytes, name: str) -> bytes:
    """One hostile variant of a payload file."""
    how = rng.random()
    try:
        if how < 0.05:
            return rng.choice(_SPECIALS)
        if how < 0.55:
            if name.endswith(".json"):
                return _json_doc(rng, data)
            if name.endswith(".yaml"):
                return _yaml_doc(rng, data)
            return _xml_doc(rng, data)
    except (ValueError, RecursionError, ElementTree.ParseError):
        pass
    return _bytes_mutation(rng, data)


# ---------------------------------------------------------------- the oracle


def _finite_time(t: Any) -> bool:
    if not isinstance(t, float | int) or isinstance(t, bool) or not math.isfinite(t):
        return False
    try:
        datetime.fromtimestamp(t, UTC)
    except (OverflowError, OSError, ValueError):
        return False
    return True


def check_report(report: Any) -> str | None:
    """What is wrong with a parsed report for the store and the screens, or None."""
    from opgtui.core.model import SERVICE_STATES
    from opgtui.sources.feeds.base import FeedReport

    if not isinstance(report, FeedReport):
        return f"parse returned {type(report).__name__}"
    for s in report.states:
        if (
            s.state not in SERVICE_STATES
            or not isinstance(s.service, str)
            or not (s.since is None or _finite_time(s.since))
        ):
            return f"bad state {s!r:.200}"
    for w in report.windows:
        if not isinstance(w.service, str) or not _finite_time(w.start) or not (w.end is None or _finite_time(w.end)):
            return f"bad window {w!r:.200}"
    if not all(isinstance(n, str) for n in report.notes):
        return "a note is not text"
    return None


def fuzz(n: int, seed: int, report: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Parse ``n`` mutated payloads; the counts, the slowest input and every bug found (one line each)."""
    from opgtui.config import FeedConfig
    from opgtui.sources.feeds import get_kind
    from opgtui.sources.feeds.base import FeedError

    rng = random.Random(seed)
    seeds = [(kind, [(name, (DATA / name).read_bytes()) for name in names]) for kind, names in SEEDS]
    counts: dict[str, Any] = {"tried": 0, "parsed": 0, "clean_errors": 0, "bugs": [], "slowest": 0.0, "by_kind": {}}
    for i in range(n):
        kind_name, files = seeds[i % len(seeds)]
        kind = get_kind(kind_name)
        feed = FeedConfig(f"fuzz-{kind_name}", kind_name, "http://feeds.example.org/x")
        k = rng.randrange(len(files))
        payloads = [mutate(rng, data, name) if j == k else data for j, (name, data) in enumerate(files)]
        started = time.monotonic()
        outcome = "parsed"
        try:
            problem = check_report(kind.parse(payloads, feed, NOW, lambda s: s))
            if problem:
                counts["bugs"].append(f"#{i} {kind_name}: {problem}")
        except FeedError as exc:
            outcome = "clean_errors"
            if "\n" in str(exc) or len(str(exc)) > 1000:
                counts["bugs"].append(f"#{i} {kind_name}: error is not one short line: {str(exc)[:200]!r}")
        except Exception as exc:  # a traceback in the collector: the bug the fuzz looks for
            outcome = "bug"
            counts["bugs"].append(f"#{i} {kind_name}: {type(exc).__name__}: {str(exc)[:200]}")
        took = time.monotonic() - started
        if took > SLOW:
            counts["bugs"].append(f"#{i} {kind_name}: took {took:.1f}s")
        counts["slowest"] = max(counts["slowest"], took)
        counts["tried"] += 1
        if outcome != "bug":
            counts[outcome] += 1
        per = counts["by_kind"].setdefault(kind_name, [0, 0])
        per[0] += 1
        per[1] += outcome == "clean_errors"
        report(f"{i}\n")
    return counts


def test_feed_parsers_survive_hostile_payloads(tmp_path: Path) -> None:
    progress = tmp_path / "progress"
    started = time.monotonic()
    with progress.open("w") as out:
        child = subprocess.run(
            [sys.executable, __file__, str(INPUTS), "2"],
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            timeout=300,
            cwd=Path(__file__).parent.parent,
        )
    last = (progress.read_text().split() or ["none"])[-1]
    assert child.returncode == 0, f"the fuzz process died (exit {child.returncode}) after input #{last}"
    counts = json.loads(child.stdout)
    print(
        f"feed fuzz: {counts['tried']} inputs, {counts['parsed']} parsed, {counts['clean_errors']} clean errors, "
        f"slowest {counts['slowest']:.3f}s, {time.monotonic() - started:.1f}s in all; by kind "
        f"(inputs, clean errors): {counts['by_kind']}"
    )
    assert counts["bugs"] == []
    assert counts["tried"] == INPUTS and counts["parsed"] + counts["clean_errors"] == INPUTS
    assert counts["parsed"] > INPUTS // 10 and counts["clean_errors"] > INPUTS // 10  # both paths exercised


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent.parent))
    result = fuzz(
        int(sys.argv[1]) if len(sys.argv) > 1 else INPUTS,
        int(sys.argv[2]) if len(sys.argv) > 2 else 2,
        lambda s: (sys.stderr.write(s), sys.stderr.flush()),
    )
    print(json.dumps(result))
