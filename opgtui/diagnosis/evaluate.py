"""The evaluation harness: score the diagnosis against a labelled corpus of real logs.

A corpus is any directory tree with ``LABELS.tsv`` files (see ``tests/data/corpus``): tab-separated, header
``file verdict cause source job`` (the older ``file category signature source`` is read too). ``job`` holds what
the job's record would say as ``key=value`` pairs separated by ``;`` (hold_code, hold_subcode, exit_code,
exit_signal, request_memory_mb, memory_used_mb, request_disk_mb, disk_used_mb).

Scoring: right = the predicted category equals the label (for ``unknown`` and ``none`` labels: predicted
``unknown``); unknown = predicted ``unknown`` for a labelled failure; wrong = anything else.
Pure apart from reading the corpus files; the diagnosis itself is ``engine.diagnose``.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opgtui.core.model import Job, JobStatus, Verdict

LABELS_NAME = "LABELS.tsv"
LABELS = ("service", "code", "resource", "unknown", "none")
PREDICTIONS = ("service", "code", "resource", "unknown")
OUTCOMES = ("right", "unknown", "wrong")
JOB_KEYS = {
    "hold_code": int,
    "hold_subcode": int,
    "exit_code": int,
    "exit_signal": int,
    "request_memory_mb": float,
    "memory_used_mb": float,
    "request_disk_mb": float,
    "disk_used_mb": float,
}
MAX_LOG_BYTES = 4 << 20
"""An excerpt is a few lines; a bigger file is read only up to this many bytes."""


@dataclass(slots=True)
class Case:
    """One labelled log."""

    path: Path
    name: str  # shown: the path relative to the evaluated directory
    label: str
    cause: str = ""
    source: str = ""
    job: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    """What the diagnosis said about one case, and how that scores."""

    case: Case
    predicted: str
    signature: str | None
    score: str
    reason: str = ""


@dataclass(slots=True)
class Report:
    """The scored corpus."""

    root: str
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(o.score for o in self.outcomes)
        return {k: c.get(k, 0) for k in OUTCOMES}

    def percent(self, outcome: str) -> float:
        n = len(self.outcomes)
        return 100.0 * self.counts[outcome] / n if n else 0.0

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        """label -> predicted category -> count (labels that occur only)."""
        out: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            row = out.setdefault(o.case.label, {p: 0 for p in PREDICTIONS})
            row[o.predicted] = row.get(o.predicted, 0) + 1
        return {label: out[label] for label in LABELS if label in out}

    @property
    def by_signature(self) -> list[dict[str, Any]]:
        """Per deciding signature: how often it decided, right/unknown/wrong, precision (right / decided)."""
        table: dict[str, Counter[str]] = {}
        for o in self.outcomes:
            table.setdefault(o.signature or "(none)", Counter())[o.score] += 1
        rows = []
        for sig, c in table.items():
            n = sum(c.values())
            rows.append(
                {
                    "signature": sig,
                    "decided": n,
                    **{k: c.get(k, 0) for k in OUTCOMES},
                    "precision": round(c.get("right", 0) / n, 3),
                }
            )
        return sorted(rows, key=lambda r: (-r["wrong"], r["precision"], -r["decided"], r["signature"]))

    @property
    def by_theme(self) -> list[dict[str, Any]]:
        """Per folder (the theme: the case's directory below the evaluated root): counts of each outcome."""
        table: dict[str, Counter[str]] = {}
        for o in self.outcomes:
            theme = str(Path(o.case.name).parent)
            table.setdefault("." if theme in ("", ".") else theme, Counter())[o.score] += 1
        return [
            {"theme": t, "cases": sum(c.values()), **{k: c.get(k, 0) for k in OUTCOMES}}
            for t, c in sorted(table.items())
        ]

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.score != "right"]


# ------------------------------------------------------------------------------------------- reading


def parse_job(text: str) -> tuple[dict[str, float], list[str]]:
    """``hold_code=34;hold_subcode=102`` -> ({...}, problems). Unknown keys and bad numbers are problems."""
    out: dict[str, float] = {}
    problems: list[str] = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        key = key.strip()
        kind = JOB_KEYS.get(key)
        if not eq or kind is None:
            problems.append(f"job: unknown field {part[:40]!r}")
            continue
        try:
            out[key] = kind(value.strip())
        except ValueError:
            problems.append(f"job: {key} is not a number: {value.strip()[:40]!r}")
    return out, problems


