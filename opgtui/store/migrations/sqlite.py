"""SQLite's own part of the migrations: its triggers (the audit trails that refuse edits, the production record
kept per row), which :mod:`opgtui.store.migrations.steps` runs after a step's common DDL on a SQLite store."""

from __future__ import annotations

from opgtui.store.columns import JOB_STATS_VALUES


def no_edit(table: str) -> str:
    """Triggers refusing any UPDATE or DELETE of an audit trail's rows."""
    return "".join(
        f"""
    CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be edited'); END;"""
        for op in ("UPDATE", "DELETE")
    )


# The job_stats row of a finished job, from the jobs row just written (the trigger of steps 4 and 5).
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

# Step 4: the production record's triggers, then the finished jobs already stored run through them.
RECORD_TRIGGERS = (
    """
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs WHEN NEW.status IN (3, 4) BEGIN
"""
    + _JOB_STATS_UPSERT
    + """    END;
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
      FROM job_ads a WHERE a.job_id = job_stats.job_id AND json_valid(a.ad))"""
)

# Step 5: a record with a completion date but no JobStatus (trimmed history ads, event logs) is finished too.
FINISHED_WITHOUT_STATUS = (
    """DROP TRIGGER job_stats_from_jobs;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs
      WHEN NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL) BEGIN
"""
    + _JOB_STATS_UPSERT
    + """    END;
    INSERT OR REPLACE INTO jobs SELECT * FROM jobs WHERE status IS NULL AND end_time IS NOT NULL"""
)

# Step 6: the record's triggers again, never conflicting (steps.py says why).
TRIGGERS_NEVER_CONFLICT = (
    """DROP TRIGGER job_stats_gone;
    DROP TRIGGER job_stats_from_jobs;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs
      WHEN NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL) BEGIN
      UPDATE job_stats SET """
    + ", ".join(f"{c} = {e}" for c, e in JOB_STATS_VALUES)
    + """ WHERE job_id = NEW.id;
      INSERT INTO job_stats(job_id, """
    + ", ".join(c for c, _ in JOB_STATS_VALUES)
    + """)
        SELECT NEW.id, """
    + ", ".join(e for _, e in JOB_STATS_VALUES)
    + """
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
    END"""
)

# Step 8: slot times and chirped phases come from the ad as the store writes it, not from a trigger.
DROP_AD_TRIGGER = "DROP TRIGGER job_stats_from_ads"
