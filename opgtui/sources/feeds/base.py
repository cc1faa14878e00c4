"""What every feed kind shares: the report it returns, its one error type, and total decoding helpers.

A feed kind is a small module with ``urls(feed)`` (what to fetch) and a pure ``parse(...)`` (bytes in, a
:class:`FeedReport` out). Parsing is total: any problem with a payload raises :class:`FeedError` whose
``str()`` is one line naming the feed, the URL and what was wrong; no other exception type escapes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from xml.etree import ElementTree

import orjson

from opgtui.config import FeedConfig
from opgtui.core.model import ServiceState, ServiceStateName, Window
from opgtui.core.safeyaml import Limits
from opgtui.core.textsafe import one_line  # the feed kinds take it from here
from opgtui.core.timefmt import parse_iso, utc_minute

if TYPE_CHECKING:
    from yaml.nodes import Node

T = TypeVar("T")

ServiceFor = Callable[[str], str]
Payload = bytes | str
Expects = Literal["json", "xml", "yaml", "any"]

# A feed's YAML may be as large as the fetch allows (poll.MAX_BYTES); aliases and depth stay bounded as everywhere.
_FEED_YAML_LIMITS = Limits(max_bytes=16 << 20, max_nodes=4_000_000)

_RANK: dict[str, int] = {"unknown": 0, "up": 1, "maintenance": 2, "degraded": 3, "down": 4}


class FeedError(Exception):
    """A feed's payload (or fetch) was unusable; ``str()`` is one line: feed, URL, what was wrong."""

    def __init__(self, feed: str, url: str, message: str) -> None:
        self.feed, self.url, self.message = feed, url, one_line(message)
        super().__init__(f"feed {feed} ({url}): {self.message}")


@dataclass(slots=True)
class FeedReport:
    """What one poll of a feed says.

    ``states`` are the services the feed reports on now. ``absent_state`` says what a service this feed
    reported before but no longer lists should become: ``"up"`` for alert/downtime feeds (the alert
    resolved, the downtime ended), ``None`` when absence tells nothing (a component or series vanished).
    ``windows`` carry an ``ext_id`` unique within the feed. ``counts`` are the raw record counts.
    """

    states: list[ServiceState] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    absent_state: ServiceStateName | None = None


@dataclass(frozen=True, slots=True)
class FeedKind:
    """One feed kind behind the common interface.

    ``urls(feed)`` lists what to fetch (URLs, or a local path for kinds with ``local_ok``);
    ``parse(payloads, feed, now, service_for)`` takes one payload per URL, in order.
    """

    name: str
    urls: Callable[[FeedConfig], list[str]]
    parse: Callable[[Sequence[Payload], FeedConfig, float, ServiceFor], FeedReport]
    expects: Expects = "json"
    local_ok: bool = False


# ---------------------------------------------------------------- text and URLs


def join_url(base: str, path: str) -> str:
    """``base`` (a server root, maybe with a path prefix) joined with an absolute API ``path``."""
    return base.rstrip("/") + path


def is_url(source: str) -> bool:
    """True for an http(s) URL, False for a local path."""
    return source.strip().lower().startswith(("http://", "https://"))


def url_or_path(source: str) -> str:
    """An http(s) URL unchanged, else a local path with ``file://`` dropped and ``~`` expanded."""
    source = source.strip()
    return source if is_url(source) else os.path.expanduser(source.removeprefix("file://"))


def to_text(payload: Payload) -> str:
    """Bytes decoded as UTF-8 (a BOM dropped, bad bytes replaced)."""
    if isinstance(payload, bytes):
        return payload.decode("utf-8-sig", errors="replace")
    return payload.removeprefix("\ufeff")


def _looks_html(head: str) -> bool:
    low = head.lstrip()[:200].lower()
    return low.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in low


