"""Batch systems and payload frameworks in their own words (Slurm's step launch, ...): each message text taken from
the software's source gets the verdict of whose failure it states, real excerpts from public threads get the verdict
their thread concluded, and texts that do not say whose failure it was stay unknown."""

from __future__ import annotations

import pytest
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# The signatures this breadth pass added, by pack: every example (the source's own message text) must be matched by
# that signature and get its verdict, so a shifter who sees the line gets the verdict the source's meaning gives.
ADDED = {
    "batch": (
        "slurm_step_launch_node_failed",
        "slurm_cpu_bind_request_unsatisfiable",
        "sge_execution_host_could_not_start_job",
        "slurm_submit_request_rejected",
        "pbs_submit_request_rejected",
        "pbs_server_unavailable_at_submit",
        "snakemake_slurm_job_state_out_of_memory",
        "snakemake_slurm_job_state_timeout",
        "snakemake_slurm_job_state_site",
        "torque_server_aborted_over_walltime",
        "torque_server_aborted_over_memory",
        "lsf_submit_request_rejected",
        "lsf_submit_daemon_unavailable",
        "sge_submit_request_rejected",
        "slurm_prolog_failed_on_node",
        "slurm_job_container_join_failed",
        "slurm_munge_credential_failed_on_node",
        "torque_server_lost_job_records",
        "slurm_launch_failed_requeued_held",
    ),
    "htcondor": (
        "htcondor_starter_scratch_dir_failed",
        "htcondor_input_transfer_stalled",
        "htcondor_container_runtime_lost",
        "htcondor_policy_hold_disk_exceeded",
        "htcondor_policy_hold_cpu_exceeded",
        "condor_submit_file_check_failed",
    ),
    "workload": ("snakemake_workflow_definition_error",),
    "gaudi": ("gaudi_job_options_errors",),
    "credentials": ("htcondor_job_proxy_about_to_expire",),
    "python": (
        "python_oserror_network_down",
        "python_oserror_system_file_table_full",
        "python_oserror_request_impossible",
        "python_shared_storage_full",
        "python_user_storage_quota",
        "python_frame_system_program",
        "dask_worker_memory",
    ),
    "system": ("aws_container_memory_kill",),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_batch_systems_own_message_gets_the_verdict_its_meaning_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


# name: (expected verdict, lines quoted verbatim, where they come from and what their authors concluded)
THREADS = {
    "srun_cpu_bind_from_inside_another_job": (
        "code",
        [
            "srun: error: CPU binding outside of job step allocation, allocated CPUs are: 0x200000.",
            "srun: error: Task launch for StepId=7935525.0 failed on node gizmoj7: Unable to satisfy cpu bind request",
            "srun: error: Application launch failed: Unable to satisfy cpu bind request",
            "srun: Job step aborted",
        ],
        "a Fred Hutch cluster user's notes (search-index file 6274374428: SLURM_CPU_BIND_* set in the interactive job "
        "the step was launched from)",
    ),
    "torque_mail_walltime_abort": (
        "resource",
        [
            "  PBS Job Id: 1400749.mgt2-ib.local",
            "  Job Name:   AP5pre20220306",
            "  Exec host:  compute-2-7-ib.local/0",
            "  Aborted by PBS Server ",
            "  Job exceeded its walltime limit. Job was aborted",
            "  See Administrator for help",
            "  Exit_status=-11",
        ],
        "a WSU air-quality group's run notes (search-index file 21770570225: 'didn't have enough wall time to "
        "download and process all of the BCON data'; a rerun finished)",
    ),
    "boss_job_options_that_end_in_a_comment": (
        "code",
        [
            "JobOptionsSvc       ERROR # =======> <package>/share/jobOptions_<package>.txt",
            "JobOptionsSvc       ERROR # (22,1): parse error",
            "JobOptionsSvc       FATAL Job options errors.",
            "ApplicationMgr      FATAL Error initializing JobOptionsSvc",
        ],
        "the BESIII offline software's user guide (search-index file 41525969105: a jobOptions file ending in a "
        "comment; a new line at its end fixes it)",
    ),
}


@pytest.mark.parametrize(("want", "lines", "source"), THREADS.values(), ids=list(THREADS))
def test_real_excerpts_get_the_verdict_their_authors_concluded(want, lines, source):
    verdict = diagnose(lines, PACKS)
    assert verdict.category == want, (source, verdict.signature, verdict.reason)


# HTCondor hold and vacate codes as the event log prints them (condor_holdcodes.h): the code decides where the table
# says whose failure it is, and stays unknown where the same code covers the job's mistake and the node's.
HOLD_CODES = {
    "\tCode 1024 Subcode 0": "service",  # ScratchDirError: the worker's execute directory
    "\tCode 1021 Subcode 0": "service",  # ContainerError: the worker's container runtime
    "\tCode 1031 Subcode 0": "service",  # ActivationRefusedBroken: the slot is broken
    "\tCode 13 Subcode -1003": "service",  # the transfer plugin could not be executed: "not our fault"
    "\tCode 12 Subcode -1002": "service",  # the node's transfer plugin is not operational
    "\tCode 12 Subcode -1001": "unknown",  # no plugin for the scheme: a wrong URL or a node without it
    "\tCode 49 Subcode 0": "unknown",  # CannotSwitchPrimaryGroup: the submitter's groups or the node's mapping
    "\tCode 1025 Subcode 0": "unknown",  # SuccessfulCheckpoint: no failure at all
}


@pytest.mark.parametrize(("line", "want"), HOLD_CODES.items(), ids=[s.strip() for s in HOLD_CODES])
def test_an_htcondor_hold_code_says_whose_failure_where_its_meaning_does(line, want):
    verdict = diagnose([line], PACKS)
    assert precision.side(verdict) == want, (line, verdict.signature, verdict.reason)


# Grid Engine's execution daemon reports a failed shepherd with its exit status, which is the failure code qacct
# prints (reaper_execd.cc): the code decides as the failure-code table says.
SHEPHERD_EXITS = {
    "shepherd exited with exit status 8: in prolog": "service",  # the site's prolog
    "shepherd exited with exit status 26: opening input/output file": "code",  # the path the submitter gave
    "shepherd exited with exit status 100: assumedly after job": "unknown",  # the job's own end: its log says why
}


@pytest.mark.parametrize(("line", "want"), SHEPHERD_EXITS.items(), ids=list(SHEPHERD_EXITS))
def test_a_grid_engine_shepherd_exit_status_is_read_as_its_failure_code(line, want):
    verdict = diagnose([line], PACKS)
    assert precision.side(verdict) == want, (line, verdict.signature, verdict.reason)


# PBS exit statuses below zero are the MOM's (JOB_EXEC_*); OpenPBS's values below Torque's last read as OpenPBS's.
PBS_EXIT_STATUSES = {
    "    Exit_status = -29": "resource",  # JOB_EXEC_KILL_WALLTIME
    "    exit_status = -27": "resource",  # JOB_EXEC_KILL_MEM
    "    Exit_status = -20": "service",  # JOB_EXEC_RERUN_MS_FAIL: the mother superior's connection
    "    Exit_status = -24": "unknown",  # JOB_EXEC_KILL_NCPUS_BURST: more CPUs than asked, as the ncpus text says
}


@pytest.mark.parametrize(("line", "want"), PBS_EXIT_STATUSES.items(), ids=[s.strip() for s in PBS_EXIT_STATUSES])
def test_a_pbs_moms_own_exit_status_says_whose_failure(line, want):
    verdict = diagnose([line], PACKS)
    assert verdict.category == want, (line, verdict.signature, verdict.reason)


# Texts that say a job ended but not whose failure it was: each stays unknown by itself.
UNDECIDED = {
    "a step cancelled with no reason given (a user, an admin, or another step's failure)": [
        "slurmstepd: error: *** STEP 12345.0 ON cn01 CANCELLED AT 2024-01-01T00:00:00 ***"
    ],
    "a step cancelled because one of its own tasks failed (that task's error decides)": [
        "slurmstepd: error: *** STEP 12345.0 ON cn01 CANCELLED AT 2024-01-01T00:00:00 DUE TO TASK FAILURE ***"
    ],
    "Snakemake's missing output after its wait (its own text: 'This might be due to filesystem latency')": [
        'MissingOutputException in rule foo in file "/home/u/wf/Snakefile", line 3:',
        "Job 3 completed successfully, but some output files are missing. Missing files after 5 seconds. This might "
        "be due to filesystem latency. If that is the case, consider to increase the wait time with --latency-wait:",
    ],
    "Snakemake's wrapper of a failed cluster job (the cluster log says why)": [
        "Error executing rule foo on cluster (jobid: 3, external: 123, jobscript: /x/.snakemake/tmp.1/snakejob.foo.3.sh"
        "). For detailed error see the cluster log."
    ],
    "Snakemake's Slurm job that merely FAILED (its exit code and log say why)": [
        "    message: SLURM-job '45360507' failed, SLURM status is: 'FAILED'. For further error details see the "
        "cluster/cloud log and the log files of the involved rule(s)."
    ],
    "Snakemake's lock left by a killed run": [
        "Error: Directory cannot be locked. Please make sure that no other Snakemake process is trying to create the "
        "same files in the following directory:"
    ],
    "Nextflow's task with no exit status (a polling race, an image the batch service could not run, a kill)": [
        "Process `hello` terminated for an unknown reason -- Likely it has been terminated by the external system"
    ],
    "Nextflow's task killed by SIGKILL with no memory evidence": [
        "Process `align (1)` terminated with an error exit status (137)"
    ],
    "Nextflow's task ended by SIGTERM (the scheduler's time limit, a cancel or a preemption)": [
        "Process `align (1)` terminated with an error exit status (143)"
    ],
    "Python's exec of a file the node cannot run (no #! line, or a binary for another architecture)": [
        "OSError: [Errno 8] Exec format error: './run.sh'"
    ],
    "Python's file too large (the job's ulimit -f, or the file system's own limit)": [
        "OSError: [Errno 27] File too large"
    ],
    "Python's disk full on the node's /tmp (the job's own use or others' on the node: its record decides)": [
        "OSError: [Errno 28] No space left on device: '/tmp/tmpab12/x.npy'"
    ],
    "a program slurmd could not start (a path the job named, or a file system the node lacks)": [
        "srun: error: Task launch for StepId=1.0 failed on node cn02: Slurmd could not execve job"
    ],
}


@pytest.mark.parametrize("name", sorted(UNDECIDED))
def test_an_end_that_does_not_say_whose_failure_stays_unknown(name):
    verdict = diagnose(UNDECIDED[name], PACKS)
    assert verdict.category == "unknown", (name, verdict.signature, verdict.reason)


def test_a_proxy_that_ran_out_during_the_job_is_the_submitters_even_under_its_hold_code():
    """Hold code 4 (CorruptedCredential) alone may be a token service's; the starter's reason names the job's proxy."""
    lines = [
        "012 (123.000.000) 2024-06-05 23:10:06 Job was held.",
        "\tError from slot1_1@wn042.example.org: Proxy about to expire",
        "\tCode 4 Subcode 0",
    ]
    verdict = diagnose(lines, PACKS)
    assert verdict.category == "code", (verdict.signature, verdict.reason)
