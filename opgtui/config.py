"""Load and validate the YAML config: typed settings, defaults, XDG paths, errors naming file:line and key."""

import os
from importlib.machinery import PathFinder
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from opgtui import __version__
from opgtui.core import yamlspec
from opgtui.core.feedkinds import BUILTIN_KINDS
from opgtui.core.keymap import BINDING_IDS
from opgtui.core.storetarget import store_target
from opgtui.core.usercache import cache_dir, read_private, write_private
from opgtui.core.yamlspec import Spec, SpecError, closest, did_you_mean, line_of

APP_NAME = "opgtui"


class ConfigError(SpecError):
    """A config problem; ``str()`` is one line naming the file, the line and the key."""


# ---------------------------------------------------------------- typed settings: the one declaration of the file
# Each Struct is a mapping of the file; a key it does not declare is an error (a typo must not pass silently).
# `opgtui config schema` prints the JSON Schema an editor checks the file with, made from these.

if TYPE_CHECKING:
    from yaml.nodes import Node

    StoreTarget = Path | str
else:  # a path, or a PostgreSQL connection string kept as written (msgspec sees any value; __post_init__ checks)
    StoreTarget = Annotated[Any, msgspec.Meta(extra_json_schema={"type": "string"})]


class PoolConfig(Spec):
    """An HTCondor pool: its collector, or an explicit list of schedds, and which jobs to watch."""

    name: str
    collector: str | None = None
    schedds: list[str] = []
    constraint: str | None = None
    owners: list[str] = []
    acct_groups: list[str] = []
    batch_names: list[str] = []
    timeout: float = 30.0
    history_hours: float = 24.0


class LogLocation(Spec):
    """Where a job's logs live: path or URL templates filled from job attributes ({Iwd}, {Out}, ...)."""

    name: str
    stdout: str | None = None
    stderr: str | None = None
    constraint: str | None = None
    tail_bytes: int = 256 * 1024
    trust_iwd: bool = False  # logs may be read anywhere under the job's Iwd (which the job's ad sets)


class FeedConfig(Spec):
    """One status feed: its kind, where to fetch it, how often, and how to authenticate."""

    name: str
    kind: str
    url: str
    interval: float = 60.0
    timeout: float = 10.0
    token_env: str | None = None
    token_file: str | None = None
    service_label: str = "service"
    options: dict[str, Any] = {}


class ServiceConfig(Spec):
    """A canonical service name, the names feeds use for it, and who depends on it."""

    name: str
    aliases: list[str] = []
    critical: bool = False
    experiments: list[str] = []
    description: str = ""


class DebugProfile(Spec):
    """What retry-with-debug changes: environment, extra arguments, more memory."""

    environment: dict[str, str] = {}
    arguments: str = ""
    request_memory: int | None = None


class DQConfig(Spec):
    """What a good job of an experiment leaves behind; a job that exits 0 but fails this is flagged."""

    outputs: str | None = None  # glob over a path template of job attributes, e.g. "{Iwd}/out/*.root"
    min_files: int | None = None
    min_bytes: int | None = None
    events_line: str | None = None  # regex over stdout; its first group is the number of events
    min_events: int | None = None


class RecordConfig(Spec):
    """The production record behind `opgtui stats`: retention, log scanning, stage names."""

    keep_days: float = 400.0
    keep_ads_days: float = 30.0
    scan_logs: bool = False
    stages: dict[str, list[str]] = {}  # stage -> phase-name patterns (one pattern may be given as a string)


class ExperimentConfig(Spec):
    """An experiment: its signature packs, the services it depends on, its debug profile."""

    name: str
    packs: list[str] = []
    depends_on: list[str] = []
    debug_profile: DebugProfile = msgspec.field(default_factory=DebugProfile)
    request_required: list[str] = []
    acct_group: str | None = None
    request_link: str = "JobBatchName"
    dq: DQConfig | None = None


class Roles(Spec):
    operators: list[str] = []
    approvers: list[str] = []


