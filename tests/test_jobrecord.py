"""job_from_ad on real recorded ads (read by classad2 itself) and on the odd values real pools produce."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import classad2
import orjson
import pytest

from opgtui.core.model import Job, JobStatus
from opgtui.sources.jobrecord import ATTRS, domain_of, experiment_of, host_of, job_from_ad

DATA = Path(__file__).parent / "data" / "condor"


def classads(name: str) -> list[classad2.ClassAd]:
    text = (DATA / name).read_text()
    return [classad2.parseNext(chunk, classad2.ParserType.Old) for chunk in text.split("\n\n") if chunk.strip()]


def test_real_fifebatch_dune_job_from_a_classad() -> None:
    first, second = classads("fifebatch_completed_2017.long")
    j = job_from_ad(first)
    assert j.id == "fifebatch1.fnal.gov#14158503.10"  # no ProcId in the trimmed ad: from GlobalJobId
    assert (j.schedd, j.cluster, j.proc) == ("fifebatch1.fnal.gov", 14158503, 10)
    assert (j.owner, j.experiment, j.site, j.last_host) == ("jmalbos", "dune", "FNAL_GPGrid", "fnpc4108.fnal.gov")
    assert (j.submit_time, j.start_time, j.end_time) == (1486408089, 1486408188, 1486408342)
    assert j.cpu_sys == 6.0 and j.cpu_user is None  # the trimmed ad has no RemoteUserCpu: not invented
    # no JobStatus in the trimmed ad: completed (CompletionDate) with the pre-ExitCode ExitStatus, as the table says
    assert j.status == 4 and j.exit_code == 0
    assert job_from_ad(second).last_host == "fnpc9051.fnal.gov"


def test_real_held_chtc_job() -> None:
    (ad,) = classads("chtc_held_docker_memory.long.ad")
    j = job_from_ad(ad, source="dump")
    assert j.id == "submit-1.chtc.wisc.edu#15872426.5189" and j.source == "dump"
    assert j.status == JobStatus.HELD and (j.hold_code, j.hold_subcode) == (34, 0)
    assert j.hold_reason == ("Error from slot1_3@e301.chtc.wisc.edu: Docker job has gone over memory limit of 16384 Mb")
    assert j.last_host == "e301.chtc.wisc.edu" and j.site == "chtc.wisc.edu"  # no glidein site: the domain
    assert (j.request_cpus, j.memory_request_mb, j.memory_used_mb) == (4, 16384, 13275)
    assert (j.disk_request_kb, j.disk_used_kb, j.num_starts, j.files_in) == (2097152, 32500, 1, 6)
    assert (j.cpu_user, j.cpu_sys, j.wall) == (2930.0, 213.0, 1289.0)
    assert j.efficiency == pytest.approx((2930 + 213) / (1289 * 4))
    assert j.stdout == (
        "/home/erees/autometa_runs/binning_param_sweep/data/10000Mbp/"
        "10000Mbp_autometa_binning_dbscan_comp10_pur10_cov5_gc5_15872426_5189.out"
    )
    assert j.args == "dbscan 10 10 5 5 10000Mbp" and j.end_time is None  # CompletionDate = 0 means none
    assert j.status_since == 1653508218 and j.submit_time == 1653145683


def test_real_2013_osg_ad_with_expressions_and_undefined() -> None:
    (ad,) = classads("test.old.ad")
    j = job_from_ad(ad)
    assert j.id == "hcc-briantest.unl.edu#15.0" and j.status == JobStatus.IDLE
    assert j.hold_reason is None and j.hold_code is None  # HoldReason = undefined
    assert j.memory_request_mb is None  # RequestMemory is an expression: left blank, never guessed
    assert j.disk_request_kb is None  # RequestDisk = DiskUsage
    assert j.userlog == "/var/lib/condor-ce/spool/15/0/cluster15.proc0.subproc0/.log_1521_fmz75O"
    assert j.args == "faux" and j.cmd == "ps" and j.request_cpus == 1


def test_json_layout_and_classad_give_the_same_job() -> None:
    for name in ("fifebatch_completed_2017.long", "chtc_held_docker_memory.long.ad", "test.old.ad"):
        for ad in classads(name):
            as_json = orjson.loads(ad.printJson())
            assert job_from_ad(as_json) == job_from_ad(ad)


@pytest.mark.parametrize(
    ("attr", "value", "field"),
    [
        ("ExitCode", "137", "exit_code"),
        ("ExitCode", True, "exit_code"),
        ("ExitCode", 1.5, "exit_code"),
        ("HoldReasonCode", 3.5, "hold_code"),
        ("JobStatus", 9, "status"),
        ("JobStatus", "2", "status"),
        ("Owner", 17, "owner"),
        ("Owner", "", "owner"),
        ("RemoteWallClockTime", "long", "wall"),
        ("RequestMemory", "/Expr(ifThenElse(MemoryUsage > 2000, MemoryUsage, 2000))/", "memory_request_mb"),
        ("Out", '/Expr(strcat("job", ProcId))/', "stdout"),
        ("QDate", 0, "submit_time"),
        ("CompletionDate", -1, "end_time"),
        ("RequestCpus", None, "request_cpus"),
    ],
)
def test_wrong_types_leave_only_that_field_blank(attr: str, value: Any, field: str) -> None:
    ad = {
        "ClusterId": 5,
        "ProcId": 0,
        "GlobalJobId": "s#5.0#1",
        "JobStatus": 4,
        "Owner": "novapro",
        "ExitCode": 0,
        "RemoteWallClockTime": 10.0,
        "RequestMemory": 2000,
        "RequestCpus": 1,
        "QDate": 1,
        "Iwd": "/w",
        "Out": "o",
        attr: value,
    }
    j = job_from_ad(ad)
    assert getattr(j, field) is None
    assert j.id == "s#5.0"


def test_exit_by_signal() -> None:
    j = job_from_ad(
        {
            "GlobalJobId": "s#1.2#3",
            "JobStatus": 4,
            "ExitBySignal": True,
            "ExitSignal": 11,
            "ExitCode": 0,
            "CompletionDate": 100,
        }
    )
    assert (j.exit_code, j.exit_signal, j.cluster, j.proc) == (None, 11, 1, 2)
    assert j.failed
    ok = job_from_ad({"GlobalJobId": "s#1.2#3", "JobStatus": 4, "ExitBySignal": False, "ExitCode": 0})
    assert (ok.exit_code, ok.exit_signal) == (0, None) and not ok.failed


def test_running_job_is_on_its_current_host_and_unexpanded_macros_are_no_site() -> None:
    j = job_from_ad(
        {
            "ClusterId": 1,
            "ProcId": 0,
            "JobStatus": 2,
            "LastRemoteHost": "slot1@old.fnal.gov",
            "RemoteHost": "slot1_2@glidein_9_9@brown-a217.rcac.purdue.edu",
            "JOB_Site": "$$(GLIDEIN_Site:Unknown)",
            "MATCH_EXP_JOBGLIDEIN_ResourceName": "Local Job",
        },
        schedd="jobsub01.fnal.gov",
    )
    assert j.id == "jobsub01.fnal.gov#1.0"
    assert j.last_host == "brown-a217.rcac.purdue.edu" and j.site == "rcac.purdue.edu"


def test_memory_used_falls_back_to_resident_set_size() -> None:
    ad = {
        "ClusterId": 1,
        "ProcId": 0,
        "MemoryUsage": "/Expr(((ResidentSetSize + 1023) / 1024))/",
        "ResidentSetSize": 2_000_000,
    }
    assert job_from_ad(ad).memory_used_mb == (2_000_000 + 1023) // 1024


def test_transfer_counts() -> None:
    base = {"ClusterId": 1, "ProcId": 0}
    assert job_from_ad({**base, "TransferInput": "a.sh, b.fcl,,c.root"}).files_in == 3
    assert job_from_ad({**base, "TransferInputFiles": "a,b"}).files_in == 2
    stats = {"CedarFilesCountLastRun": 2, "HttpsFilesCountLastRun": 1, "CedarFilesCountTotal": 9}
    assert job_from_ad({**base, "TransferInputStats": stats}).files_in == 3
    assert job_from_ad(base).files_in is None


def test_no_job_id_is_an_error() -> None:
    with pytest.raises(ValueError, match="ClusterId"):
        job_from_ad({"Owner": "novapro"})
    job = job_from_ad({"ClusterId": 3, "ProcId": 1})
    assert (job.schedd, job.cluster, job.proc) == ("local", 3, 1)


@pytest.mark.parametrize(
    ("acct", "group", "vo", "fqan", "expected"),
    [
        ("group_nova.prod.novapro", None, "fermilab", None, "nova"),
        ("group_dune", None, None, None, "dune"),
        (None, "uboone", "fermilab", None, "uboone"),
        (None, None, "fermilab", "/fermilab/uboone/Role=Analysis/Capability=NULL", "uboone"),
        (None, None, "dune", "/dune/Role=Production/Capability=NULL", "dune"),
        (None, None, None, None, None),
    ],
)
def test_experiment(
    acct: str | None, group: str | None, vo: str | None, fqan: str | None, expected: str | None
) -> None:
    assert experiment_of(acct, group, vo, fqan) == expected


@pytest.mark.parametrize(
    ("remote", "host"),
    [
        ("slot1@glidein_3324402_136032460@fnpc4108.fnal.gov", "fnpc4108.fnal.gov"),
        ("slot1_3@e301.chtc.wisc.edu", "e301.chtc.wisc.edu"),
        ("<10.0.0.33:9618?addrs=10.0.0.33-9618&alias=test02&noUDP&sock=startd_1499_c48e>", "test02"),
        ("<128.105.144.30:32794>", "128.105.144.30"),
        ("", None),
        (None, None),
    ],
)
def test_host_of(remote: str | None, host: str | None) -> None:
    assert host_of(remote) == host


def test_domain_of() -> None:
    assert domain_of("fnpc4108.fnal.gov") == "fnal.gov"
    assert domain_of("test02") is None and domain_of("128.105.144.30") is None


class _Recorder(dict[str, Any]):
    """An ad that remembers every attribute asked for."""

    asked: set[str]

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def test_the_projection_names_every_attribute_read() -> None:
    (ad,) = classads("chtc_held_docker_memory.long.ad")
    rec = _Recorder(orjson.loads(ad.printJson()), ExitBySignal=None, CompletionDate=5)
    rec.asked = set()
    job_from_ad(rec)
    assert rec.asked <= set(ATTRS), rec.asked - set(ATTRS)
    assert len(set(ATTRS)) == len(ATTRS)


#: Each attribute the normaliser reads, a value of it, the Job field it reaches and what that field holds.
LANDS: list[tuple[str, Any, str, Any]] = [
    ("JobsubJobId", "1.0@jobsub01", "jobsub_id", "1.0@jobsub01"),
    ("Owner", "novapro", "owner", "novapro"),
    ("AccountingGroup", "group_dune.prod.x", "experiment", "dune"),
    ("AcctGroup", "group_nova.prod", "experiment", "nova"),
    ("Jobsub_Group", "uboone", "experiment", "uboone"),
    ("x509UserProxyVOName", "icarus", "experiment", "icarus"),
    ("JobBatchName", "reco_keepup", "batch_name", "reco_keepup"),
    ("JobStatus", 5, "status", 5),
    ("EnteredCurrentStatus", 100, "status_since", 100.0),
    ("HoldReason", "why", "hold_reason", "why"),
    ("HoldReasonCode", 34, "hold_code", 34),
    ("HoldReasonSubCode", 102, "hold_subcode", 102),
    ("ExitCode", 65, "exit_code", 65),
    ("ExitSignal", 9, "exit_signal", 9),
    ("RemoteHost", "slot1@a.b.c", "last_host", "a.b.c"),
    ("LastRemoteHost", "slot1@d.e.f", "last_host", "d.e.f"),
    ("MATCH_EXP_JOB_GLIDEIN_Site", "S1", "site", "S1"),
    ("MachineAttrGLIDEIN_Site0", "S2", "site", "S2"),
    ("MATCH_GLIDEIN_Site", "S3", "site", "S3"),
    ("JOB_Site", "S4", "site", "S4"),
    ("MATCH_EXP_JOBGLIDEIN_ResourceName", "S5", "site", "S5"),
    ("MachineAttrCPUModel0", "EPYC", "cpu_model", "EPYC"),
    ("MachineAttrcpu_model0", "Xeon", "cpu_model", "Xeon"),
    ("CPUModel", "Gold", "cpu_model", "Gold"),
    ("QDate", 10, "submit_time", 10.0),
    ("JobStartDate", 11, "start_time", 11.0),
    ("JobCurrentStartDate", 12, "start_time", 12.0),
    ("CompletionDate", 13, "end_time", 13.0),
    ("RemoteUserCpu", 5, "cpu_user", 5.0),
    ("CumulativeRemoteUserCpu", 6, "cpu_user", 6.0),
    ("RemoteSysCpu", 7, "cpu_sys", 7.0),
    ("CumulativeRemoteSysCpu", 8, "cpu_sys", 8.0),
    ("RemoteWallClockTime", 9, "wall", 9.0),
    ("RequestCpus", 4, "request_cpus", 4),
    ("RequestMemory", 2000, "memory_request_mb", 2000.0),
    ("MemoryUsage", 1500, "memory_used_mb", 1500.0),
    ("ResidentSetSize", 2048, "memory_used_mb", 2.0),
    ("RequestDisk", 1000, "disk_request_kb", 1000.0),
    ("DiskUsage", 900, "disk_used_kb", 900.0),
    ("NumJobStarts", 3, "num_starts", 3),
    ("BytesRecvd", 10, "bytes_in", 10.0),
    ("BytesSent", 20, "bytes_out", 20.0),
    ("TransferInput", "a,b", "files_in", 2),
    ("TransferInputFiles", "a", "files_in", 1),
    ("TransferInputStats", {"HttpsFilesCountLastRun": 4}, "files_in", 4),
    ("TransferOutput", "x,y,z", "files_out", 3),
    ("TransferOutputFiles", "x", "files_out", 1),
    ("TransferOutputStats", {"CedarFilesCountLastRun": 5}, "files_out", 5),
    ("Iwd", "/w", "iwd", "/w"),
    ("Out", "/o", "stdout", "/o"),
    ("Err", "/e", "stderr", "/e"),
    ("UserLog", "/l", "userlog", "/l"),
    ("Cmd", "run.sh", "cmd", "run.sh"),
    ("Args", "-n 1", "args", "-n 1"),
    ("Arguments", "-n 2", "args", "-n 2"),
]


@pytest.mark.parametrize(("attr", "value", "field", "expected"), LANDS)
def test_every_attribute_read_lands_in_its_field(attr: str, value: Any, field: str, expected: Any) -> None:
    """The normaliser reads the ad's values by position in ATTRS: each attribute alone reaches its own field."""
    base = {"ClusterId": 1, "ProcId": 0, "GlobalJobId": "s#1.0#1"}
    assert getattr(job_from_ad(base), field) is None
    assert getattr(job_from_ad({**base, attr: value}), field) == expected


def test_every_field_of_the_model_s_job_is_made_from_the_ad_in_its_place() -> None:
    """The normaliser builds a Job positionally, in the order of Job's fields (core/model.py, their one list):
    every field is reached by an attribute above or is the id, the source or the time of the record, so a field
    added, moved or renamed in the model and not in sources/jobrecord.py fails here or above."""
    job = job_from_ad({"ClusterId": 7, "ProcId": 3, "GlobalJobId": "sch#7.3#1"}, source="q.json", updated=5.0)
    made = (job.id, job.schedd, job.cluster, job.proc, job.source, job.updated)
    assert made == ("sch#7.3", "sch", 7, 3, "q.json", 5.0)
    named = {field for _attr, _value, field, _expected in LANDS} | {
        "id",
        "schedd",
        "cluster",
        "proc",
        "source",
        "updated",
    }
    assert named == {f.name for f in dataclasses.fields(Job)}
