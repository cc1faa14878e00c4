"""Load and validate the YAML config: typed settings, defaults, XDG paths, errors naming file:line and key."""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opgtui.core import safeyaml
from opgtui.core.feedkinds import BUILTIN_KINDS
from opgtui.core.keymap import BINDING_IDS
from opgtui.core.storetarget import store_target

APP_NAME = "opgtui"


class ConfigError(Exception):
    """A config problem; ``str()`` is one line naming the file, the line and the key."""

    def __init__(self, path: str | Path, line: int | None, key: str, message: str) -> None:
        from opgtui.core.textsafe import one_line

        self.path, self.line, self.key = str(path), line, key
        # the key and the message can carry the file's own text (an unknown key): never raw on a terminal
        where = one_line(f"{self.path}:{line}" if line else self.path, 300)
        key, message = one_line(key, 200), one_line(message, 300)
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


# ---------------------------------------------------------------- typed settings


@dataclass(slots=True)
class PoolConfig:
    """An HTCondor pool: its collector, or an explicit list of schedds, and which jobs to watch."""

    name: str
    collector: str | None = None
    schedds: list[str] = field(default_factory=list)
    constraint: str | None = None
    owners: list[str] = field(default_factory=list)
    acct_groups: list[str] = field(default_factory=list)
    batch_names: list[str] = field(default_factory=list)
    timeout: float = 30.0
    history_hours: float = 24.0


@dataclass(slots=True)
class LogLocation:
    """Where a job's logs live: path or URL templates filled from job attributes ({Iwd}, {Out}, ...)."""

    name: str
    stdout: str | None = None
    stderr: str | None = None
    constraint: str | None = None
    tail_bytes: int = 256 * 1024
    trust_iwd: bool = False  # logs may be read anywhere under the job's Iwd (which the job's ad sets)


@dataclass(slots=True)
class FeedConfig:
    """One status feed: its kind, where to fetch it, how often, and how to authenticate."""

    name: str
    kind: str
    url: str
    interval: float = 60.0
    timeout: float = 10.0
    token_env: str | None = None
    token_file: str | None = None
    service_label: str = "service"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ServiceConfig:
    """A canonical service name, the names feeds use for it, and who depends on it."""

    name: str
    aliases: list[str] = field(default_factory=list)
    critical: bool = False
    experiments: list[str] = field(default_factory=list)
    description: str = ""


@dataclass(slots=True)
class DebugProfile:
    """What retry-with-debug changes: environment, extra arguments, more memory."""

    environment: dict[str, str] = field(default_factory=dict)
    arguments: str = ""
    request_memory: int | None = None


@dataclass(slots=True)
class DQConfig:
    """What a good job of an experiment leaves behind; a job that exits 0 but fails this is flagged."""

    outputs: str | None = None  # glob over a path template of job attributes, e.g. "{Iwd}/out/*.root"
    min_files: int | None = None
    min_bytes: int | None = None
    events_line: str | None = None  # regex over stdout; its first group is the number of events
    min_events: int | None = None


@dataclass(slots=True)
class RecordConfig:
    """The production record behind `opgtui stats`: retention, log scanning, stage names."""

    keep_days: float = 400.0
    keep_ads_days: float = 30.0
    scan_logs: bool = False
    stages: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class ExperimentConfig:
    """An experiment: its signature packs, the services it depends on, its debug profile."""

    name: str
    packs: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    debug_profile: DebugProfile = field(default_factory=DebugProfile)
    request_required: list[str] = field(default_factory=list)
    acct_group: str | None = None
    request_link: str = "JobBatchName"
    dq: DQConfig | None = None


