"""PostgreSQL's own part of the migrations: PL/pgSQL functions and triggers (the audit trails that refuse edits,
the production record kept per statement), which :mod:`opgtui.store.migrations.steps` runs after a step's common
DDL on a PostgreSQL store."""

from __future__ import annotations

from opgtui.store.columns import JOB_STATS_VALUES


def no_edit(table: str) -> str:
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


_STATS_COLUMNS = ", ".join(c for c, _ in JOB_STATS_VALUES)
# Step 4: the triggers in their final form, then the finished jobs already stored run through them.
RECORD_TRIGGERS = f"""
    CREATE FUNCTION opgtui_stats_from_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO job_stats(job_id, {_STATS_COLUMNS})
        VALUES (NEW.id, {", ".join(e.replace("max(", "greatest(") for _, e in JOB_STATS_VALUES)})
        ON CONFLICT (job_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c, _ in JOB_STATS_VALUES)};
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


# Step 9: the record kept per statement (transition tables), not per row: an ingest is one statement.
STATEMENT_TRIGGERS = f"""
    DROP TRIGGER job_stats_from_jobs ON jobs;
    DROP FUNCTION opgtui_stats_from_job();
    CREATE FUNCTION opgtui_stats_from_jobs() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO job_stats(job_id, {_STATS_COLUMNS})
        SELECT j.id, {", ".join(e.replace("max(", "greatest(").replace("NEW.", "j.") for _, e in JOB_STATS_VALUES)}
        FROM new_jobs j WHERE j.status IN (3, 4) OR (j.status IS NULL AND j.end_time IS NOT NULL)
        ON CONFLICT (job_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c, _ in JOB_STATS_VALUES)};
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
{
    _on_statement(
        "job_stats_dirty_upd",
        "UPDATE",
        "job_stats",
        "OLD TABLE AS old_stats NEW TABLE AS new_stats",
        "opgtui_stats_dirty_changed",
    ).rstrip(";")
}"""
# Step 8: slot times and chirped phases come from the ad as the store writes it, not from a trigger.
DROP_AD_TRIGGER = "DROP TRIGGER job_stats_from_ads ON job_ads; DROP FUNCTION opgtui_stats_from_ad()"
