"""The store's schema: one migration sequence for both engines (SQLite, PostgreSQL).

Each step has the statements both engines run (written in the common dialect: SQLite's types, which
:func:`to_postgresql` maps) and the parts only one engine runs (triggers: SQLite's, PL/pgSQL). PostgreSQL stores
start at step 1 like SQLite ones, so steps 5 and 6 (which rewrote SQLite's triggers) have nothing to do there:
step 4's PL/pgSQL triggers are already their final form.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, fields
from typing import Any

from opgtui.core.model import Job

JOB_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Job))
_JOB_TYPES = {f.name: f.type for f in fields(Job)}


@dataclass(frozen=True, slots=True)
class Step:
    """One migration: ``both`` runs on every engine, then the engine's own part."""

    both: str = ""
    sqlite: str = ""
    postgresql: str = ""

    def script(self, dialect: str) -> str:
        own = self.sqlite if dialect == "sqlite" else self.postgresql
        common = self.both if dialect == "sqlite" else to_postgresql(self.both)
        return ";\n".join(part for part in (common.strip().rstrip(";"), own.strip()) if part)


def _sql_type(annotation: Any) -> str:
    text = str(annotation)
    if text.startswith("int") or text == "int":
        return "INTEGER"
    if text.startswith("float"):
        return "REAL"
    return "TEXT"


_JOBS_DDL = (
    "CREATE TABLE jobs (\n  "
    + ",\n  ".join(
        f"{name} {_sql_type(_JOB_TYPES[name])}" + (" PRIMARY KEY" if name == "id" else "")
        for name in JOB_COLUMNS
    )
    + "\n)"
)

# The job_stats row of a finished job, from the jobs row just written (used by the trigger of migrations 4, 5).
_JOB_STATS_UPSERT = """\
      INSERT INTO job_stats(job_id, end_time, start_time, outcome, experiment, batch_name, site, cpu_model, owner,
                            verdict, dq_ok, cores, wall, cpu, num_starts)
      VALUES (NEW.id, coalesce(NEW.end_time, NEW.status_since, NEW.updated, 0), NEW.start_time,
              CASE WHEN NEW.status = 3 THEN 2 WHEN NEW.exit_signal IS NOT NULL OR NEW.exit_code != 0 THEN 1
                   WHEN NEW.exit_code = 0 THEN 0 ELSE 3 END,
              NEW.experiment, NEW.batch_name, NEW.site, NEW.cpu_model, NEW.owner,
              (SELECT category FROM verdicts WHERE job_id = NEW.id), (SELECT ok FROM dq_results WHERE job_id = NEW.id),
              max(coalesce(NEW.request_cpus, 1), 1), NEW.wall,
              CASE WHEN NEW.cpu_user IS NULL AND NEW.cpu_sys IS NULL THEN NULL
                   ELSE coalesce(NEW.cpu_user, 0) + coalesce(NEW.cpu_sys, 0) END, NEW.num_starts)
      ON CONFLICT(job_id) DO UPDATE SET end_time = excluded.end_time, start_time = excluded.start_time,
        outcome = excluded.outcome, experiment = excluded.experiment, batch_name = excluded.batch_name,
        site = excluded.site, cpu_model = excluded.cpu_model, owner = excluded.owner, verdict = excluded.verdict,
        dq_ok = excluded.dq_ok, cores = excluded.cores, wall = excluded.wall, cpu = excluded.cpu,
        num_starts = excluded.num_starts;
"""

# The same, column by column (migration 6 writes it as an UPDATE and an INSERT that cannot conflict).
_JOB_STATS_VALUES: tuple[tuple[str, str], ...] = (
    ("end_time", "coalesce(NEW.end_time, NEW.status_since, NEW.updated, 0)"), ("start_time", "NEW.start_time"),
    ("outcome", "CASE WHEN NEW.status = 3 THEN 2 WHEN NEW.exit_signal IS NOT NULL OR NEW.exit_code != 0 THEN 1 "
                "WHEN NEW.exit_code = 0 THEN 0 ELSE 3 END"),
    ("experiment", "NEW.experiment"), ("batch_name", "NEW.batch_name"), ("site", "NEW.site"),
    ("cpu_model", "NEW.cpu_model"), ("owner", "NEW.owner"),
    ("verdict", "(SELECT category FROM verdicts WHERE job_id = NEW.id)"),
    ("dq_ok", "(SELECT ok FROM dq_results WHERE job_id = NEW.id)"), ("cores", "max(coalesce(NEW.request_cpus, 1), 1)"),
    ("wall", "NEW.wall"),
    ("cpu", "CASE WHEN NEW.cpu_user IS NULL AND NEW.cpu_sys IS NULL THEN NULL "
            "ELSE coalesce(NEW.cpu_user, 0) + coalesce(NEW.cpu_sys, 0) END"),
    ("num_starts", "NEW.num_starts"),
)