@dataclass(slots=True)
class Roles:
    operators: list[str] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Config:
    """The whole configuration; ``Config()`` is the valid empty config."""

    path: Path | None = None
    store: Path | str = field(default_factory=lambda: default_store_path())  # a str: a PostgreSQL connection
    store_group: str | None = None  # share a new store with this group (0660/0770); else it is private
    timezone: str | None = None
    refresh: float = 60.0
    pools: list[PoolConfig] = field(default_factory=list)
    logs: list[LogLocation] = field(default_factory=list)
    log_concurrency: int = 16  # logs read at once when many jobs are diagnosed (requests in flight)
    feeds: list[FeedConfig] = field(default_factory=list)
    services: list[ServiceConfig] = field(default_factory=list)
    experiments: list[ExperimentConfig] = field(default_factory=list)
    roles: Roles = field(default_factory=Roles)
    classifier_dirs: list[Path] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    record: RecordConfig = field(default_factory=RecordConfig)

    @property
    def label(self) -> str:
        """Short name for the header: the pools, else the config file, else 'no config'."""
        if self.pools:
            return ", ".join(p.name for p in self.pools)
        return str(self.path) if self.path else "no config"

    def service_for(self, name: str) -> str:
        """The canonical service name for a feed's component or label value (itself when unmapped)."""
        low = name.strip().lower()
        for svc in self.services:
            if low == svc.name.lower() or low in (a.lower() for a in svc.aliases):
                return svc.name
        return name

    def experiment(self, name: str) -> ExperimentConfig | None:
        return next((e for e in self.experiments if e.name == name), None)

    def what_to_configure(self) -> list[str]:
        """What is missing for a useful dashboard, as sentences for the empty screens."""
        hints = []
        if self.path is None:
            hints.append(f"No config file: write one at {default_config_path()} (opgtui config example).")
        if not self.pools:
            hints.append("No HTCondor pool: add 'pools:' with a collector or schedds.")
        if not self.feeds:
            hints.append("No status feed: add 'feeds:' (alertmanager, prometheus, statuspage, ...).")
        return hints


# ---------------------------------------------------------------- paths


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_NAME / "config.yaml"


def default_store_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME / "opgtui.db"


# ---------------------------------------------------------------- schema

# Each schema maps a key to (type, required). Types: str, float, int, bool, "list[str]", "dict", a nested
# schema (dict), or ("list", schema). Unknown keys are errors: a typo must not pass silently.
_POOL = {
    "name": (str, True), "collector": (str, False), "schedds": ("list[str]", False),
    "constraint": (str, False), "owners": ("list[str]", False), "acct_groups": ("list[str]", False),
    "batch_names": ("list[str]", False), "timeout": (float, False), "history_hours": (float, False),
}
_LOG = {
    "name": (str, True), "stdout": (str, False), "stderr": (str, False),
    "constraint": (str, False), "tail_bytes": (int, False), "trust_iwd": (bool, False),
}
_FEED = {
    "name": (str, True), "kind": (str, True), "url": (str, True), "interval": (float, False),
    "timeout": (float, False), "token_env": (str, False), "token_file": (str, False),
    "service_label": (str, False), "options": ("dict", False),
}
_SERVICE = {
    "name": (str, True), "aliases": ("list[str]", False), "critical": (bool, False),
    "experiments": ("list[str]", False), "description": (str, False),
}
_DEBUG = {"environment": ("dict", False), "arguments": (str, False), "request_memory": (int, False)}
_DQ = {
    "outputs": (str, False), "min_files": (int, False), "min_bytes": (int, False), "events_line": (str, False),
    "min_events": (int, False),
}
_EXPERIMENT = {
    "name": (str, True), "packs": ("list[str]", False), "depends_on": ("list[str]", False),
    "debug_profile": (_DEBUG, False), "request_required": ("list[str]", False), "acct_group": (str, False),
    "request_link": (str, False), "dq": (_DQ, False),
}
_RECORD = {
    "keep_days": (float, False), "keep_ads_days": (float, False), "scan_logs": (bool, False), "stages": ("dict", False),
}
_ROLES = {"operators": ("list[str]", False), "approvers": ("list[str]", False)}
_TOP = {
    "store": (str, False), "store_group": (str, False), "timezone": (str, False), "refresh": (float, False),
    "pools": (("list", _POOL), False), "logs": (("list", _LOG), False), "log_concurrency": (int, False),
    "feeds": (("list", _FEED), False),
    "services": (("list", _SERVICE), False), "experiments": (("list", _EXPERIMENT), False),
    "roles": (_ROLES, False), "classifier_dirs": ("list[str]", False), "keys": ("dict", False),
    "record": (_RECORD, False),
}


