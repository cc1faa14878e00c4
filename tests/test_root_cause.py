"""Where the root cause is, by the shape of the log: whose code raised a Python error (its innermost frame), an
eviction the job ran again after, an allocation failure with and without the job's memory numbers, and codes that
only say "the command underneath failed". Lines are real, quoted from the public threads named."""

from __future__ import annotations

from opgtui.core.model import Job
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.reader import innermost_frame
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# dmwm/CRABServer issue 5910 (labelled bug: PostJob assumed exitCode is always in the job report).
POSTJOB_KEYERROR = [
    "Traceback (most recent call last):",
    '  File "TaskWorker/Actions/PostJob.py", line 1611, in execute',
    "    self.processWMArchive(retval)",
    '  File "TaskWorker/Actions/PostJob.py", line 2829, in processWMArchive',
    "    archiveDoc[\"meta_data\"]['crab_exit_code'] = self.job_report['exitCode']",
    "KeyError: 'exitCode'",
]


def _job(**kw: object) -> Job:
    return Job(id="1.0", schedd="s", cluster=1, proc=0, **kw)  # type: ignore[arg-type]


def test_a_programming_error_raised_in_middleware_is_not_the_payloads_code():
    v = diagnose(POSTJOB_KEYERROR, PACKS)
    assert v.category == "service", v.reason
    assert "not of the payload" in v.title and "innermost frame, line 4" in v.title


def test_the_same_error_raised_in_the_jobs_own_script_is_code():
    """The innermost frame decides, not any frame: middleware calling the payload's code is the payload's bug."""
    own = [*POSTJOB_KEYERROR[:4], '  File "/srv/nova_ana/make_spectra.py", line 88, in <module>', "KeyError: 'numu'"]
    assert diagnose(own, PACKS).category == "code"


# glideinWMS issue 239 (labelled a glideinWMS bug: manual_glidein_submit assumed a proxy on a token-only frontend).
SYSTEM_PROGRAM_KEYERROR = [
    "Traceback (most recent call last):",
    '  File "/usr/bin/manual_glidein_submit", line 247, in <module>',
    "    sys.exit(main())",
    '  File "/usr/bin/manual_glidein_submit", line 165, in main',
    '    proxyid = sym_key_obj.decrypt_hex(ad_gc["GlideinEncParamSubmitProxy"]).decode("utf8")',
    "KeyError: 'GlideinEncParamSubmitProxy'",
]


def test_a_programming_error_raised_in_a_system_installed_program_is_not_the_payloads_code():
    """A script installed in /usr/bin is the system's or a grid tool's, not the job's: its KeyError says nothing
    about whose fault it was (the job's code would run from its sandbox, release or CVMFS)."""
    v = diagnose(SYSTEM_PROGRAM_KEYERROR, PACKS)
    assert v.category == "unknown", v.reason
    own = [*SYSTEM_PROGRAM_KEYERROR[:4], '  File "/srv/job/submit_all.py", line 12, in main', "KeyError: 'x'"]
    assert diagnose(own, PACKS).category == "code"


def test_innermost_frame_stops_at_the_traceback_header():
    lines = ['  File "a.py", line 1, in f', "Traceback (most recent call last):", "KeyError: 'x'"]
    assert innermost_frame(lines, 3) is None
    assert innermost_frame(POSTJOB_KEYERROR, 6) == 4


def test_an_eviction_gives_way_to_the_error_of_the_run_after_it():
    """HTCondor runs an evicted job again; what ended it is the job record's exit code (the last run's), even one
    that weighs less than the eviction (line order, not priority)."""
    evicted = ["004 (8180928.000.000) 06/30 18:44:26 Job was evicted."]
    v = diagnose(evicted, PACKS, exit_code=126)
    assert v.category == "code", v.reason
    assert "ran again after that interruption" in v.reason
    assert diagnose(evicted, PACKS).category == "service"