class Settings(Spec):
    """An opgtui config file (every key is optional). Config adds where it was read from."""

    store: StoreTarget = msgspec.field(default_factory=lambda: default_store_path())
    store_group: str | None = None  # share a new store with this group (0660/0770); else it is private
    timezone: str | None = None
    refresh: float = 60.0
    pools: list[PoolConfig] = []
    logs: list[LogLocation] = []
    log_concurrency: int = 16  # logs read at once when many jobs are diagnosed (requests in flight)
    feeds: list[FeedConfig] = []
    services: list[ServiceConfig] = []
    experiments: list[ExperimentConfig] = []
    roles: Roles = msgspec.field(default_factory=Roles)
    classifier_dirs: list[Path] = []
    keys: dict[str, str] = {}
    record: RecordConfig = msgspec.field(default_factory=RecordConfig)

    def __post_init__(self) -> None:
        if isinstance(self.store, str):
            self.store = store_target(self.store)
        elif not isinstance(self.store, Path):
            raise TypeError("store: expected a path or a PostgreSQL connection string")
        self.store_group = self.store_group or None


class Config(Settings):
    """The whole configuration; ``Config()`` is the valid empty config."""

    path: Path | None = None  # the file it was read from

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


def _check_meaning(cfg: "Config", path: Path, nodes: "Node | None", *, kept: bool = False) -> None:
    """Checks across keys: known feed kinds, unique names, known services and experiments, a real zone. ``kept``:
    the data was kept after these checks passed on it (:func:`_kept`), so what depends on nothing but the text and
    modules in the stamp is not checked again: its patterns (RE2 is not loaded) and request fields."""

    def err(key: str, msg: str, *loc: str | int) -> ConfigError:
        return ConfigError(path, line_of(nodes, *loc), key, msg)

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
                raise err(
                    f"feeds[{i}].kind",
                    f"unknown feed kind {feed.kind!r} (known: {', '.join(kinds)})",
                    "feeds",
                    i,
                    "kind",
                )
        if feed.interval <= 0 or feed.timeout <= 0:
            raise err(f"feeds[{i}]", "interval and timeout must be positive", "feeds", i)
    for i, pool in enumerate(cfg.pools):
        if not pool.collector and not pool.schedds:
            raise err(f"pools[{i}]", "give a collector or a list of schedds", "pools", i)
    known = {s.name for s in cfg.services}
    for i, exp in enumerate(cfg.experiments):
        if exp.request_required and not kept:
            from opgtui.core.requestfields import BASE_REQUIRED, FIELD_NAMES

            for j, name in enumerate(exp.request_required):
                if name not in (*FIELD_NAMES, *BASE_REQUIRED):
                    raise err(
                        f"experiments[{i}].request_required[{j}]",
                        f"unknown request field {name!r}{did_you_mean(name, FIELD_NAMES)}",
                        "experiments",
                        i,
                        "request_required",
                        j,
                    )
        for j, dep in enumerate(exp.depends_on):
            if known and dep not in known:
                raise err(
                    f"experiments[{i}].depends_on[{j}]",
                    f"unknown service {dep!r} (known: {', '.join(sorted(known))})",
                    "experiments",
                    i,
                    "depends_on",
                    j,
                )
    for i, exp in enumerate(cfg.experiments):
        if exp.dq and exp.dq.events_line and not kept:
            from opgtui.core.patterns import pattern_problem  # RE2, as the packs: never Python re for a user's pattern

            problem = pattern_problem(exp.dq.events_line)
            if problem:
                raise err(f"experiments[{i}].dq.events_line", problem, "experiments", i, "dq", "events_line")
    for stage, patterns in cfg.record.stages.items():
        if not patterns or not all(patterns):
            raise err(f"record.stages.{stage}", "expected a list of phase names or patterns", "record", "stages", stage)
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
                close = closest(name, sorted(BINDING_IDS))
                hint = f"did you mean '{close}'?" if close else "ids look like view.jobs, jobs.filter"
                raise err(f"keys.{name}", f"unknown binding id ({hint})", "keys", name)
    if cfg.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(cfg.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
            raise err("timezone", f"unknown time zone {cfg.timezone!r}", "timezone") from None


def parse_config(text: str, path: Path) -> Config:
    """Validate YAML text and build a Config; raises ConfigError naming path:line and key."""
    return _parse(text, path)[0]


def _parse(text: str, path: Path) -> tuple[Config, Any]:
    """The Config of ``text`` and the plain data it was made from (kept for the next start-up)."""
    try:
        data, nodes = yamlspec.parse(text, path)
        if nodes is None:
            return Config(path=path), None
        settings = yamlspec.convert(data, Settings, nodes, path)
    except SpecError as exc:  # not YAML, an alias bomb, a python tag, a huge value, or not the shape of Settings
        raise ConfigError(exc.path, exc.line, exc.key, exc.problem) from None
    cfg = Config(**msgspec.structs.asdict(settings), path=path)
    _check_meaning(cfg, path, nodes)
    return cfg, data


def load_config(path: str | Path | None = None) -> Config:
    """The config at ``path`` (or the default path); the empty config when no file exists at the default.

    An explicitly named file that does not exist is an error. A file read before with the same text (by this
    opgtui's YAML reader) is not parsed again: its plain data is kept in the user's cache (PyYAML and parsing cost
    ~17 ms of every start-up) and checked as a new file's (only the YAML is skipped; the environment it depends on
    is read again).
    """
    from opgtui.core import safeyaml

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
    kept = _kept(p, text)
    if kept is not None:
        try:
            settings = yamlspec.convert(kept, Settings, None, p)
            cfg = Config(**msgspec.structs.asdict(settings), path=p)
            _check_meaning(cfg, p, None, kept=True)
            return cfg
        except SpecError:  # what it depends on changed (a group, a zone, a plugin): reading it again says where
            pass
    cfg, data = _parse(text, p)
    _keep(p, text, data)
    return cfg


# ---------------------------------------------------------------- the parsed config, kept between start-ups

_KEPT_FILES = 16
_MAX_CACHE_BYTES = 4 << 20


def _cache_file() -> Path | None:
    directory = cache_dir()
    return directory / "config.json" if directory is not None else None


def _loader_stamp() -> list[object]:
    """What the kept data depends on besides the text: the opgtui version and the size and mtime of the modules that
    read YAML (a newer reader may refuse what an older one took: its data is read again, never trusted) and of those
    that check its patterns and request fields (core.patterns, the installed RE2, found without loading it, and
    core.requestfields)."""
    core = Path(yamlspec.__file__).parent
    stamp: list[object] = [__version__]
    re2 = PathFinder.find_spec("re2")
    if re2 is None or re2.origin is None:
        return []
    checkers = (core / "patterns.py", Path(re2.origin), core / "requestfields.py")
    for module in (Path(__file__), core / "yamlspec.py", core / "safeyaml.py", *checkers):
        try:
            st = module.stat()
        except OSError:
            return []
        stamp += [st.st_size, st.st_mtime_ns]
    return stamp


def _kept(path: Path, text: str) -> Any:
    """The plain data kept for the config at ``path`` when its text is still ``text`` and it was read by this
    opgtui, else None. The cache stands for the config, so one that is not the user's own (or that others can
    write) is never read."""
    cache = _cache_file()
    raw = read_private(cache, _MAX_CACHE_BYTES) if cache is not None else None
    if raw is None:
        return None
    try:
        entries = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    entry = entries.get(str(path.absolute())) if isinstance(entries, dict) else None
    if isinstance(entry, dict) and entry.get("text") == text and entry.get("loader") == _loader_stamp():
        return entry.get("data")
    return None


def _keep(path: Path, text: str, data: Any) -> None:
    """Keep ``data`` (what ``text`` parsed to) for the next start-up; best effort, never an error. Data that JSON
    cannot give back exactly (a date, a number as a key) is not kept."""
    cache = _cache_file()
    if cache is None:
        return
    try:
        raw = msgspec.json.encode(data)
        if msgspec.json.decode(raw) != data:
            return
    except (TypeError, ValueError, msgspec.EncodeError):
        return
    old = read_private(cache, _MAX_CACHE_BYTES)
    try:
        entries = msgspec.json.decode(old) if old is not None else {}
    except msgspec.DecodeError:
        entries = {}
    entries = entries if isinstance(entries, dict) else {}
    entries.pop(str(path.absolute()), None)
    entries[str(path.absolute())] = {"text": text, "data": data, "loader": _loader_stamp()}
    write_private(cache, msgspec.json.encode(dict(list(entries.items())[-_KEPT_FILES:])))


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

# Status feeds. kind: <feed kinds>
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
""".replace("<feed kinds>", " | ".join(BUILTIN_KINDS))  # listed once, in core/feedkinds.py