class _Checker:
    """Walks the composed YAML node tree so every error carries the node's line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, key: str, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        return ConfigError(self.path, line, key, message)

    def construct(self, node: yaml.Node) -> Any:
        try:
            return safeyaml.construct(node, self.path)
        except safeyaml.YamlError as exc:
            raise ConfigError(self.path, exc.line, "", exc.problem) from None

    def value(self, node: yaml.Node, kind: Any, key: str) -> Any:
        if isinstance(kind, dict):
            return self.mapping(node, kind, key)
        if isinstance(kind, tuple):
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, key, "expected a list")
            return [self.value(item, kind[1], f"{key}[{i}]") for i, item in enumerate(node.value)]
        if kind == "list[str]":
            if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
                return [node.value]
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, key, "expected a list of strings")
            return [self.scalar(item, str, f"{key}[{i}]") for i, item in enumerate(node.value)]
        if kind == "dict":
            if not isinstance(node, yaml.MappingNode):
                raise self.fail(node, key, "expected a mapping")
            return self.construct(node) or {}
        return self.scalar(node, kind, key)

    def scalar(self, node: yaml.Node, kind: type, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            got = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            raise self.fail(node, key, f"expected a {kind.__name__}, got a {got}")
        loaded = self.construct(node)
        if kind is str:
            if loaded is None or isinstance(loaded, (dict, list)):
                raise self.fail(node, key, "expected a string")
            return str(loaded)
        if kind is bool:
            if not isinstance(loaded, bool):
                raise self.fail(node, key, f"expected true or false, got {node.value!r}")
            return loaded
        if kind in (int, float):
            if isinstance(loaded, bool) or not isinstance(loaded, (int, float)):
                raise self.fail(node, key, f"expected a number, got {node.value!r}")
            if (isinstance(loaded, float) and not math.isfinite(loaded)) or abs(loaded) > 1e15:
                raise self.fail(node, key, f"expected a finite number of sensible size, got {node.value[:40]!r}")
            if kind is int and not float(loaded).is_integer():
                raise self.fail(node, key, f"expected a whole number, got {node.value!r}")
            return kind(loaded)
        raise AssertionError(kind)

    def mapping(self, node: yaml.Node, schema: dict[str, Any], where: str) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, where, "expected a mapping")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            full = f"{where}.{key}" if where else key
            if key not in schema:
                close = difflib.get_close_matches(key, list(schema), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(schema)})"
                raise self.fail(key_node, full, "unknown key" + hint)
            if key in out:
                raise self.fail(key_node, full, "given twice")
            kind, _required = schema[key]
            out[key] = self.value(value_node, kind, full)
        for key, (_kind, required) in schema.items():
            if required and key not in out:
                raise self.fail(node, f"{where}.{key}" if where else key, "required key is missing")
        return out


def _build(raw: dict[str, Any], path: Path, nodes: yaml.Node) -> Config:
    cfg = Config(path=path)
    if "store" in raw:
        cfg.store = store_target(raw["store"])
    cfg.store_group = raw.get("store_group") or None
    cfg.timezone = raw.get("timezone")
    cfg.refresh = raw.get("refresh", cfg.refresh)
    cfg.pools = [PoolConfig(**p) for p in raw.get("pools", [])]
    cfg.logs = [LogLocation(**loc) for loc in raw.get("logs", [])]
    cfg.log_concurrency = raw.get("log_concurrency", cfg.log_concurrency)
    cfg.feeds = [FeedConfig(**f) for f in raw.get("feeds", [])]
    cfg.services = [ServiceConfig(**s) for s in raw.get("services", [])]
    for e in raw.get("experiments", []):
        dbg = e.pop("debug_profile", {})
        env = {str(k): str(v) for k, v in dbg.pop("environment", {}).items()}
        dq = DQConfig(**e.pop("dq")) if "dq" in e else None
        cfg.experiments.append(ExperimentConfig(**e, debug_profile=DebugProfile(environment=env, **dbg), dq=dq))
    cfg.roles = Roles(**raw.get("roles", {}))
    cfg.classifier_dirs = [Path(os.path.expanduser(d)) for d in raw.get("classifier_dirs", [])]
    cfg.keys = {str(k): str(v) for k, v in raw.get("keys", {}).items()}
    rec = dict(raw.get("record", {}))
    stages = _stages(rec.pop("stages", {}), path, nodes)
    cfg.record = RecordConfig(**rec, stages=stages)
    _check_meaning(cfg, path, nodes)
    return cfg


def _stages(raw: dict[str, Any], path: Path, nodes: yaml.Node) -> dict[str, list[str]]:
    """record.stages: stage name -> phase-name patterns (a single pattern may be given as a string)."""
    out: dict[str, list[str]] = {}
    for stage, patterns in raw.items():
        items = [patterns] if isinstance(patterns, str) else patterns
        if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
            raise ConfigError(path, _line_of(nodes, "record", "stages", str(stage)), f"record.stages.{stage}",
                              "expected a list of phase names or patterns")
        out[str(stage)] = list(items)
    return out


def _line_of(nodes: yaml.Node, *keys: str | int) -> int | None:
    """Line of the node at a key path in the composed tree (best effort)."""
    node: yaml.Node | None = nodes
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node.start_mark.line + 1 if node is not None else None


def _check_meaning(cfg: Config, path: Path, nodes: yaml.Node) -> None:
    """Checks across keys: known feed kinds, unique names, known services and experiments, a real zone."""

    def err(key: str, msg: str, *loc: str | int) -> ConfigError:
        return ConfigError(path, _line_of(nodes, *loc), key, msg)

    for section in ("pools", "feeds", "services", "experiments", "logs"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(cfg, section)):
            if item.name in seen:
                raise err(f"{section}[{i}].name", f"duplicate name {item.name!r}", section, i, "name")
            seen.add(item.name)
    kinds: list[str] = []
    for i, feed in enumerate(cfg.feeds):
        if feed.kind not in BUILTIN_KINDS:
            if not kinds:  # plugins may add kinds (entry-point group opgtui.feeds); look only when needed
                from opgtui.core.feedkinds import declared_kinds

                kinds = declared_kinds()
            if feed.kind not in kinds:
                raise err(f"feeds[{i}].kind", f"unknown feed kind {feed.kind!r} (known: {', '.join(kinds)})",
                          "feeds", i, "kind")
        if feed.interval <= 0 or feed.timeout <= 0:
            raise err(f"feeds[{i}]", "interval and timeout must be positive", "feeds", i)
    for i, pool in enumerate(cfg.pools):
        if not pool.collector and not pool.schedds:
            raise err(f"pools[{i}]", "give a collector or a list of schedds", "pools", i)
    known = {s.name for s in cfg.services}
    for i, exp in enumerate(cfg.experiments):
        if exp.request_required:
            from opgtui.core.requestfields import BASE_REQUIRED, FIELD_NAMES

            for j, name in enumerate(exp.request_required):
                if name not in (*FIELD_NAMES, *BASE_REQUIRED):
                    close = difflib.get_close_matches(name, FIELD_NAMES, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(FIELD_NAMES)}"
                    raise err(f"experiments[{i}].request_required[{j}]", f"unknown request field {name!r} ({hint})",
                              "experiments", i, "request_required", j)
        for j, dep in enumerate(exp.depends_on):
            if known and dep not in known:
                raise err(f"experiments[{i}].depends_on[{j}]",
                          f"unknown service {dep!r} (known: {', '.join(sorted(known))})",
                          "experiments", i, "depends_on", j)
    for i, exp in enumerate(cfg.experiments):
        if exp.dq and exp.dq.events_line:
            from opgtui.core.patterns import pattern_problem  # RE2, as the packs: never Python re for a user's pattern

            problem = pattern_problem(exp.dq.events_line)
            if problem:
                raise err(f"experiments[{i}].dq.events_line", problem, "experiments", i, "dq", "events_line")
    if cfg.record.keep_days <= 0 or cfg.record.keep_ads_days <= 0:
        raise err("record", "keep_days and keep_ads_days must be positive", "record")
    if cfg.store_group:
        import grp

        try:
            grp.getgrnam(cfg.store_group)
        except KeyError:
            raise err("store_group", f"no group {cfg.store_group!r} on this machine", "store_group") from None
    if cfg.refresh <= 0:
        raise err("refresh", f"must be positive (seconds), not {cfg.refresh:g}", "refresh")
    if cfg.log_concurrency < 1:
        raise err("log_concurrency", f"must be 1 or more, not {cfg.log_concurrency}", "log_concurrency")
    if cfg.keys:
        for name in cfg.keys:  # the ids live apart from the screens: checking them does not load Textual
            if name not in BINDING_IDS:
                close = difflib.get_close_matches(name, sorted(BINDING_IDS), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "ids look like view.jobs, jobs.filter"
                raise err(f"keys.{name}", f"unknown binding id ({hint})", "keys", name)
    if cfg.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(cfg.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
            raise err("timezone", f"unknown time zone {cfg.timezone!r}", "timezone") from None


def parse_config(text: str, path: Path) -> Config:
    """Validate YAML text and build a Config; raises ConfigError naming path:line and key."""
    try:
        nodes = safeyaml.compose(text, path)
    except safeyaml.YamlError as exc:  # not YAML, or an alias bomb, deep nesting, a python tag, a huge value
        raise ConfigError(path, exc.line, "", exc.problem) from None
    if nodes is None:
        return Config(path=path)
    raw = _Checker(path).mapping(nodes, _TOP, "")
    return _build(raw, path, nodes)


def load_config(path: str | Path | None = None) -> Config:
    """The config at ``path`` (or the default path); the empty config when no file exists at the default.

    An explicitly named file that does not exist is an error.
    """
    explicit = path is not None
    p = Path(path) if path is not None else default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(p, None, "", "no such file")
        return Config()
    try:
        text = safeyaml.read_text(p)
    except safeyaml.YamlError as exc:  # unreadable, not UTF-8 or too big
        raise ConfigError(p, None, "", exc.problem) from None
    return parse_config(text, p)


EXAMPLE = """\
# opgtui configuration. Default location: $XDG_CONFIG_HOME/opgtui/config.yaml (~/.config/opgtui/config.yaml).
# Check it with: opgtui config check [--config FILE]

