"""Production requests: the field catalogue, validation, the approval workflow and YAML exchange.

Pure functions, no I/O and no Textual: the form, the detail page and `opgtui request` all decide through here.
A request's ``fields`` dict holds typed values (int, float, str, list of str); the form and the CLI give text,
which :func:`parse_value` turns into those values or a one-line reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import msgspec
import yaml

from opgtui.config import Config, Roles
from opgtui.core import safeyaml, yamlspec
from opgtui.core.identity import whoami as whoami  # re-exported: the screens and the CLI call rq.whoami()
from opgtui.core.model import Job, ProductionRequest
from opgtui.core.requestfields import (  # the catalogue lives in core: the config checks request_required too
    BASE_REQUIRED,
    FIELD_BY_NAME,
    FIELD_NAMES,
    FIELDS,
    PRIORITIES,
    FieldSpec,
)
from opgtui.core.yamlspec import Spec, SpecError, did_you_mean, line_of

LABELS: dict[str, str] = {
    "title": "Title",
    "experiment": "Experiment",
    "priority": "Priority",
    "status": "Status",
    "requester": "Requester",
    **{f.name: f.label for f in FIELDS},
}

# Size caps (a 20 MB field took 44 s to import): a one-line value, the title or one list item; the notes (and a
# list's whole text); the items of a list. A request file is at most a few of these.
MAX_TEXT = 1_000
MAX_LONGTEXT = 20_000
MAX_ITEMS = 500
YAML_LIMITS = safeyaml.Limits(
    max_bytes=256 << 10, max_depth=8, max_aliases=50, max_nodes=5_000, max_scalar=MAX_LONGTEXT
)

STATES = ("draft", "submitted", "approved", "rejected", "scheduled", "running", "done", "cancelled")
OPEN_STATES = ("draft", "submitted", "approved", "scheduled", "running")
# After approval the content is what was approved: only these may still change.
LATE_FIELDS = ("batches", "notes")

Role = Literal["requester", "operator", "approver"]


@dataclass(frozen=True, slots=True)
class Transition:
    """A workflow step: the states it leaves from, the state it reaches and who may take it."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[Role, ...]
    reason: Literal["none", "optional", "required"] = "none"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("submit", "Submit for approval", ("draft",), "submitted", ("requester", "operator")),
        Transition("approve", "Approve", ("submitted",), "approved", ("approver",)),
        Transition("reject", "Reject (with a reason)", ("submitted",), "rejected", ("approver",), "required"),
        Transition("schedule", "Mark scheduled", ("approved",), "scheduled", ("operator",)),
        Transition("start", "Mark running", ("scheduled",), "running", ("operator",)),
        Transition("finish", "Mark done", ("running",), "done", ("operator",)),
        Transition("cancel", "Cancel", OPEN_STATES, "cancelled", ("requester", "operator", "approver"), "optional"),
        Transition("revise", "Back to draft (revise)", ("rejected",), "draft", ("requester", "operator")),
    )
}
ROLE_NAMES: dict[Role, str] = {"requester": "the requester", "operator": "operators", "approver": "approvers"}


class TeamRoles(Roles):
    """The workflow's roles on a PostgreSQL team store: ``approvers`` holds the session user when the database
    makes them a member of ``approver_role`` (or of the admin role), whatever the config's ``roles.approvers`` say."""

    approver_role: str = "opgtui_approver"


class Refused(Exception):
    """An action this person may not take on this request now; ``str()`` says why in one line."""


class RequestFormatError(Exception):
    """A request file that cannot be read; ``str()`` is one line naming the file, line and key (cleaned: the
    key may be the file's own text)."""

    def __init__(self, message: str) -> None:
        from opgtui.core.textsafe import one_line

        super().__init__(one_line(message, 1000))


# ---------------------------------------------------------------- values


def parse_value(spec: FieldSpec, text: str) -> Any:
    """The typed value of ``text`` for this field (None when empty); ValueError with a short reason."""
    _check_size(spec, text)
    t = text.strip()
    if not t:
        return None
    if spec.kind == "int":
        try:
            n = int(t.replace("_", "").replace(",", ""))
        except ValueError:
            raise ValueError(f"expected a whole number, got {t!r}") from None
        if n < 0:
            raise ValueError("must not be negative")
        return n
    if spec.kind == "float":
        try:
            x = float(t)
        except ValueError:
            raise ValueError(f"expected a number, got {t!r}") from None
        if x < 0 or x != x:
            raise ValueError("must be a positive number")
        return x
    if spec.kind == "list":
        return _check_items([part.strip() for part in t.replace("\n", ",").split(",") if part.strip()]) or None
    if spec.kind == "choice":
        values = [v for v, _ in spec.choices]
        if t not in values:
            raise ValueError(f"expected one of {', '.join(values)}, got {t!r}")
        return t
    if spec.kind == "date":
        try:
            return date.fromisoformat(t).isoformat()
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {t!r}") from None
    return text if spec.kind == "longtext" else t


