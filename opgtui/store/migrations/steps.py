"""The migration steps: one sequence for both engines.

Each step has the statements both engines run (written in the common dialect: SQLite's types, which
:func:`opgtui.store.dialect.to_postgresql` maps) and the parts only one engine runs (triggers: SQLite's in
:mod:`.sqlite`, PL/pgSQL in :mod:`.postgresql`). PostgreSQL stores start at step 1 like SQLite ones, so steps 5 and 6
(which rewrote SQLite's triggers) have nothing to do there: step 4's PL/pgSQL triggers are already their final form.
"""

from __future__ import annotations

from dataclasses import dataclass

from opgtui.store.columns import JOB_COLUMNS, JOB_SQL_TYPES
from opgtui.store.dialect import to_postgresql
from opgtui.store.migrations import postgresql, sqlite
from opgtui.store.protocols import Dialect


@dataclass(frozen=True, slots=True)
class Step:
    """One migration: ``both`` runs on every engine, then the engine's own part."""

    both: str = ""
    sqlite: str = ""
    postgresql: str = ""

    def script(self, dialect: Dialect) -> str:
        own = self.sqlite if dialect == "sqlite" else self.postgresql
        common = self.both if dialect == "sqlite" else to_postgresql(self.both)
        return ";\n".join(part for part in (common.strip().rstrip(";"), own.strip()) if part)


_JOBS_DDL = (
    "CREATE TABLE jobs (\n  "
    + ",\n  ".join(
        f"{name} {sql_type}" + (" PRIMARY KEY" if name == "id" else "")
        for name, sql_type in zip(JOB_COLUMNS, JOB_SQL_TYPES, strict=True)
    )
    + "\n)"
)