# Where opgtui keeps its history: a SQLite file (not on NFS/AFS/CephFS/EOS: refused, WAL needs local locking),
# or the team's PostgreSQL (postgresql://host/db, service=opgtui from pg_service.conf, or libpq's PG* variables
# with "postgresql://"; needs pip install 'opgtui[postgres]'). Default: $XDG_DATA_HOME/opgtui/opgtui.db
store: ~/.local/share/opgtui/opgtui.db
# A new store (and its directory) is readable only by you; name a group to share it with the team instead.
# store_group: novaprod
# Times are stored in UTC and shown in this zone (default: the machine's).
timezone: America/Chicago
# Seconds between refreshes of the dashboard and the collector.
refresh: 60

# HTCondor pools. Give a collector (all its schedds are found) or an explicit list of schedds.
pools:
  - name: fermigrid
    collector: gpcollector03.fnal.gov
    schedds: [jobsubdevgpvm01.fnal.gov]   # optional: only these
    owners: [novapro]                     # optional filters, combined with AND
    acct_groups: [group_nova.prod]
    # constraint: 'JobBatchName =?= "reco_keepup"'
    timeout: 30                           # seconds per schedd before it is reported unreachable
    history_hours: 24                     # how far back the first history read goes

# Where job logs live: templates filled from the job's attributes ({Iwd}, {Out}, {Err}, {ClusterId},
# {ProcId}, {Owner}, {JobsubJobId}, {experiment}). A local path or an http(s) URL (read with a Range request).
# Paths come from job ads, so a log is read only under a directory a template starts with (/pnfs/nova/logs for
# "/pnfs/nova/logs/{ClusterId}.out") or, where trust_iwd says so, under the job's Iwd; others are refused.
logs:
  - name: iwd
    stdout: "{Iwd}/{Out}"
    stderr: "{Iwd}/{Err}"
    trust_iwd: true       # Iwd is the job's to set: only for pools whose job owners you trust
    tail_bytes: 262144    # diagnosis reads at most this much of each log's end (the Log view: what you ask)
  # - name: pnfs
  #   stdout: "https://fndca.example.org:2880/pnfs/{experiment}/logs/{JobsubJobId}.out"