def test_a_bare_bad_alloc_needs_the_jobs_memory_numbers():
    """HGT-Finder issue 7 (never answered) and nanopolish issue 575 (more memory helped) quote the same lines."""
    lines = [
        "Reading in tax DB...terminate called after throwing an instance of 'std::bad_alloc'",
        "  what():  std::bad_alloc",
        "/opt/gridengine/default/spool/cngb-compute-m17-2/job_scripts/279579: line 6: 58994 Aborted.",
    ]
    assert diagnose(lines, PACKS).category == "unknown"
    assert diagnose(lines, PACKS, job=_job(memory_request_mb=4000, memory_used_mb=3990)).category == "resource"
    assert diagnose(lines, PACKS, job=_job(memory_request_mb=4000, memory_used_mb=300)).category == "unknown"


def test_a_cmssw_bad_alloc_in_the_event_loop_is_memory_but_not_in_begin_job():
    """cms-sw/cmssw issue 14573 (exhausted in the digitisation step at event 4) against PR 44742 (a service's bug
    in beginJob: the same exception text, no event)."""
    head = [
        "----- Begin Fatal Exception 19-May-2016 04:43:51 CEST-----------------------",
        "An exception of category 'BadAlloc' occurred while",
    ]
    tail = [
        "Exception Message:",
        "A std::bad_alloc exception was thrown.",
        "The job has probably exhausted the virtual memory available to the process.",
        "----- End Fatal Exception -------------------------------------------------",
    ]
    in_events = [*head, "   [0] Processing run: 1 lumi: 1 event: 4", "   [1] Running path 'digitisation_step'", *tail]
    in_begin_job = [*head, "   [0] Calling beginJob", *tail]
    assert diagnose(in_events, PACKS).category == "resource"
    assert diagnose(in_begin_job, PACKS).category == "unknown"


def test_a_numpy_memory_error_states_its_size_and_a_bare_one_does_not():
    sized = "numpy.core._exceptions.MemoryError: Unable to allocate 926. GiB for an array with shape (6794880, 36601)"
    assert diagnose(["Traceback (most recent call last):", sized], PACKS).category == "resource"
    assert diagnose(["Traceback (most recent call last):", "MemoryError"], PACKS).category == "unknown"


def test_a_generic_stage_out_code_lets_the_commands_output_decide():
    """dmwm/WMCore issue 2564: the report shows only 60311 and the real reason is elsewhere (unknown); issue 7933:
    the xrdcp under it could not verify the server's CA (the worker's CA set-up: service)."""
    assert diagnose(["    ErrorCode : 60311"], PACKS, exit_code=60311).category == "unknown"
    ca = (
        "xrdcp-old: cannot obtain credentials for protocol: Secgsi: ErrParseBuffer: unknown CA: cannot verify "
        "server certificate: kXGS_init: unable to get protocol object."
    )
    assert diagnose([ca, "    ErrorCode : 60311"], PACKS, exit_code=60311).category == "service"


def test_a_crash_that_names_no_module_is_no_modules_code():
    """dmwm/CRABServer issue 9357: 'Module: none (crashed)', a transient segfault nobody explained."""
    lines = [
        "== CMSSW: Current Modules:",
        "== CMSSW: Module: none (crashed)",
        "== CMSSW: A fatal system signal has occurred: segmentation violation",
    ]
    v = diagnose(lines, PACKS)
    assert v.signature != "cmssw_module_crashed", v.reason


def test_voms_proxy_init_checking_its_own_proxy_is_no_server_certificate():
    """dmwm/CRABServer issue 4304: voms-proxy-init's own 'Certificate verify failed.' on the user's proxy chain."""
    line = " error: " + "." * 88 + "Error: Certificate verify failed."
    assert diagnose([line, "bad signature", "certificate failed verify:"], PACKS).category == "unknown"


def test_a_wrong_pass_phrase_is_the_submitters():
    """dmwm/CRABClient issue 2724: voms-proxy-init (sslutils' PRXYERR_R_WRONG_PASSPHRASE)."""
    lines = [
        " command : voms-proxy-init -voms cms:/cms/integration -valid 24:00",
        " output : ",
        " error: wrong pass phrase",
        "Function: proxy_init_cred",
    ]
    assert diagnose(lines, PACKS).category == "code"