def _row_label(row: dict[str, str]) -> str:
    return (row.get("verdict") or row.get("category") or "").strip().lower()


def read_labels(labels: Path, root: Path) -> tuple[list[Case], list[str]]:
    """The cases of one LABELS.tsv (paths shown relative to ``root``) and the problems found in it."""
    cases: list[Case] = []
    errors: list[str] = []
    shown = _relative(labels, root)
    try:
        text = labels.read_text(encoding="utf-8-sig")  # a BOM from a spreadsheet is not part of the header
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{shown}: cannot read: {exc}"]
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    fields = set(reader.fieldnames or ())
    if "file" not in fields or not fields & {"verdict", "category"}:
        return [], [f"{shown}: header must be 'file verdict cause source job' (or 'file category signature source')"]
    for n, row in enumerate(reader, 2):
        name = (row.get("file") or "").strip()
        if not name:
            continue
        label = _row_label(row)
        where = f"{shown}:{n}"
        if label not in LABELS:
            errors.append(f"{where}: {name}: verdict {label!r} is not one of {', '.join(LABELS)}")
            continue
        path = labels.parent / name
        if not path.is_file() or Path(name).name != name:
            errors.append(f"{where}: {name}: no such file beside {LABELS_NAME}")
            continue
        job, problems = parse_job(row.get("job") or "")
        errors.extend(f"{where}: {name}: {p}" for p in problems)
        cases.append(
            Case(
                path,
                _relative(path, root),
                label,
                (row.get("cause") or row.get("signature") or "").strip(),
                (row.get("source") or "").strip(),
                job,
            )
        )
    return cases, errors


def find_cases(root: Path) -> tuple[list[Case], list[str]]:
    """Every case under ``root`` (recursive over LABELS.tsv files, in path order) and the problems found."""
    root = Path(root)
    if root.is_file() and root.name == LABELS_NAME:
        return read_labels(root, root.parent)
    if not root.is_dir():
        return [], [f"{root}: no such directory"]
    cases: list[Case] = []
    errors: list[str] = []
    files = sorted(root.rglob(LABELS_NAME))
    if not files:
        errors.append(f"{root}: no {LABELS_NAME} below it")
    for labels in files:
        c, e = read_labels(labels, root)
        cases += c
        errors += e
    return cases, errors


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def read_lines(path: Path) -> list[str]:
    """The excerpt's lines (undecodable bytes replaced)."""
    with path.open("rb") as f:
        data = f.read(MAX_LOG_BYTES)
    return data.decode("utf-8", "replace").splitlines()


def job_of(numbers: dict[str, float]) -> Job | None:
    """The job record the ``job`` column describes (None when it says nothing)."""
    if not numbers:
        return None

    def num(key: str) -> int | None:
        return int(numbers[key]) if key in numbers else None

    hold = num("hold_code")
    ended = "exit_code" in numbers or "exit_signal" in numbers
    status = JobStatus.HELD if hold else JobStatus.COMPLETED if ended else None
    disk_req, disk_used = numbers.get("request_disk_mb"), numbers.get("disk_used_mb")
    return Job(
        "eval#0.0",
        "eval",
        0,
        0,
        status=status,
        hold_code=hold,
        hold_subcode=num("hold_subcode"),
        exit_code=num("exit_code"),
        exit_signal=num("exit_signal"),
        memory_request_mb=numbers.get("request_memory_mb"),
        memory_used_mb=numbers.get("memory_used_mb"),
        disk_request_kb=None if disk_req is None else disk_req * 1024,
        disk_used_kb=None if disk_used is None else disk_used * 1024,
    )


# ------------------------------------------------------------------------------------------- scoring


def score(label: str, predicted: str) -> str:
    """right / unknown / wrong for one case."""
    if label in ("unknown", "none"):
        return "right" if predicted == "unknown" else "wrong"
    if predicted == label:
        return "right"
    return "unknown" if predicted == "unknown" else "wrong"


Diagnoser = Callable[[list[str], Job | None], Verdict]


