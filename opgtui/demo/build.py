"""Build the demo store from the bundled data through the same code paths real data takes.

The bundled files are real formats (ClassAd ``-json`` and ``-long`` dumps, an HTCondor event log, job logs,
Alertmanager / Prometheus / Statuspage / OSG payloads). Their times are moved so the story happens now,
then they go through the real dump loader, the real feed parsers, the store and the diagnosis.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from opgtui.config import (
    Config,
    DebugProfile,
    DQConfig,
    ExperimentConfig,
    FeedConfig,
    LogLocation,
    RecordConfig,
    Roles,
    ServiceConfig,
)
from opgtui.core.identity import whoami
from opgtui.core.model import Announcement
from opgtui.demo.joblogs import JobLogWriter
from opgtui.demo.timeshift import shift_ads, shift_eventlog, shift_feed, shift_long
from opgtui.store import Store, open_store

DATA = Path(__file__).resolve().parent / "data"
ANCHOR = 1_795_600_000  # "now" in the generated files (see bench/make_demo_data.py)
SAM_DOWN = (ANCHOR - 5 * 3600 - 600, ANCHOR - 5 * 3600 - 600 + 43 * 60)
# Real recorded ads keep their own times; each is replayed so it ended a little before now.
REAL_ANCHORS = {
    "real_fifebatch_2017.long": 1_486_423_594 + 2 * 3600,
    "real_chtc_held_2022.long": 1_653_508_218 + 3 * 3600,
}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One recorded poll of a feed: its payload files (one per URL of the kind) and when it was taken."""

    feed: str
    files: tuple[str, ...]
    at: float  # relative to ANCHOR


SNAPSHOTS = (
    Snapshot("fnal-alertmanager", ("am_alerts_during_sam_outage.json", "am_silences.json"), SAM_DOWN[0] + 60),
    Snapshot("fnal-alertmanager", ("am_alerts_sam_late.json", "am_silences.json"), SAM_DOWN[1] - 60),
    Snapshot("fnal-alertmanager", ("am_alerts_after.json", "am_silences.json"), SAM_DOWN[1] + 60),
    Snapshot("fnal-alertmanager", ("am_alerts_now.json", "am_silences.json"), ANCHOR - 30),
    Snapshot("fnal-probes", ("prom_probe_success.json",), ANCHOR - 15),
    Snapshot("fnal-status", ("statuspage_summary.json",), ANCHOR - 60),
    Snapshot("osg-topology", ("osg_downtime.yaml",), ANCHOR - 300),
)

# What `D` (retry with debug) changes: ifdh's and the XRootD client's own debug switches, more memory for NOvA.
NOVA_DEBUG = DebugProfile(environment={"IFDH_DEBUG": "1"}, request_memory=4000)
DUNE_DEBUG = DebugProfile(environment={"IFDH_DEBUG": "1", "XRD_LOGLEVEL": "Debug"})


