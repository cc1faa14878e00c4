"""Batch systems' servers and daemons in their own words (breadth pass 2): each text from a batch system's error
table (Slurm's slurm_errno.c, Torque's pbs_error_db.h, Grid Engine's msg_gdilib.h, LSF's lib.err.c, HTCondor's
condor_submit and condor_error_codes.h) gets the verdict of whose failure it states; a service text that names the
batch system's own daemon as unreachable, down or refusing decides alone (it states an availability fact), and the
same daemon's texts that a retried status poll prints stay out."""

from __future__ import annotations

import pytest
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# The signatures this pass added, by pack: every example must be matched by its signature and get its verdict.
ADDED = {
    "batch": (
        "slurm_site_refused_submission",
        "slurm_step_launch_node_unanswered",
        "torque_server_failed_at_submit",
        "sge_qmaster_unreachable",
        "lsf_master_daemon_unreachable",
        "slurm_salloc_time_limit_revoked",
        "slurmstepd_user_lookup_failed",
        "slurm_site_task_prolog_failed",
        "slurm_user_task_prolog_failed",
        "slurm_step_output_path_unopenable",
        "openpbs_server_unavailable_at_submit",
        "openpbs_submit_entity_limit",
        "torque_mom_job_setup_failed",
        "slurm_srun_lost_step_on_node",
        "slurm_nodes_not_ready",
        "slurm_batch_script_not_a_script",
        "slurm_stepd_terminated_job_not_running",
        "sge_execd_node_setup_failed",
        "openpbs_held_after_failed_run_attempts",
        "flux_job_time_limit",
        "flux_node_lost",
    ),
    "htcondor": (
        "htcondor_queue_manager_unreachable",
        "condor_submit_commit_rejected",
        "htcondor_execute_point_starter_failed",
        "htcondor_job_pre_or_post_script_failed",
        "htcondor_ce_no_matching_route",
    ),
    "nodes": ("k8s_pod_rejected_by_node_admission",),
    "workload": (
        "panda_queue_or_node_misconfigured",
        "panda_workdir_or_output_too_large",
    ),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_batch_daemons_own_message_gets_the_verdict_its_meaning_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_daemon_named_unreachable_decides_alone(sid, category, pattern, line):
    """These texts name the batch system's own server or daemon as unreachable, down or refusing: an availability
    fact, so the line alone decides (no "probably")."""
    verdict = diagnose([line], PACKS)
    assert verdict.category == category, (sid, line, verdict.signature, verdict.reason)


# The request's own errors and a status poll's retried failure are not the daemon's failure.
NOT_THE_DAEMON = {
    "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit limit, user's size "
    "and/or time limits)": "code",
    "qsub: submit error (Unknown queue MSG=cannot locate queue)": "code",
    "slurm_load_jobs error: Unable to contact slurm controller (connect failure)": "unknown",
    "srun: error: Unable to confirm allocation for job 4711: Invalid job id specified": "unknown",
    "salloc: Job allocation 4711 has been revoked.": "unknown",
    "sbatch: error: Slurm temporarily unable to accept job, sleeping and retrying": "unknown",
}


@pytest.mark.parametrize(("line", "want"), NOT_THE_DAEMON.items(), ids=list(NOT_THE_DAEMON))
def test_the_requests_own_error_or_a_status_poll_is_not_the_daemons_failure(line, want):
    verdict = diagnose([line], PACKS)
    assert verdict.category == want, (line, verdict.signature, verdict.reason)


# Lines read together: the more specific line decides over a low-priority one.
TOGETHER = {
    "a commit refused after the schedd could not be reached": (
        "service",
        [
            "ERROR: Failed to commit job submission into the queue.",
            "ERROR: SECMAN:2003:TCP connection to schedd ap40.uw.osg-htc.org failed.",
        ],
    ),
}


@pytest.mark.parametrize(("want", "lines"), TOGETHER.values(), ids=list(TOGETHER))
def test_the_specific_line_decides_over_a_commit_refused(want, lines):
    verdict = diagnose(lines, PACKS)
    assert (verdict.category, verdict.signature) == (want, "htcondor_queue_manager_unreachable"), verdict.reason