def _sqlite_no_edit(table: str) -> str:
    return "".join(f"""
    CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be edited'); END;""" for op in ("UPDATE", "DELETE"))


def _pg_no_edit(table: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION opgtui_no_edit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      RAISE EXCEPTION 'the audit trail cannot be edited' USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER {table}_no_edit BEFORE UPDATE OR DELETE ON {table}
      FOR EACH ROW EXECUTE FUNCTION opgtui_no_edit();
    CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
      FOR EACH STATEMENT EXECUTE FUNCTION opgtui_no_edit()"""


def _pg_day(expr: str) -> str:
    return f"CAST(floor({expr} / 86400) AS BIGINT)"


def _pg_follow(name: str, table: str, column: str, source: str) -> str:
    """A trigger copying ``table``'s ``source`` into the job's job_stats ``column`` when it changes."""
    return f"""    CREATE FUNCTION opgtui_stats_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      UPDATE job_stats SET {column} = NEW.{source} WHERE job_id = NEW.job_id AND {column} IS DISTINCT FROM NEW.{source};
      RETURN NULL;
    END $$;
    CREATE TRIGGER job_stats_{name} AFTER INSERT OR UPDATE ON {table} FOR EACH ROW
      EXECUTE FUNCTION opgtui_stats_{name}();"""


_PG_STATS_COLUMNS = ", ".join(c for c, _ in _JOB_STATS_VALUES)
# Step 4 on PostgreSQL: the triggers in their final form, then the finished jobs already stored run through them.
_PG_RECORD_TRIGGERS = f"""
    CREATE FUNCTION opgtui_stats_from_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO job_stats(job_id, {_PG_STATS_COLUMNS})
        VALUES (NEW.id, {", ".join(e.replace("max(", "greatest(") for _, e in _JOB_STATS_VALUES)})
        ON CONFLICT (job_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c, _ in _JOB_STATS_VALUES)};
      RETURN NULL;
    END $$;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT OR UPDATE ON jobs FOR EACH ROW
      WHEN (NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL))
      EXECUTE FUNCTION opgtui_stats_from_job();
    CREATE FUNCTION opgtui_stats_from_ad() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE a jsonb;
    BEGIN
      BEGIN a := NEW.ad::jsonb; EXCEPTION WHEN others THEN RETURN NULL; END;
      UPDATE job_stats SET
        slot_time = CASE WHEN jsonb_typeof(a->'CumulativeSlotTime') = 'number'
                         THEN (a->>'CumulativeSlotTime')::float8 END,
        committed_slot_time = CASE WHEN jsonb_typeof(a->'CommittedSlotTime') = 'number'
                                   THEN (a->>'CommittedSlotTime')::float8 END,
        committed_time = CASE WHEN jsonb_typeof(a->'CommittedTime') = 'number' THEN (a->>'CommittedTime')::float8 END,
        phases_raw = CASE WHEN jsonb_typeof(a->'ChirpOpgPhases') = 'string' THEN a->>'ChirpOpgPhases' END
      WHERE job_id = NEW.job_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER job_stats_from_ads AFTER INSERT OR UPDATE ON job_ads FOR EACH ROW
      EXECUTE FUNCTION opgtui_stats_from_ad();
{_pg_follow("verdict", "verdicts", "verdict", "category")}
{_pg_follow("dq", "dq_results", "dq_ok", "ok")}
    CREATE FUNCTION opgtui_stats_dirty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO stats_dirty(day) VALUES ({_pg_day("OLD.end_time")}) ON CONFLICT DO NOTHING;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO stats_dirty(day) VALUES ({_pg_day("NEW.end_time")}) ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER job_stats_dirty_ins AFTER INSERT OR DELETE ON job_stats FOR EACH ROW
      EXECUTE FUNCTION opgtui_stats_dirty();
    CREATE TRIGGER job_stats_dirty_upd AFTER UPDATE OF end_time, start_time, outcome, experiment, batch_name, site,
      cpu_model, verdict, dq_ok, cores, wall, cpu, num_starts, slot_time, committed_slot_time, committed_time
      ON job_stats FOR EACH ROW EXECUTE FUNCTION opgtui_stats_dirty();
    CREATE FUNCTION opgtui_phases_dirty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO stats_dirty(day) SELECT {_pg_day("end_time")} FROM job_stats WHERE job_id = NEW.job_id
        ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;
    CREATE TRIGGER job_phases_dirty AFTER INSERT ON job_phases FOR EACH ROW EXECUTE FUNCTION opgtui_phases_dirty();
    UPDATE jobs SET id = id WHERE status IN (3, 4) OR (status IS NULL AND end_time IS NOT NULL);
    UPDATE job_ads SET job_id = job_id"""

def _on_statement(name: str, event: str, table: str, refs: str, function: str) -> str:
    """A PostgreSQL statement-level trigger that sees the statement's rows as transition tables."""
    return f"""    CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs}
      FOR EACH STATEMENT EXECUTE FUNCTION {function}();"""