def demo_config(workdir: Path) -> Config:
    """The config a NOvA/DUNE production shifter at Fermilab would write (feeds point at example hosts)."""
    day = 86400.0  # the demo does not poll: its data stays fresh for the session
    return Config(
        path=None,
        store=workdir / "opgtui.db",
        refresh=60,
        feeds=[
            FeedConfig("fnal-alertmanager", "alertmanager", "http://alertmanager.example.org:9093", interval=day),
            FeedConfig(
                "fnal-probes",
                "prometheus",
                "http://prometheus.example.org:9090",
                interval=day,
                options={"query": "probe_success"},
            ),
            FeedConfig("fnal-status", "statuspage", "https://status.example.org/api/v2/summary.json", interval=day),
            FeedConfig("osg-topology", "osg_downtime", str(workdir / "feeds" / "osg_downtime.yaml"), interval=day),
        ],
        services=[
            ServiceConfig("samweb", ["SAM Web", "sam", "samweb-nova"], critical=True, experiments=["nova", "dune"]),
            ServiceConfig("dcache", ["dCache", "fndca", "pnfs"], critical=True, experiments=["nova", "dune"]),
            ServiceConfig("cvmfs", ["CVMFS", "oasis"], critical=True),
            ServiceConfig("xrootd", ["xrootd-door"]),
            ServiceConfig("tokens", ["htvault", "cilogon"]),
            ServiceConfig("jobsub", ["Jobsub"]),
            ServiceConfig("fts", ["FTS"]),
            ServiceConfig("gpgrid-ce", ["FNAL_GPGRID_CE_03", "FNAL_GPGRID_CE_04"]),
        ],
        experiments=[
            ExperimentConfig(
                "nova",
                depends_on=["samweb", "dcache", "cvmfs"],
                acct_group="group_nova",
                debug_profile=NOVA_DEBUG,
                request_required=["workflow", "input_dataset", "fhicl", "release", "events"],
                dq=DQConfig(events_line=r"TrigReport Events total = (\d+)", min_events=1),
            ),
            ExperimentConfig(
                "dune",
                depends_on=["samweb", "dcache", "cvmfs", "xrootd"],
                acct_group="group_dune",
                debug_profile=DUNE_DEBUG,
                request_required=["workflow", "fhicl", "release", "output"],
            ),
        ],
        # The person running the demo may approve and operate, to try the request workflow.
        roles=Roles(operators=["novapro", "dunepro", whoami()], approvers=["alice", "bob", whoami()]),
        # The bundled logs (job ads name them by absolute path): the only directory logs are read from.
        logs=[
            LogLocation(
                "demo", stdout=f"{workdir.resolve() / 'logs'}/{{Out}}", stderr=f"{workdir.resolve() / 'logs'}/{{Err}}"
            )
        ],
        record=RecordConfig(
            stages={"simulation": ["gen", "g4"], "reconstruction": ["reco*"], "transfer": ["fetch", "copyout"]}
        ),
    )


DEMO_USERLOG = "/jobsub/"  # where the bundled ads say their event logs were (on the submit host)
_USERLOG = re.compile(r'UserLog = "/jobsub/[^"\n]*"')


def _stage_feeds(workdir: Path, delta: int) -> None:
    """Copy the bundled job logs and feed payloads into ``workdir``, the payloads' times moved."""
    shutil.copytree(DATA / "logs", workdir / "logs", dirs_exist_ok=True)
    (workdir / "feeds").mkdir(exist_ok=True)
    for f in (DATA / "feeds").iterdir():
        (workdir / "feeds" / f.name).write_text(shift_feed(f.read_text(), delta))


def _stage_files(workdir: Path, delta: int) -> tuple[list[Path], JobLogWriter]:
    """Copy the bundled dumps and event log into ``workdir`` with their times moved, each job's log its own
    (its host, times, experiment and owner); return the dumps, and the jobs' logs being written."""
    # The jobs' event log goes with their other logs, so the config's log directory covers it (e shows it).
    eventlog = workdir / "logs" / "jobs.eventlog"
    now = ANCHOR + delta
    logs = JobLogWriter(workdir, DATA / "logs", now)
    queue = shift_ads(orjson.loads((DATA / "queue.json").read_bytes()), delta)
    logs.own_logs(queue)
    for ad in queue:
        if ad.get("Iwd") == "DEMO_DIR":
            ad["Iwd"] = str(workdir)
        if str(ad.get("UserLog", "")).startswith(DEMO_USERLOG):
            ad["UserLog"] = str(eventlog)
    (workdir / "queue.json").write_bytes(orjson.dumps(queue))
    for name in ("history.long", "history_record.long"):
        text = logs.own_logs_long(shift_long((DATA / name).read_text(), delta)).replace('"DEMO_DIR"', f'"{workdir}"')
        (workdir / name).write_text(_USERLOG.sub(lambda _: f'UserLog = "{eventlog}"', text))
    eventlog.write_text(shift_eventlog((DATA / "jobs.eventlog").read_text(), delta))
    dumps = [workdir / "queue.json", workdir / "history.long", eventlog, workdir / "history_record.long"]
    for name, anchor in REAL_ANCHORS.items():
        (workdir / name).write_text(shift_long((DATA / name).read_text(), now - anchor))
        dumps.append(workdir / name)
    logs.start()
    return dumps, logs