def evaluate(root: Path, diagnoser: Diagnoser, *, cases: Iterable[Case] | None = None) -> Report:
    """Run ``diagnoser`` on every case under ``root`` and score it."""
    errors: list[str] = []
    if cases is None:
        found, errors = find_cases(Path(root))
        cases = found
    report = Report(str(root), errors=errors)
    for case in cases:
        try:
            lines = read_lines(case.path)
        except OSError as exc:
            report.errors.append(f"{case.name}: cannot read: {exc}")
            continue
        v = diagnoser(lines, job_of(case.job))
        report.outcomes.append(Outcome(case, v.category, v.signature, score(case.label, v.category), v.reason))
    return report


# ------------------------------------------------------------------------------------------- against a baseline

_RANK = {"wrong": 0, "unknown": 1, "right": 2}


def changes(report: Report, baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """Each case whose score changed against an earlier ``--json`` report (a case not among its misses was
    right): better or worse, with the predictions before and after. Cases added since are left out."""
    misses = {m.get("file"): m for m in baseline.get("misses", []) if isinstance(m, dict)}
    scored = baseline.get("files")
    out = []
    for o in report.outcomes:
        name = o.case.name
        if isinstance(scored, list) and name not in scored:
            continue
        old = misses.get(name)
        was = str(old.get("score")) if old else "right"
        if was == o.score:
            continue
        before = old.get("predicted") if old else ("unknown" if o.case.label in ("unknown", "none") else o.case.label)
        out.append(
            {
                "file": name,
                "label": o.case.label,
                "before": before,
                "after": o.predicted,
                "was": was,
                "now": o.score,
                "change": "better" if _RANK[o.score] > _RANK.get(was, 0) else "worse",
            }
        )
    return sorted(out, key=lambda c: (c["change"] != "worse", c["file"]))


# ------------------------------------------------------------------------------------------- output


def report_json(report: Report) -> dict[str, Any]:
    """The ``--eval --json`` object."""
    n = len(report.outcomes)
    return {
        "root": report.root,
        "cases": n,
        "counts": report.counts,
        "percent": {k: round(report.percent(k), 1) for k in OUTCOMES},
        "confusion": report.confusion,
        "themes": report.by_theme,
        "signatures": report.by_signature,
        "misses": [
            {
                "file": o.case.name,
                "label": o.case.label,
                "cause": o.case.cause,
                "predicted": o.predicted,
                "signature": o.signature,
                "score": o.score,
                "reason": o.reason,
            }
            for o in report.misses
        ],
        "errors": report.errors,
        "files": [o.case.name for o in report.outcomes],
    }


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
        for r in rows
    ]


def report_lines(report: Report) -> list[str]:
    """The human-readable report: totals, confusion matrix, per-signature precision, misses, problems."""
    n = len(report.outcomes)
    c = report.counts
    out = [f"{report.root}: {n} logs  " + "  ".join(f"{k} {c[k]} ({report.percent(k):.1f}%)" for k in OUTCOMES)]
    if n:
        out += ["", "confusion (rows: label, columns: predicted)"]
        rows = [["label", *PREDICTIONS, "total"]]
        for label, row in report.confusion.items():
            rows.append([label, *(str(row.get(p, 0)) for p in PREDICTIONS), str(sum(row.values()))])
        out += ["  " + line for line in _table(rows)]
        themes = report.by_theme
        if len(themes) > 1:
            out += ["", "by theme (folder)"]
            rows = [["theme", "logs", *OUTCOMES]]
            rows += [
                [t["theme"], str(t["cases"]), *(f"{t[k]} ({100 * t[k] / t['cases']:.0f}%)" for k in OUTCOMES)]
                for t in themes
            ]
            out += ["  " + line for line in _table(rows)]
        out += ["", "per signature (the one that decided)"]
        rows = [["signature", "decided", "right", "unknown", "wrong", "precision"]]
        rows += [
            [
                r["signature"],
                str(r["decided"]),
                str(r["right"]),
                str(r["unknown"]),
                str(r["wrong"]),
                f"{100 * r['precision']:.0f}%",
            ]
            for r in report.by_signature
        ]
        out += ["  " + line for line in _table(rows)]
    if report.misses:
        out += ["", "misses (file, label, predicted, signature)"]
        rows = [
            [o.case.name, o.case.label, o.predicted, o.signature or "-", o.score]
            for o in sorted(report.misses, key=lambda o: (o.score != "wrong", o.case.name))
        ]
        out += ["  " + line for line in _table(rows)]
    if report.errors:
        out += ["", f"problems ({len(report.errors)})"] + ["  " + e for e in report.errors]
    return out