# Logs read at once when many jobs are diagnosed (the Jobs view's d): at most this many requests in flight.
log_concurrency: 16

# Status feeds. kind: statuspage | alertmanager | prometheus | osg_downtime | gocdb | native
feeds:
  - name: fnal-alertmanager
    kind: alertmanager
    url: http://alertmanager.example.org:9093
    interval: 60
    service_label: service        # the alert label that names the service
    # token_env: OPGTUI_AM_TOKEN  # bearer token from the environment, or
    # token_file: ~/.config/opgtui/am.token  (must be readable only by you)
  - name: probes
    kind: prometheus
    url: http://prometheus.example.org:9090
    options: {query: probe_success}
  - name: manual
    kind: native
    url: ~/.config/opgtui/windows.yaml

# Canonical service names, the names feeds use for them, and who depends on them.
services:
  - name: samweb
    aliases: [sam, samweb-nova, "SAM web"]
    critical: true
  - name: dcache
    aliases: [pnfs, fndca]
    critical: true
  - name: cvmfs
  - name: xrootd
  - name: tokens
    aliases: [htvault, cilogon]

# Experiments: extra signature packs, the services their jobs need, the retry-with-debug profile.
experiments:
  - name: nova
    packs: [nova]
    depends_on: [samweb, dcache, cvmfs]
    acct_group: group_nova
    debug_profile:
      environment: {IFDH_DEBUG: "1", ART_DEBUG: "1"}
      arguments: "--debug"
      request_memory: 4000
    request_required: [input_dataset, fhicl, release, events]   # what a production request must give
    request_link: JobBatchName    # the job attribute whose value names the batches that run a request
    dq:                           # post-job data-quality checks: jobs that exit 0 but fail them are flagged
      outputs: "{Iwd}/out/{ClusterId}.{ProcId}/*.root"   # a glob; without it, the ad's output count/BytesSent
      min_files: 1                # at least this many output files
      min_bytes: 100000           # each at least this many bytes
      events_line: 'TrigReport Events total = (\\d+)'     # a stdout line giving the number of events
      min_events: 1

# Who may do what. Identity is the operating-system user. On a PostgreSQL team store the database decides who
# approves (members of opgtui_approver or opgtui_admin); approvers here are only granted that role by
# `opgtui store init --roles --apply`.
roles:
  operators: [novapro]
  approvers: [alice, bob]

# Extra directories of signature packs (YAML). Parsed packs are cached as JSON in $XDG_CACHE_HOME/opgtui
# (~/.cache/opgtui/packs.json, per file path, size and mtime); deleting it is always safe.
classifier_dirs: []

# Remap keys by binding id (view.<name>, jobs.filter, status.history, ...), e.g. {view.jobs: f2}.
keys: {}

# The production record behind `opgtui stats` and the Stats view (5).
record:
  keep_days: 400                # finished jobs older than this are pruned (opgtui prune; the collector daily)
  keep_ads_days: 30             # their raw ClassAds, the bulk of the store, go sooner
  scan_logs: false              # read every finished job's stdout once for opg-phase markers (dq always does)
  stages:                       # opg-phase names (fnmatch patterns) reported as one stage; others keep theirs
    reconstruction: [reco, "reco[0-9]*"]
    merge: [merge, concat]
"""