def _too_long(text: str, limit: int) -> ValueError:
    return ValueError(f"too long: {len(text):,} characters (at most {limit:,})")


def _check_size(spec: FieldSpec, text: str) -> None:
    """ValueError when form or file text is beyond the field's caps (checked before any other work)."""
    if spec.kind in ("longtext", "list"):
        if len(text) > MAX_LONGTEXT:
            raise _too_long(text, MAX_LONGTEXT)
    elif len(text) > MAX_TEXT:
        raise _too_long(text, MAX_TEXT)


def _check_items(items: list[str]) -> list[str]:
    if len(items) > MAX_ITEMS:
        raise ValueError(f"too many items: {len(items):,} (at most {MAX_ITEMS})")
    for item in items:
        if len(item) > MAX_TEXT:
            raise ValueError(f"an item is {_too_long(item, MAX_TEXT)}")
    return items


def format_value(spec: FieldSpec | None, value: Any) -> str:
    """A stored value as the text a form or a list shows (the inverse of :func:`parse_value`)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_value(spec: FieldSpec, value: Any) -> Any:
    """A value from YAML or JSON checked (and normalised) against the field's type; ValueError otherwise."""
    if value is None:
        return None
    if spec.kind == "list":
        if isinstance(value, str):
            return parse_value(spec, value)
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
            raise ValueError("expected a list of strings")
        return _check_items([str(v) for v in value]) or None
    if isinstance(value, (dict, list)):
        raise ValueError(f"expected a {spec.kind}, got a {'mapping' if isinstance(value, dict) else 'list'}")
    if isinstance(value, bool):
        raise ValueError(f"expected a {spec.kind}, got {value!r}")
    if spec.kind in ("int", "float") and isinstance(value, (int, float)):
        return parse_value(spec, repr(value) if spec.kind == "float" else str(value))
    if spec.kind == "date" and isinstance(value, date):
        return value.isoformat()
    return parse_value(spec, str(value))