# Migrations: index i brings the schema from version i to i+1. Never edit a released step; append.
MIGRATIONS: list[Step] = [
    Step(
        _JOBS_DDL
        + """;
    CREATE INDEX jobs_status ON jobs(status);
    CREATE INDEX jobs_batch ON jobs(batch_name);
    CREATE INDEX jobs_end ON jobs(end_time);
    CREATE TABLE job_ads (job_id TEXT PRIMARY KEY, ad TEXT NOT NULL);
    CREATE TABLE job_events (
      id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, time REAL NOT NULL, type TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '', attrs TEXT NOT NULL DEFAULT '{}',
      UNIQUE (job_id, time, type, detail)
    );
    CREATE INDEX job_events_job ON job_events(job_id, time);
    CREATE TABLE service_states (
      id INTEGER PRIMARY KEY, service TEXT NOT NULL, state TEXT NOT NULL, since REAL NOT NULL,
      source TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', recorded REAL NOT NULL
    );
    CREATE INDEX service_states_svc ON service_states(service, source, since);
    CREATE TABLE feed_status (
      feed TEXT PRIMARY KEY, kind TEXT NOT NULL, last_fetch REAL, last_ok REAL, error TEXT
    );
    CREATE TABLE windows (
      id INTEGER PRIMARY KEY, service TEXT NOT NULL, kind TEXT NOT NULL, start REAL NOT NULL, "end" REAL,
      source TEXT NOT NULL, severity TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
      ext_id TEXT NOT NULL, UNIQUE (source, ext_id)
    );
    CREATE INDEX windows_svc ON windows(service, start);
    CREATE TABLE announcements (
      id INTEGER PRIMARY KEY, text TEXT NOT NULL, level TEXT NOT NULL, author TEXT NOT NULL,
      start REAL, until REAL, created REAL NOT NULL
    );
    CREATE TABLE requests (
      id INTEGER PRIMARY KEY, experiment TEXT NOT NULL, title TEXT NOT NULL, requester TEXT NOT NULL,
      status TEXT NOT NULL, priority INTEGER, fields TEXT NOT NULL DEFAULT '{}',
      version INTEGER NOT NULL DEFAULT 1, created REAL NOT NULL, updated REAL NOT NULL
    );
    CREATE TABLE request_audit (
      id INTEGER PRIMARY KEY, request_id INTEGER NOT NULL, time REAL NOT NULL, who TEXT NOT NULL,
      action TEXT NOT NULL, changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE verdicts (
      job_id TEXT PRIMARY KEY, category TEXT NOT NULL, action TEXT NOT NULL, signature TEXT,
      title TEXT NOT NULL DEFAULT '', confidence TEXT NOT NULL DEFAULT 'none',
      reason TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '[]', decided REAL NOT NULL
    );
    CREATE INDEX verdicts_sig ON verdicts(category, signature);
    CREATE TABLE action_log (
      id INTEGER PRIMARY KEY, time REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
      job_ids TEXT NOT NULL, result TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
        sqlite=sqlite.no_edit("request_audit"),
        postgresql=postgresql.no_edit("request_audit"),
    ),
    # 2: verdicts keep the outage windows that overlapped the job
    Step("""ALTER TABLE verdicts ADD COLUMN windows TEXT NOT NULL DEFAULT '[]'"""),
    # 3: retries and their lineage (which job a retry came from, how, with which debug profile)
    Step("""CREATE TABLE retries (
      id INTEGER PRIMARY KEY, time REAL NOT NULL, who TEXT NOT NULL, job_id TEXT NOT NULL, new_job_id TEXT,
      mode TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '', changes TEXT NOT NULL DEFAULT '{}',
      ok INTEGER NOT NULL, result TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX retries_job ON retries(job_id);
    CREATE INDEX retries_new ON retries(new_job_id)"""),
    # 4: the production record (opgtui stats): one narrow row per finished job kept by triggers from jobs, job_ads,
    # verdicts and dq_results (every ingest path feeds it); day rollups recomputed for the days marked dirty;
    # per-job phases (opg-phase) and post-job data-quality results.
    Step(
        """CREATE TABLE job_stats (
      job_id TEXT PRIMARY KEY, end_time REAL NOT NULL, start_time REAL, outcome INTEGER NOT NULL,
      experiment TEXT, batch_name TEXT, site TEXT, cpu_model TEXT, owner TEXT, verdict TEXT, dq_ok INTEGER,
      cores INTEGER NOT NULL, wall REAL, cpu REAL, num_starts INTEGER,
      slot_time REAL, committed_slot_time REAL, committed_time REAL, phases_raw TEXT
    );
    CREATE INDEX job_stats_end ON job_stats(end_time);
    CREATE INDEX job_stats_batch ON job_stats(batch_name, end_time);
    CREATE INDEX job_stats_phases_pending ON job_stats(job_id) WHERE phases_raw IS NOT NULL;
    CREATE TABLE stats_dirty (day INTEGER PRIMARY KEY);
    CREATE TABLE stats_rollup (
      dim TEXT NOT NULL, day INTEGER NOT NULL, experiment TEXT NOT NULL, key TEXT NOT NULL,
      jobs INTEGER NOT NULL, ok INTEGER NOT NULL, failed INTEGER NOT NULL, removed INTEGER NOT NULL,
      dq_bad INTEGER NOT NULL, restarted INTEGER NOT NULL, core_sec REAL NOT NULL, cpu REAL NOT NULL,
      eff_core_sec REAL NOT NULL, wasted REAL NOT NULL, badput REAL NOT NULL, lost REAL NOT NULL,
      goodput REAL NOT NULL, PRIMARY KEY (dim, day, experiment, key)
    ) WITHOUT ROWID;
    CREATE TABLE job_phases (
      job_id TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, start REAL, "end" REAL, cpu REAL,
      status INTEGER, source TEXT NOT NULL, PRIMARY KEY (job_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE dq_results (
      job_id TEXT PRIMARY KEY, ok INTEGER, problems TEXT NOT NULL DEFAULT '[]', checked REAL NOT NULL
    )""",
        sqlite=sqlite.RECORD_TRIGGERS,
        postgresql=postgresql.RECORD_TRIGGERS,
    ),
    # 5: a record with a completion date but no JobStatus (trimmed history ads, event logs) is finished too
    Step(sqlite=sqlite.FINISHED_WITHOUT_STATUS),
    # 6: the triggers never conflict. sqlite-utils turns recursive triggers on, so INSERT OR REPLACE INTO jobs
    # fired the delete trigger (every re-read of a finished job lost its phases and data-quality result: pruning
    # deletes those itself now), and a trigger's statements take the outer statement's conflict policy.
    Step(sqlite=sqlite.TRIGGERS_NEVER_CONFLICT),
    # 7: learning from the shift (opgtui.learn owns the queries): signatures made from shifters' labels, their
    # audit trail (never edited), and the log tails of unknown failures read to mine templates
    Step(
        """CREATE TABLE learned_signatures (
      id TEXT PRIMARY KEY, pattern TEXT NOT NULL, category TEXT NOT NULL, action TEXT NOT NULL, title TEXT NOT NULL,
      service TEXT, priority INTEGER NOT NULL, example TEXT NOT NULL, template TEXT NOT NULL DEFAULT '',
      job_id TEXT, why TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 0, tested TEXT NOT NULL DEFAULT '{}',
      version INTEGER NOT NULL DEFAULT 1, created REAL NOT NULL, created_by TEXT NOT NULL, updated REAL NOT NULL,
      updated_by TEXT NOT NULL
    );
    CREATE INDEX learned_signatures_template ON learned_signatures(template);
    CREATE TABLE learned_audit (
      id INTEGER PRIMARY KEY, signature_id TEXT NOT NULL, time REAL NOT NULL, who TEXT NOT NULL,
      action TEXT NOT NULL, why TEXT NOT NULL DEFAULT '', changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX learned_audit_sig ON learned_audit(signature_id, id);
    CREATE TABLE learn_tails (
      job_id TEXT PRIMARY KEY, lines TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', error TEXT, read REAL NOT NULL
    )""",
        sqlite=sqlite.no_edit("learned_audit"),
        postgresql=postgresql.no_edit("learned_audit"),
    ),
    # 8: a finished job's slot times and chirped phases come from its ad as the store writes it (Store.upsert_jobs
    # has the ad parsed already), no longer from a trigger that parsed each ad's JSON again (issue 18)
    Step(sqlite=sqlite.DROP_AD_TRIGGER, postgresql=postgresql.DROP_AD_TRIGGER),
    # 9: PostgreSQL keeps the record per statement (transition tables), not per row: an ingest is one statement
    Step(postgresql=postgresql.STATEMENT_TRIGGERS),
]

SCHEMA_VERSION = len(MIGRATIONS)