class Ctx:
    """Carries feed name and URL so helpers can raise FeedError with both."""

    __slots__ = ("feed", "url")

    def __init__(self, feed: FeedConfig, url: str | None = None) -> None:
        self.feed = feed
        self.url = url or feed.url

    def error(self, message: str) -> FeedError:
        return FeedError(self.feed.name, self.url, message)

    # ------------------------------------------------------------ decoding

    def json(self, payload: Payload) -> Any:
        """The decoded JSON document; HTML, empty or broken text raise FeedError."""
        raw = payload.encode("utf-8", errors="replace") if isinstance(payload, str) else payload
        if not raw.strip():
            raise self.error("empty response, expected JSON")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            head = to_text(raw[:400])
            if _looks_html(head):
                raise self.error("not JSON: got an HTML page") from None
            raise self.error(f"not valid JSON: {exc}") from None

    def xml(self, payload: Payload) -> ElementTree.Element:
        """The parsed XML root. DOCTYPE/ENTITY declarations are refused before parsing (entity bombs)."""
        text = to_text(payload)
        if not text.strip():
            raise self.error("empty response, expected XML")
        if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
            if _looks_html(text[:400]):
                raise self.error("not XML: got an HTML page")
            raise self.error("XML with a DOCTYPE/ENTITY declaration refused")
        if _looks_html(text[:400]):
            raise self.error("not XML: got an HTML page")
        # A bare '&' (seen in GOCDB's documented example URLs) is not well-formed XML: escape it.
        text = re.sub(r"&(?!(?:[A-Za-z][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)", "&amp;", text)
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # a str cannot carry an encoding declaration
        try:
            return ElementTree.fromstring(text)
        except ElementTree.ParseError as exc:
            raise self.error(f"not valid XML: {exc}") from None

    def yaml(self, payload: Payload) -> Any:
        """The decoded YAML (or JSON) document, through the one bounded loader (no alias bombs, no python tags)."""
        from opgtui.core import safeyaml

        text = to_text(payload)
        if _looks_html(text[:400]):
            raise self.error("not YAML: got an HTML page")
        try:
            return safeyaml.load(text, self.url, _FEED_YAML_LIMITS)
        except safeyaml.YamlError as exc:
            where = f" at line {exc.line}" if exc.line is not None else ""
            raise self.error(f"not valid YAML{where}: {exc.problem}") from None
        except (ValueError, TypeError, RecursionError, OverflowError) as exc:  # e.g. an impossible date
            raise self.error(f"not valid YAML: {exc}") from None

    def typed(self, payload: Payload, spec: type[T]) -> tuple[T | None, Node | None]:
        """The YAML (or JSON) document as a ``spec`` Struct (:mod:`opgtui.core.yamlspec`; None when empty) and its
        node tree, for the lines of later checks (:meth:`at`); a document that does not fit is one FeedError
        naming the line and the key."""
        from opgtui.core import yamlspec

        text = to_text(payload)
        if _looks_html(text[:400]):
            raise self.error("not YAML: got an HTML page")
        try:
            data, root = yamlspec.parse(text, self.url, _FEED_YAML_LIMITS)
        except yamlspec.SpecError as exc:
            where = f" at line {exc.line}" if exc.line is not None else ""
            raise self.error(f"not valid YAML{where}: {exc.problem}") from None
        except (ValueError, TypeError, RecursionError, OverflowError) as exc:  # e.g. an impossible date
            raise self.error(f"not valid YAML: {exc}") from None
        if root is None:
            return None, None
        try:
            return yamlspec.convert(data, spec, root, self.url), root
        except yamlspec.SpecError as exc:
            raise self.error(f"line {exc.line}: {exc.key}: {exc.problem}" if exc.key else exc.problem) from None

    def at(self, root: Node | None, keys: tuple[str | int, ...], problem: str) -> FeedError:
        """A FeedError about the value at ``keys`` of a :meth:`typed` document: ``line 3: windows[0].end: ...``."""
        from opgtui.core.yamlspec import line_of

        key = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")
        line = line_of(root, *keys)
        return self.error(f"{f'line {line}: ' if line else ''}{key}: {problem}")

    # ------------------------------------------------------------ typed access

    def obj(self, value: Any, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(f"{what}: expected an object, got {type_name(value)}")
        return value

    def arr(self, value: Any, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(f"{what}: expected a list, got {type_name(value)}")
        return value

    def field(self, rec: Mapping[str, Any], key: str, what: str) -> Any:
        if key not in rec or rec[key] is None:
            raise self.error(f"{what}: missing '{key}'")
        return rec[key]

    def text(self, rec: Mapping[str, Any], key: str, what: str, *, required: bool = True) -> str:
        value = rec.get(key)
        if value is None:
            if required:
                raise self.error(f"{what}: missing '{key}'")
            return ""
        if isinstance(value, (dict, list)):
            raise self.error(f"{what}: '{key}' should be text, got {type_name(value)}")
        return str(value)

    def time(self, value: Any, what: str) -> float:
        try:
            t = parse_time(value)
        except ValueError as exc:
            raise self.error(f"{what}: {exc}") from None
        if t is None:
            raise self.error(f"{what}: missing time")
        return t

    def opt_time(self, value: Any, what: str) -> float | None:
        try:
            return parse_time(value)
        except ValueError as exc:
            raise self.error(f"{what}: {exc}") from None


def type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", type(None): "null", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


# ---------------------------------------------------------------- times


def parse_time(value: Any) -> float | None:
    """UTC epoch seconds from ISO 8601 text (any fraction digits, ``Z``), epoch numbers or datetimes.

    ``None``, empty text and Go's zero time (year 1) mean "not known" and give ``None``. Naive times are
    UTC. Raises ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        try:
            return _epoch_number(float(value))
        except OverflowError:
            raise ValueError(f"not a time: a number of {len(str(value))} digits") from None
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return None if dt.year <= 1 else _in_range(dt.timestamp())
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    if not isinstance(value, str):
        raise ValueError(f"not a time: {type_name(value)}")
    s = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        return _epoch_number(float(s))
    try:
        dt = parse_iso(s)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {one_line(value, 60)!r}") from None
    return None if dt.year <= 1 else _in_range(dt.timestamp())


#: Times a feed may give: 1970 to the end of year 9999 (what the screens and the store can show).
LATEST = 253402300799.0


def _in_range(t: float) -> float:
    if not 0 <= t <= LATEST:
        raise ValueError(f"time out of range (1970 to 9999): {t:.0f}")
    return t


def _epoch_number(x: float) -> float:
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("not a time: NaN/inf")
    if x > 1e11:  # milliseconds
        x /= 1000.0
    return _in_range(x)


# ---------------------------------------------------------------- states


def span_text(start: float, end: float | None) -> str:
    """``2024-01-02 10:00 – 2024-01-02 12:00 UTC`` for notes."""
    b = utc_minute(end, zone=False) if end is not None else "open end"
    return f"{utc_minute(start, zone=False)} – {b} UTC"


def worse(a: ServiceStateName, b: ServiceStateName) -> ServiceStateName:
    """The more severe of two states (down > degraded > maintenance > up > unknown)."""
    return a if _RANK[a] >= _RANK[b] else b


def dedupe_ext_ids(windows: Iterable[Window]) -> list[Window]:
    """Windows with ``ext_id`` made unique: exact repeats dropped, a shared id gets ``/service`` appended."""
    out: list[Window] = []
    seen: set[tuple[str, str]] = set()
    by_id: dict[str, int] = {}
    for w in windows:
        key = (w.ext_id, w.service)
        if key in seen:
            continue
        seen.add(key)
        by_id[w.ext_id] = by_id.get(w.ext_id, 0) + 1
        out.append(w)
    for w in out:
        if by_id[w.ext_id] > 1:
            w.ext_id = f"{w.ext_id}/{w.service}"
    return out


def resolve_service(service_for: ServiceFor, *candidates: str) -> str:
    """The first candidate that the config maps to a canonical service, else the first non-empty one."""
    names = [c.strip() for c in candidates if c and c.strip()]
    for c in names:
        mapped = service_for(c)
        if mapped != c:
            return mapped
    return service_for(names[0]) if names else ""


# ---------------------------------------------------------------- downtime feeds (OSG, GOCDB, native)


@dataclass(slots=True)
class Downtime:
    """A declared downtime of one service, as downtime feeds list them."""

    service: str
    start: float
    end: float | None
    ext_id: str
    description: str = ""
    severity: str = ""
    at_risk: bool = False  # "at risk" / "no significant outage expected": the service should still work
    kind: Literal["outage", "maintenance"] = "maintenance"


def downtime_report(downtimes: Iterable[Downtime], source: str, now: float) -> FeedReport:
    """Windows for every downtime; a downtime covering ``now`` makes its service ``maintenance`` (or
    ``degraded`` when only at risk, ``down`` for an outage window); future ones become notes."""
    report = FeedReport(absent_state="up")
    states: dict[str, ServiceState] = {}
    windows = []
    for d in downtimes:
        windows.append(Window(d.service, d.kind, d.start, d.end, source, d.severity, d.description, d.ext_id))
        if d.start <= now and (d.end is None or now < d.end):
            state: ServiceStateName = "degraded" if d.at_risk else ("down" if d.kind == "outage" else "maintenance")
            detail = f"{'at risk' if d.at_risk else d.kind}: {d.description}".strip()
            old = states.get(d.service)
            if old is None or worse(state, old.state) != old.state:
                states[d.service] = ServiceState(d.service, state, d.start, source, one_line(detail))
        elif d.start > now:
            what = "at-risk period" if d.at_risk else ("outage" if d.kind == "outage" else "maintenance")
            report.notes.append(
                one_line(f"upcoming {what} of {d.service}: {span_text(d.start, d.end)}: {d.description}")
            )
    report.states = list(states.values())
    report.windows = dedupe_ext_ids(windows)
    return report


def xml_local(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def xml_child_text(el: ElementTree.Element, name: str) -> str:
    """Text of the first child named ``name`` (any namespace), else ''."""
    for child in el:
        if xml_local(child.tag) == name:
            return (child.text or "").strip()
    return ""