def parse_form(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form text by field name -> (typed fields without the empty ones, errors by field name)."""
    fields: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, text in values.items():
        spec = FIELD_BY_NAME.get(name)
        if spec is None:
            continue
        try:
            value = parse_value(spec, text)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if value is not None:
            fields[name] = value
    return fields, errors


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``key=value`` words (the CLI's --set) -> text by key; ValueError naming an unknown key."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"{pair!r}: expected key=value")
        if key not in FIELD_BY_NAME and key not in ("title", "experiment"):
            raise ValueError(f"{key}: unknown field{did_you_mean(key, (*FIELD_NAMES, 'title', 'experiment'))}")
        out[key] = value
    return out


# ---------------------------------------------------------------- validation


def required_fields(cfg: Config, experiment: str) -> tuple[str, ...]:
    """What a request of this experiment needs before it can be submitted (title and experiment always)."""
    exp = cfg.experiment(experiment)
    extra = tuple(n for n in (exp.request_required if exp else ()) if n not in BASE_REQUIRED)
    return BASE_REQUIRED + extra


def missing(req: ProductionRequest, cfg: Config) -> list[str]:
    """The required fields this request lacks, by name, in form order."""
    out = []
    for name in required_fields(cfg, req.experiment):
        value = getattr(req, name) if name in BASE_REQUIRED else req.fields.get(name)
        if value is None or (isinstance(value, (str, list)) and not value):
            out.append(name)
    return out


def missing_sentence(names: Sequence[str]) -> str:
    """'Missing for submit: Input dataset, FHiCL files' or '' when nothing is missing."""
    return "Missing for submit: " + ", ".join(LABELS.get(n, n) for n in names) if names else ""


def problems(req: ProductionRequest, cfg: Config) -> dict[str, str]:
    """Problems with values that parse but make no sense here, by field name."""
    out: dict[str, str] = {}
    for name, text in (("title", req.title), ("experiment", req.experiment)):
        if len(text) > MAX_TEXT:
            out[name] = str(_too_long(text, MAX_TEXT))
    for name, value in req.fields.items():
        spec = FIELD_BY_NAME.get(name)
        try:
            if spec is not None and isinstance(value, str):
                _check_size(spec, value)
            elif isinstance(value, list):
                _check_items([str(v) for v in value])
        except ValueError as exc:
            out[name] = str(exc)
    if req.experiment and cfg.experiments and cfg.experiment(req.experiment) is None:
        out["experiment"] = (
            f"unknown experiment {req.experiment!r} (configured: {', '.join(e.name for e in cfg.experiments)})"
        )
    known = {s.name for s in cfg.services}
    unknown = [s for s in req.fields.get("services") or () if known and s not in known]
    if unknown:
        out["services"] = f"unknown service {unknown[0]!r} (known: {', '.join(sorted(known))})"
    return out


# ---------------------------------------------------------------- who may do what


def roles_of(who: str, req: ProductionRequest | None, roles: Roles) -> set[Role]:
    """The roles ``who`` holds for this request (requester only for their own request)."""
    held: set[Role] = set()
    if req is not None and req.requester == who:
        held.add("requester")
    if who in roles.operators:
        held.add("operator")
    if who in roles.approvers:
        held.add("approver")
    return held


def _only(allowed: Sequence[Role], roles: Roles) -> str:
    if isinstance(roles, TeamRoles):  # the database decides who approves: name its role
        return " or ".join(
            f"members of the database role {roles.approver_role}" if r == "approver" else ROLE_NAMES[r] for r in allowed
        )
    who = " or ".join(ROLE_NAMES[r] for r in allowed)
    if "approver" in allowed and not roles.approvers:
        who += " (no approvers are configured: roles.approvers in the config)"
    return who


def check_transition(
    req: ProductionRequest, action: str, who: str, roles: Roles, reason: str = "", missing_names: Sequence[str] = ()
) -> Transition:
    """The transition if ``who`` may take it now; :class:`Refused` with the reason otherwise."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise Refused(f"unknown action {action!r} (known: {', '.join(TRANSITIONS)})")
    if req.status not in t.sources:
        raise Refused(f"request {req.id} is {req.status}: {action} needs it to be {' or '.join(t.sources)}")
    if not roles_of(who, req, roles) & set(t.roles):
        raise Refused(f"{who} may not {action} request {req.id}: only {_only(t.roles, roles)} may")
    if t.reason == "required" and not reason.strip():
        raise Refused(f"{action} needs a reason")
    if action == "submit" and missing_names:
        raise Refused(
            f"request {req.id} cannot be submitted yet: it lacks {', '.join(LABELS.get(n, n) for n in missing_names)}"
        )
    return t


def check_priority(req: ProductionRequest, who: str, roles: Roles, priority: int) -> None:
    """Only approvers set the priority, of an open request, to a known level; :class:`Refused` otherwise."""
    if "approver" not in roles_of(who, req, roles):
        raise Refused(f"{who} may not set the priority of request {req.id}: only {_only(('approver',), roles)} may")
    if req.status not in OPEN_STATES:
        raise Refused(f"request {req.id} is {req.status}: its priority can no longer change")
    if priority not in PRIORITIES:
        raise Refused(f"priority must be one of {', '.join(f'{k} ({v})' for k, v in PRIORITIES.items())}")


def editable_fields(req: ProductionRequest, who: str, roles: Roles) -> tuple[str, ...]:
    """What ``who`` may change in this request now: all of it, the late fields only, or nothing."""
    if req.id is None:
        return ("title", "experiment", *FIELD_NAMES)
    if not roles_of(who, req, roles) & {"requester", "operator"}:
        return ()
    if req.status in ("draft", "submitted"):
        return ("title", "experiment", *FIELD_NAMES)
    if req.status in ("approved", "scheduled", "running"):
        return LATE_FIELDS
    return ()


def check_edit(req: ProductionRequest, who: str, roles: Roles, changed: Iterable[str]) -> None:
    """:class:`Refused` unless ``who`` may change every one of ``changed`` in this request now."""
    allowed = set(editable_fields(req, who, roles))
    names = list(changed)
    if not allowed:
        if not roles_of(who, req, roles) & {"requester", "operator"}:
            raise Refused(
                f"{who} may not edit request {req.id}: only the requester ({req.requester}) or an operator may"
            )
        raise Refused(f"request {req.id} is {req.status}: it can no longer be edited")
    locked = [n for n in names if n not in allowed]
    if locked:
        raise Refused(
            f"request {req.id} is {req.status}: only {', '.join(LABELS[n] for n in LATE_FIELDS)} "
            f"may still change, not {', '.join(LABELS.get(n, n) for n in locked)}"
        )


# ---------------------------------------------------------------- changes


def snapshot(req: ProductionRequest) -> dict[str, Any]:
    """Everything an audit diff compares: the record's own attributes and every field."""
    return {
        "title": req.title,
        "experiment": req.experiment,
        "status": req.status,
        "priority": req.priority,
        **req.fields,
    }


def diff(old: ProductionRequest, new: ProductionRequest) -> dict[str, list[Any]]:
    """What changed, by name: [before, after] (None for absent)."""
    a, b = snapshot(old), snapshot(new)
    return {k: [a.get(k), b.get(k)] for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)}