def _load_jobs(store: Store, dumps: list[Path]) -> list[str]:
    from opgtui.sources.dumps import load_files

    result = load_files(dumps)
    store.upsert_jobs(result.jobs, result.ads)
    store.add_events(result.events)
    return result.errors


def _load_feeds(store: Store, cfg: Config, workdir: Path, delta: int) -> list[str]:
    from opgtui.sources.feeds import FeedError, get_kind

    problems = []
    feeds = {f.name: f for f in cfg.feeds}
    for snap in SNAPSHOTS:
        feed = feeds[snap.feed]
        at = snap.at + delta
        payloads = [(workdir / "feeds" / name).read_bytes() for name in snap.files]
        try:
            report = get_kind(feed.kind).parse(payloads, feed, at, cfg.service_for)
        except FeedError as exc:
            problems.append(str(exc))
            store.record_feed(feed.name, feed.kind, fetched=at, ok=False, error=str(exc))
            continue
        store.record_feed(
            feed.name,
            feed.kind,
            fetched=at,
            ok=True,
            states=report.states,
            windows=report.windows,
            absent_state=report.absent_state,
        )
    return problems


def _diagnose(store: Store, cfg: Config) -> int:
    """Verdicts for every failed or held job, as the Jobs view's diagnose key would decide them."""
    from opgtui.ops.logtarget import diagnose_jobs

    return diagnose_jobs(cfg, store, store.failed_jobs())


def _record(store: Store, cfg: Config, now: float) -> None:
    """The production record: finished jobs' logs read once (phases, data quality), stats rollups."""
    from opgtui.domain import stats
    from opgtui.ops.record import scan_finished

    scan_finished(cfg, store, now=now, limit=10_000)
    stats.refresh(store)


def build_demo(workdir: Path, now: float | None = None) -> tuple[Config, Store]:
    """A populated demo store in ``workdir`` and the config that goes with it."""
    cfg, store, rest = build_demo_board(workdir, now)
    rest(store)
    return cfg, store


def build_demo_board(workdir: Path, now: float | None = None) -> tuple[Config, Store, Callable[[Store], None]]:
    """The demo store with what the Status view shows (feeds, announcements), and the rest of the build (jobs,
    their verdicts, the production record, the requests: ~1 s) as a function of a store of this file, which
    the dashboard runs after its first frame."""
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    now = now or time.time()
    delta = int(now) - ANCHOR
    cfg = demo_config(workdir)
    db = cfg.store
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    store = open_store(db)
    _stage_feeds(workdir, delta)
    problems = _load_feeds(store, cfg, workdir, delta)
    store.post_announcement(
        Announcement(
            "Keep-up reco: SAM was down 44 min this morning; SAM fetch failures are safe to retry (2 → g → Enter).",
            "warning",
            "shifter-nova",
            start=now - 3 * 3600,
            until=now + 9 * 3600,
        ),
        now - 3 * 3600,
    )
    store.post_announcement(
        Announcement(
            "dCache pool upgrade tonight (CHG0123456): hold DUNE reco2 submissions from 3 h before.",
            "info",
            "dcache-admins",
            start=now - 86400,
            until=now + 6 * 3600,
        ),
        now - 86400,
    )
    store.set_kv("last_collect", str(now))
    store.set_kv("demo_problems", "\n".join(problems))

    def rest(into: Store) -> None:
        from opgtui.demo.demo_requests import add_demo_requests

        dumps, logs = _stage_files(workdir, delta)
        errors = _load_jobs(into, dumps)
        logs.wait()  # the verdicts and the record read them
        if errors:
            into.set_kv("demo_problems", "\n".join([*problems, *errors]))
        _diagnose(into, cfg)
        _record(into, cfg, now)
        add_demo_requests(into, cfg, now)

    return cfg, store, rest