def test_a_shadow_exception_the_job_ran_again_after_gives_way_too():
    """HTCondor requeues a job after a shadow exception or a failed reconnect; the record's exit code is the last
    run's (the 007 event's words from HTCondor's user log)."""
    lines = ["007 (48211930.004.000) 2024-06-05 23:10:06 Shadow exception!"]
    assert diagnose(lines, PACKS, exit_code=126).category == "code"
    assert precision.side(diagnose(lines, PACKS)) == "service"


def test_a_pasted_job_ad_gives_the_memory_against_the_request():
    """condor_q -l / -json pasted in a thread: literal MemoryUsage and RequestMemory (MB) are the job's numbers; an
    expression for RequestMemory is no number (dmwm/WMCore issue 8992: 2000 MB requested, 7-10 GB used)."""
    killed = ["Killed"]
    assert diagnose(["MemoryUsage = 9766", "RequestMemory = 2000", *killed], PACKS, exit_code=137).category == (
        "resource"
    )
    as_json = ['    "MemoryUsage": 9766,', '    "RequestMemory": 2000,', *killed]
    assert diagnose(as_json, PACKS, exit_code=137).category == "resource"
    expression = "RequestMemory = ifthenelse(MemoryUsage =!= undefined,MAX({MemoryUsage * 3/2,2048}),2048)"
    assert diagnose([expression, "MemoryUsage = 9766", *killed], PACKS, exit_code=137).category == "unknown"


def test_a_pasted_job_ads_exit_signal_with_its_memory_is_the_memory_limit():
    """condor_history -l of a job HTCondor killed: ExitSignal 9 with MemoryUsage over a literal RequestMemory."""
    ad = ["ExitBySignal = true", "ExitSignal = 9", "MemoryUsage = 9766", "RequestMemory = 2000"]
    v = diagnose(ad, PACKS)
    assert v.category == "resource" and "SIGKILL" in v.title, v.reason
    assert diagnose(["ExitBySignal = true", "ExitSignal = 9"], PACKS).category == "unknown"


def test_lsfs_resource_usage_summary_gives_the_memory_against_the_request():
    """LSF's job output ends with 'Resource usage summary:' (Max Memory, Total Requested Memory, in MB): exit 137 at
    the request is the memory limit; a bad_alloc far below it is not (the lines as LSF prints them)."""
    summary = [
        "Resource usage summary:",
        "    CPU time :                                   13329.23 sec.",
        "    Max Memory :                                 10100 MB",
        "    Total Requested Memory :                     10240.00 MB",
    ]
    assert diagnose(["Exited with exit code 137.", *summary], PACKS).category == "resource"
    low = [*summary[:2], "    Max Memory :                                 83 MB", summary[3]]
    bad_alloc = "terminate called after throwing an instance of 'std::bad_alloc'"
    assert diagnose([bad_alloc, *low], PACKS).category == "unknown"
    assert diagnose(["Exited with exit code 137."], PACKS).category == "unknown"


def test_seffs_memory_efficiency_is_the_memory_against_the_request():
    """Slurm's seff prints 'Memory Efficiency: 99.69% of 117.79 GB' (contribs/seff): a kill at ~100% is the memory
    limit, one at 12% is not."""
    killed = "slurm_script: line 72: 285848 Killed"
    at_limit = ["    Memory Utilized: 117.43 GB", "    Memory Efficiency: 99.69% of 117.79 GB", killed]
    assert diagnose(at_limit, PACKS).category == "resource"
    assert diagnose(["    Memory Efficiency: 12.00% of 16.00 GB", killed], PACKS).category == "unknown"


def test_pbs_qstat_f_memory_lines_are_read_with_their_units():
    """qstat -f prints 'resources_used.mem = 4194304kb' and 'Resource_List.mem = 4gb': the same 4096 MB."""
    lines = ["    resources_used.mem = 4194304kb", "    Resource_List.mem = 4gb"]
    assert diagnose(lines, PACKS, exit_code=137).category == "resource"
    lines[0] = "    resources_used.mem = 409600kb"
    assert diagnose(lines, PACKS, exit_code=137).category == "unknown"