def _pg_days(which: str) -> str:
    """A statement trigger's function marking the days of the rows it inserted ("new") or deleted ("old")."""
    return f"""    CREATE FUNCTION opgtui_stats_dirty_{which}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO stats_dirty(day) SELECT DISTINCT {_pg_day("end_time")} FROM {which}_stats ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;"""


_PG_STATEMENT_TRIGGERS = f"""
    DROP TRIGGER job_stats_from_jobs ON jobs;
    DROP FUNCTION opgtui_stats_from_job();
    CREATE FUNCTION opgtui_stats_from_jobs() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO job_stats(job_id, {_PG_STATS_COLUMNS})
        SELECT j.id, {", ".join(e.replace("max(", "greatest(").replace("NEW.", "j.") for _, e in _JOB_STATS_VALUES)}
        FROM new_jobs j WHERE j.status IN (3, 4) OR (j.status IS NULL AND j.end_time IS NOT NULL)
        ON CONFLICT (job_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c, _ in _JOB_STATS_VALUES)};
      RETURN NULL;
    END $$;
{_on_statement("job_stats_from_jobs_ins", "INSERT", "jobs", "NEW TABLE AS new_jobs", "opgtui_stats_from_jobs")}
{_on_statement("job_stats_from_jobs_upd", "UPDATE", "jobs", "NEW TABLE AS new_jobs", "opgtui_stats_from_jobs")}
    DROP TRIGGER job_stats_dirty_ins ON job_stats;
    DROP TRIGGER job_stats_dirty_upd ON job_stats;
    DROP FUNCTION opgtui_stats_dirty();
{_pg_days("new")}
{_pg_days("old")}
    CREATE FUNCTION opgtui_stats_dirty_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO stats_dirty(day) SELECT {_pg_day("end_time")} FROM old_stats
        UNION SELECT {_pg_day("end_time")} FROM new_stats ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;
{_on_statement("job_stats_dirty_ins", "INSERT", "job_stats", "NEW TABLE AS new_stats", "opgtui_stats_dirty_new")}
{_on_statement("job_stats_dirty_del", "DELETE", "job_stats", "OLD TABLE AS old_stats", "opgtui_stats_dirty_old")}
{_on_statement("job_stats_dirty_upd", "UPDATE", "job_stats", "OLD TABLE AS old_stats NEW TABLE AS new_stats",
               "opgtui_stats_dirty_changed").rstrip(";")}"""