def with_changes(
    req: ProductionRequest,
    *,
    title: str | None = None,
    experiment: str | None = None,
    fields: Mapping[str, Any] | None = None,
) -> ProductionRequest:
    """A copy with these values set (a field set to None or empty is removed)."""
    new_fields = dict(req.fields)
    for name, value in (fields or {}).items():
        if value is None or value == [] or value == "":
            new_fields.pop(name, None)
        else:
            new_fields[name] = value
    return replace(
        req,
        title=req.title if title is None else title,
        experiment=req.experiment if experiment is None else experiment,
        fields=new_fields,
    )


def rebase(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Re-apply my edits (mine vs base) onto their newer version; also name the fields we both changed."""
    merged = dict(theirs)
    conflicts = []
    for key in dict.fromkeys([*base, *mine]):
        if mine.get(key) == base.get(key):
            continue
        if theirs.get(key) != base.get(key) and theirs.get(key) != mine.get(key):
            conflicts.append(key)
        if mine.get(key) is None:
            merged.pop(key, None)
        else:
            merged[key] = mine[key]
    return merged, conflicts


def describe_change(changes: Mapping[str, Any]) -> list[str]:
    """An audit entry's changes -> lines for people: 'Title: 'MC' -> 'MC v2'', 'reason: ...'."""
    lines = []
    for key, value in changes.items():
        label = LABELS.get(key, key)
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{label}: {_short(value[0])} -> {_short(value[1])}")
        else:
            lines.append(f"{label}: {_short(value, 300)}")
    return lines


def _short(value: Any, limit: int = 60) -> str:
    if value is None:
        return "(empty)"
    text = format_value(None, value)
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…") if isinstance(value, str) else text


def priority_label(priority: int | None) -> str:
    return "" if priority is None else f"{priority} {PRIORITIES.get(priority, '')}".strip()


def sort_key(req: ProductionRequest) -> tuple[int, int, str, int]:
    """Open requests first, then by priority (urgent first), then the nearest deadline, then id."""
    open_rank = 0 if req.status in OPEN_STATES else 1
    return (open_rank, -(req.priority or 0), str(req.fields.get("deadline") or "9999"), req.id or 0)


def matches(req: ProductionRequest, text: str) -> bool:
    """A list filter: every word appears in the id, status, experiment, title, requester or a field."""
    hay = " ".join(
        [
            str(req.id),
            req.status,
            req.experiment,
            req.title,
            req.requester,
            *(format_value(None, v) for v in req.fields.values()),
        ]
    ).lower()
    return all(word in hay for word in text.lower().split())


# ---------------------------------------------------------------- YAML exchange

_META = ("id", "version", "status", "priority", "requester")


def to_yaml(req: ProductionRequest) -> str:
    """The request as YAML a person can read, mail or keep in git, and :func:`from_yaml` reads back."""
    head = (
        f"# opgtui production request {req.id}, version {req.version}, {req.status}. Import a copy with\n"
        "#   opgtui request import FILE            (a new draft)\n"
        "#   opgtui request import --update FILE   (an edit of this request, refused if it changed since)\n"
    )
    data: dict[str, Any] = {k: getattr(req, k) for k in _META if getattr(req, k) is not None}
    data["experiment"], data["title"] = req.experiment, req.title
    for spec in FIELDS:
        if spec.name in req.fields:
            data[spec.name] = req.fields[spec.name]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return head + body


@dataclass(slots=True)
class Imported:
    """A request read from YAML: the record (id and version when the file names them) and the file's lines."""

    request: ProductionRequest
    lines: dict[str, int]


_KIND_TYPES: dict[str, Any] = {"int": int | str, "float": float | str, "list": list[str] | str}
"""A field's type in a request file: text is taken too where the form takes it ("1,000"), then checked by
:func:`check_value` like the form's."""
RequestFile: type[Spec] = msgspec.defstruct(
    "RequestFile",
    [
        ("id", int | None, None),
        ("version", int | None, None),
        ("status", str | None, None),
        ("priority", int | None, None),
        ("requester", str | None, None),
        ("experiment", str | None, None),
        ("title", str | None, None),
        *((f.name, _KIND_TYPES.get(f.kind, str) | None, None) for f in FIELDS),
    ],
    bases=(Spec,),
    module=__name__,
)
"""The keys of a request file, made from the field catalogue (``core.requestfields``): its one declaration."""


_EXAMPLE = "experiment: ..., title: ..."


def from_yaml(text: str, source: str = "<request>") -> Imported:
    """Read a request file; :class:`RequestFormatError` names ``source:line: key: problem``."""
    try:  # bounded: an alias bomb, a python tag, deep nesting or a huge value is one line, quickly
        given, root = yamlspec.read(text, RequestFile, source, YAML_LIMITS, noun="field")
    except SpecError as exc:
        if not exc.key and exc.problem.startswith("expected a mapping"):
            exc = SpecError(exc.path, exc.line, "", f"expected a mapping of request fields ({_EXAMPLE})")
        raise RequestFormatError(str(exc)) from None
    if given is None or not isinstance(root, yaml.MappingNode):
        raise RequestFormatError(f"{source}: expected a mapping of request fields ({_EXAMPLE})")
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        lines[key] = value_node.start_mark.line + 1
        try:
            values[key] = _import_value(key, getattr(given, key))
        except ValueError as exc:
            raise RequestFormatError(str(SpecError(source, lines[key], key, str(exc)))) from None
    for key in BASE_REQUIRED:
        if not values.get(key):
            where = SpecError(source, line_of(root), key, "required (every request names its experiment and a title)")
            raise RequestFormatError(str(where))
    req = ProductionRequest(
        experiment=values["experiment"],
        title=values["title"],
        requester=values.get("requester") or "",
        status=values.get("status") or "draft",
        priority=values.get("priority"),
        fields={n: values[n] for n in FIELD_NAMES if values.get(n) is not None},
        id=values.get("id"),
        version=values.get("version") or 1,
    )
    return Imported(req, lines)


def _import_value(key: str, raw: Any) -> Any:
    if key in FIELD_BY_NAME:
        return check_value(FIELD_BY_NAME[key], raw)
    if key in ("id", "version", "priority"):  # whole numbers (the file's Struct checked)
        if key == "priority" and raw is not None and raw not in PRIORITIES:
            raise ValueError(f"expected one of {', '.join(map(str, PRIORITIES))}")
        return raw
    if raw is None:
        raise ValueError("expected text")
    if len(raw) > MAX_TEXT:
        raise _too_long(raw, MAX_TEXT)
    if key == "status" and raw not in STATES:
        raise ValueError(f"unknown status {raw!r} (known: {', '.join(STATES)})")
    return " ".join(raw.split()) if key == "title" else raw.strip()


# ---------------------------------------------------------------- linked jobs


@dataclass(slots=True)
class Progress:
    """The linked batches' jobs: counts by status, failures and their commonest causes."""

    total: int = 0
    by_status: dict[str, int] | None = None
    succeeded: int = 0
    failed: int = 0
    held: int = 0
    causes: list[tuple[str, int]] | None = None

    @property
    def fraction(self) -> float | None:
        return self.succeeded / self.total if self.total else None


def summarize_jobs(jobs: Sequence[Job], verdicts: Mapping[str, tuple[str, str]], top: int = 5) -> Progress:
    """Counts for the detail page; a failure's cause is its verdict, else its hold reason, else its exit code."""
    from collections import Counter

    from opgtui.core.model import JobStatus
    from opgtui.core.textsafe import one_line

    statuses: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    p = Progress(total=len(jobs))
    for job in jobs:
        statuses[job.status_label] += 1
        held = job.status == JobStatus.HELD
        if job.status == JobStatus.COMPLETED and not job.failed:
            p.succeeded += 1
        if not (held or job.failed):
            continue
        p.held += held
        p.failed += job.failed
        verdict = verdicts.get(job.id)
        if verdict:
            causes[" · ".join(v for v in verdict if v)] += 1
        elif job.hold_reason:
            causes[one_line(job.hold_reason, 60)] += 1
        else:
            causes[f"exit {job.exit_code}" if job.exit_signal is None else f"signal {job.exit_signal}"] += 1
    p.by_status = dict(statuses.most_common())
    p.causes = causes.most_common(top)
    return p