_PG_TYPES = ((re.compile(r"\bid INTEGER PRIMARY KEY\b"), "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
             (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"), (re.compile(r"\bINTEGER\b"), "BIGINT"),
             (re.compile(r"\)\s*WITHOUT ROWID"), ")"))


def to_postgresql(sql: str) -> str:
    """The common DDL in PostgreSQL's types: a rowid key becomes an identity, REAL a double, INTEGER a bigint."""
    for pattern, repl in _PG_TYPES:
        sql = pattern.sub(repl, sql)
    return sql


JOB_TYPES: tuple[str, ...] = tuple(to_postgresql(_sql_type(_JOB_TYPES[name])) for name in JOB_COLUMNS)
"""The jobs columns' PostgreSQL types, in JOB_COLUMNS order."""

# Migrations: index i brings the schema from version i to i+1. Never edit a released step; append.
MIGRATIONS: list[Step] = [
    Step(_JOBS_DDL + """;
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
    """, sqlite=_sqlite_no_edit("request_audit"), postgresql=_pg_no_edit("request_audit")),
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
    Step("""CREATE TABLE job_stats (
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
    )""", sqlite="""
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs WHEN NEW.status IN (3, 4) BEGIN
""" + _JOB_STATS_UPSERT + """    END;
    CREATE TRIGGER job_stats_from_ads AFTER INSERT ON job_ads BEGIN
      UPDATE job_stats SET (slot_time, committed_slot_time, committed_time, phases_raw) = (
        SELECT CASE WHEN json_type(v, '$[0]') IN ('integer', 'real') THEN json_extract(v, '$[0]') END,
               CASE WHEN json_type(v, '$[1]') IN ('integer', 'real') THEN json_extract(v, '$[1]') END,
               CASE WHEN json_type(v, '$[2]') IN ('integer', 'real') THEN json_extract(v, '$[2]') END,
               CASE WHEN json_type(v, '$[3]') = 'text' THEN json_extract(v, '$[3]') END
        FROM (SELECT json_extract(NEW.ad, '$.CumulativeSlotTime', '$.CommittedSlotTime', '$.CommittedTime',
                                  '$.ChirpOpgPhases') AS v))
      WHERE job_id = NEW.job_id AND json_valid(NEW.ad);
    END;
    CREATE TRIGGER job_stats_verdict AFTER INSERT ON verdicts BEGIN
      UPDATE job_stats SET verdict = NEW.category WHERE job_id = NEW.job_id AND verdict IS NOT NEW.category;
    END;
    CREATE TRIGGER job_stats_dq AFTER INSERT ON dq_results BEGIN
      UPDATE job_stats SET dq_ok = NEW.ok WHERE job_id = NEW.job_id AND dq_ok IS NOT NEW.ok;
    END;
    CREATE TRIGGER job_stats_gone AFTER DELETE ON jobs BEGIN
      DELETE FROM job_stats WHERE job_id = OLD.id;
      DELETE FROM job_phases WHERE job_id = OLD.id;
      DELETE FROM dq_results WHERE job_id = OLD.id;
    END;
    CREATE TRIGGER job_stats_dirty_ins AFTER INSERT ON job_stats BEGIN
      INSERT OR IGNORE INTO stats_dirty(day) VALUES (CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_upd AFTER UPDATE OF end_time, start_time, outcome, experiment, batch_name, site,
      cpu_model, verdict, dq_ok, cores, wall, cpu, num_starts, slot_time, committed_slot_time, committed_time
      ON job_stats BEGIN
      INSERT OR IGNORE INTO stats_dirty(day)
        VALUES (CAST(OLD.end_time / 86400 AS INTEGER)), (CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_del AFTER DELETE ON job_stats BEGIN
      INSERT OR IGNORE INTO stats_dirty(day) VALUES (CAST(OLD.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_phases_dirty AFTER INSERT ON job_phases BEGIN
      INSERT OR IGNORE INTO stats_dirty(day)
        SELECT CAST(end_time / 86400 AS INTEGER) FROM job_stats WHERE job_id = NEW.job_id;
    END;
    INSERT INTO job_stats(job_id, end_time, start_time, outcome, experiment, batch_name, site, cpu_model, owner,
                          verdict, dq_ok, cores, wall, cpu, num_starts)
      SELECT j.id, coalesce(j.end_time, j.status_since, j.updated, 0), j.start_time,
             CASE WHEN j.status = 3 THEN 2 WHEN j.exit_signal IS NOT NULL OR j.exit_code != 0 THEN 1
                  WHEN j.exit_code = 0 THEN 0 ELSE 3 END,
             j.experiment, j.batch_name, j.site, j.cpu_model, j.owner, v.category, NULL,
             max(coalesce(j.request_cpus, 1), 1), j.wall,
             CASE WHEN j.cpu_user IS NULL AND j.cpu_sys IS NULL THEN NULL
                  ELSE coalesce(j.cpu_user, 0) + coalesce(j.cpu_sys, 0) END, j.num_starts
      FROM jobs j LEFT JOIN verdicts v ON v.job_id = j.id WHERE j.status IN (3, 4);
    UPDATE job_stats SET (slot_time, committed_slot_time, committed_time, phases_raw) = (
      SELECT CASE WHEN json_type(a.ad, '$.CumulativeSlotTime') IN ('integer', 'real')
                  THEN json_extract(a.ad, '$.CumulativeSlotTime') END,
             CASE WHEN json_type(a.ad, '$.CommittedSlotTime') IN ('integer', 'real')
                  THEN json_extract(a.ad, '$.CommittedSlotTime') END,
             CASE WHEN json_type(a.ad, '$.CommittedTime') IN ('integer', 'real')
                  THEN json_extract(a.ad, '$.CommittedTime') END,
             CASE WHEN json_type(a.ad, '$.ChirpOpgPhases') = 'text' THEN json_extract(a.ad, '$.ChirpOpgPhases') END
      FROM job_ads a WHERE a.job_id = job_stats.job_id AND json_valid(a.ad))""", postgresql=_PG_RECORD_TRIGGERS),
    # 5: a record with a completion date but no JobStatus (trimmed history ads, event logs) is finished too
    Step(sqlite="""DROP TRIGGER job_stats_from_jobs;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs
      WHEN NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL) BEGIN
""" + _JOB_STATS_UPSERT + """    END;
    INSERT OR REPLACE INTO jobs SELECT * FROM jobs WHERE status IS NULL AND end_time IS NOT NULL"""),
    # 6: the triggers never conflict. sqlite-utils turns recursive triggers on, so INSERT OR REPLACE INTO jobs
    # fired the delete trigger (every re-read of a finished job lost its phases and data-quality result: pruning
    # deletes those itself now), and a trigger's statements take the outer statement's conflict policy.
    Step(sqlite="""DROP TRIGGER job_stats_gone;
    DROP TRIGGER job_stats_from_jobs;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs
      WHEN NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL) BEGIN
      UPDATE job_stats SET """ + ", ".join(f"{c} = {e}" for c, e in _JOB_STATS_VALUES) + """ WHERE job_id = NEW.id;
      INSERT INTO job_stats(job_id, """ + ", ".join(c for c, _ in _JOB_STATS_VALUES) + """)
        SELECT NEW.id, """ + ", ".join(e for _, e in _JOB_STATS_VALUES) + """
        WHERE NOT EXISTS (SELECT 1 FROM job_stats WHERE job_id = NEW.id);
    END;
    DROP TRIGGER job_stats_dirty_ins;
    DROP TRIGGER job_stats_dirty_upd;
    DROP TRIGGER job_stats_dirty_del;
    DROP TRIGGER job_phases_dirty;
    CREATE TRIGGER job_stats_dirty_ins AFTER INSERT ON job_stats BEGIN
      INSERT INTO stats_dirty(day) SELECT CAST(NEW.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_upd AFTER UPDATE OF end_time, start_time, outcome, experiment, batch_name, site,
      cpu_model, verdict, dq_ok, cores, wall, cpu, num_starts, slot_time, committed_slot_time, committed_time
      ON job_stats BEGIN
      INSERT INTO stats_dirty(day) SELECT CAST(OLD.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(OLD.end_time / 86400 AS INTEGER));
      INSERT INTO stats_dirty(day) SELECT CAST(NEW.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_del AFTER DELETE ON job_stats BEGIN
      INSERT INTO stats_dirty(day) SELECT CAST(OLD.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(OLD.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_phases_dirty AFTER INSERT ON job_phases BEGIN
      INSERT INTO stats_dirty(day) SELECT DISTINCT CAST(s.end_time / 86400 AS INTEGER) FROM job_stats s
        WHERE s.job_id = NEW.job_id
          AND NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(s.end_time / 86400 AS INTEGER));
    END"""),
    # 7: learning from the shift (opgtui.learn owns the queries): signatures made from shifters' labels, their
    # audit trail (never edited), and the log tails of unknown failures read to mine templates
    Step("""CREATE TABLE learned_signatures (
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
    )""", sqlite=_sqlite_no_edit("learned_audit"), postgresql=_pg_no_edit("learned_audit")),
    # 8: a finished job's slot times and chirped phases come from its ad as the store writes it (Store.upsert_jobs
    # has the ad parsed already), no longer from a trigger that parsed each ad's JSON again (issue 18)
    Step(sqlite="DROP TRIGGER job_stats_from_ads",
         postgresql="DROP TRIGGER job_stats_from_ads ON job_ads; DROP FUNCTION opgtui_stats_from_ad()"),
    # 9: PostgreSQL keeps the record per statement (transition tables), not per row: an ingest is one statement
    Step(postgresql=_PG_STATEMENT_TRIGGERS),
]

SCHEMA_VERSION = len(MIGRATIONS)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (triggers keep their inner ';')."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece
        if sqlite3.complete_statement(buf + ";"):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
        else:
            buf += ";"
    if buf.strip():
        out.append(buf.strip())
    return out
