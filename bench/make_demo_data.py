"""Write the bundled demo data set (opgtui/demo/data/) in the real formats. SYNTHETIC, derived from real shapes.

Run once by a developer (deterministic: fixed seed); the output is committed and `opgtui demo` loads it
through the same parsers real data takes. Every time in the files is relative to ANCHOR; the demo builder
shifts them so the story happens "now". Real recorded files (fixture ads, payloads) are copied unchanged
with their own anchors, named in MANIFEST.yaml.

The story: a NOvA keep-up reconstruction and a DUNE MC campaign on FermiGrid and OSG sites. SAMweb was down
for 43 minutes five hours ago and many NOvA jobs failed fetching files; one Purdue node has a broken CVMFS;
a DUNE batch has a FHiCL typo; some jobs ran out of memory; dCache is degraded now with maintenance ahead.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import classad2

ANCHOR = 1_795_600_000  # 2026-11-25T09:46:40Z: "now" in the generated files
OUT = Path(__file__).resolve().parents[1] / "opgtui" / "demo" / "data"
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
SCHEDD = "jobsub01.fnal.gov"
SAM_DOWN = (ANCHOR - 5 * 3600 - 600, ANCHOR - 5 * 3600 - 600 + 43 * 60)  # the samweb outage

SITES = {
    "FNAL_GPGrid": ("fnpc{n}.fnal.gov", 4000, 4999),
    "Wisconsin": ("e{n}.chtc.wisc.edu", 100, 499),
    "Purdue-Brown": ("brown-a{n}.rcac.purdue.edu", 100, 399),
    "UCSD": ("cabinet-{n}-1-1.t2.ucsd.edu", 1, 12),
    "MIT": ("t3btch{n}.mit.edu", 100, 199),
    "Caltech": ("compute-{n}-2.ultralight.org", 1, 40),
}
CPUS = [
    "Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz",
    "AMD EPYC 7502 32-Core Processor",
    "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
    "AMD EPYC 7763 64-Core Processor",
    "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
]
BATCHES = [
    ("novapro", "nova", "nova_reco_keepup_r51234", "reco_keepup.sh", "nova"),
    ("novapro", "nova", "nova_mc_genie_fd_v3", "mc_genie.sh", "nova"),
    ("dunepro", "dune", "dune_pdsp_reco2_2026b", "pdsp_reco2.sh", "dune"),
    ("dunepro", "dune", "dune_fd_mcc12_gen", "fd_gen.sh", "dune"),
]
BROKEN_CVMFS_HOST = "brown-a217.rcac.purdue.edu"


def host_for(rng: random.Random, site: str) -> str:
    pattern, lo, hi = SITES[site]
    return pattern.format(n=rng.randint(lo, hi))


def base_ad(rng: random.Random, cluster: int, proc: int, batch: tuple[str, str, str, str, str]) -> dict:
    owner, exp, name, script, vo = batch
    qdate = ANCHOR - rng.randint(6 * 3600, 14 * 3600)
    return {
        "ClusterId": cluster,
        "ProcId": proc,
        "Owner": owner,
        "User": f"{owner}@fnal.gov",
        "GlobalJobId": f"{SCHEDD}#{cluster}.{proc}#{qdate}",
        "JobsubJobId": f"{cluster}.{proc}@{SCHEDD}",
        "AccountingGroup": f"group_{exp}.prod.{owner}",
        "x509UserProxyVOName": vo,
        "JobBatchName": name,
        "QDate": qdate,
        "Cmd": f"/fife/local/scratch/uploads/{exp}/{owner}/{script}",
        "Arguments": f"--stage reco --batch {name} --proc {proc}",
        "Iwd": f"/jobsub/{exp}/{owner}/{cluster}",
        "Out": f"{script}.{cluster}.{proc}.out",
        "Err": f"{script}.{cluster}.{proc}.err",
        "UserLog": f"/jobsub/{exp}/{owner}/{cluster}/{script}.log",
        "RequestCpus": 1,
        "RequestMemory": rng.choice([2000, 2500, 4000]),
        "RequestDisk": 10_000_000,
        "TransferInputFiles": "setup.sh,config.fcl",
        "TransferOutputFiles": "out.root,hist.root",
        "DESIRED_Sites": "FNAL_GPGrid,Wisconsin,Purdue-Brown,UCSD,MIT,Caltech",
        "OpgtuiSynthetic": True,
    }


def run_on(
    rng: random.Random, ad: dict, start: int, wall: int, site: str | None = None, host: str | None = None
) -> None:
    site = site or rng.choices(list(SITES), weights=[50, 15, 12, 8, 8, 7])[0]
    host = host or host_for(rng, site)
    glidein = f"glidein_{rng.randint(1000, 99999)}_{rng.randint(1000000, 9999999)}"
    eff = rng.uniform(0.55, 0.97)
    ad.update(
        {
            "JobStartDate": start,
            "JobCurrentStartDate": start,
            "NumJobStarts": 1,
            "LastRemoteHost": f"slot1_{rng.randint(1, 8)}@{glidein}@{host}",
            "MATCH_EXP_JOB_GLIDEIN_Site": site,
            "MachineAttrGLIDEIN_Site0": site,
            "MachineAttrCPUModel0": rng.choice(CPUS),
            "RemoteWallClockTime": float(wall),
            "RemoteUserCpu": round(wall * eff * 0.97, 1),
            "RemoteSysCpu": round(wall * eff * 0.03, 1),
            "MemoryUsage": int(ad["RequestMemory"] * rng.uniform(0.3, 0.9)),
            "ResidentSetSize": int(ad["RequestMemory"] * 1024 * rng.uniform(0.3, 0.9)),
            "DiskUsage": rng.randint(200_000, 3_000_000),
            "BytesRecvd": float(rng.randint(50, 3000) * 2**20),
            "BytesSent": float(rng.randint(5, 900) * 2**20),
        }
    )


def finish(ad: dict, end: int, code: int | None = 0, signal: int | None = None) -> None:
    ad.update({"JobStatus": 4, "CompletionDate": end, "EnteredCurrentStatus": end})
    if signal is not None:
        ad.update({"ExitBySignal": True, "ExitSignal": signal})
    else:
        ad.update({"ExitBySignal": False, "ExitCode": code})


def hold(ad: dict, when: int, reason: str, code: int, subcode: int = 0) -> None:
    ad.update(
        {
            "JobStatus": 5,
            "EnteredCurrentStatus": when,
            "HoldReason": reason,
            "HoldReasonCode": code,
            "HoldReasonSubCode": subcode,
            "NumHolds": 1,
        }
    )


def make_ads(rng: random.Random) -> tuple[list[dict], dict[str, str]]:
    """All demo jobs, and which log file each failed one writes (job id -> log name)."""
    ads, logs = [], {}
    cluster = 88_412_000
    for batch in BATCHES:
        cluster += rng.randint(3, 40)
        for proc in range(150):
            ad = base_ad(rng, cluster, proc, batch)
            name = batch[2]
            jid = f"{cluster}.{proc}"
            roll = rng.random()
            start = ad["QDate"] + rng.randint(60, 3 * 3600)
            wall = rng.randint(1800, 5 * 3600)
            if name.startswith("nova_reco") and SAM_DOWN[0] - 3600 < start < SAM_DOWN[1] - 300 and roll < 0.85:
                # NOvA keep-up jobs that asked SAM for their next file during the outage.
                end = rng.randint(max(start + 120, SAM_DOWN[0]), SAM_DOWN[1])
                run_on(rng, ad, start, end - start)
                finish(ad, end, 1)
                logs[jid] = rng.choice(["sam_fetcherror.log", "samweb_503.log"])
            elif name == "dune_fd_mcc12_gen" and proc < 60:
                end = start + rng.randint(20, 90)
                run_on(rng, ad, start, end - start)
                finish(ad, end, 1)
                logs[jid] = "fhicl_parse_error.log"
            elif roll < 0.05:
                site = "Purdue-Brown"
                end = start + rng.randint(15, 60)
                run_on(rng, ad, start, end - start, site, BROKEN_CVMFS_HOST)
                finish(ad, end, 1)
                logs[jid] = "cvmfs_catalog.log"
            elif roll < 0.10:
                end = start + rng.randint(1200, 4 * 3600)
                run_on(rng, ad, start, end - start)
                mem = ad["RequestMemory"]
                slot = ad["LastRemoteHost"].split("@")
                hold(
                    ad,
                    end,
                    f"Error from {slot[0]}@{slot[-1]}: Job has gone over cgroup memory limit of {mem} "
                    f"megabytes. Last measured usage: {mem + rng.randint(5, 400)} megabytes.  Consider "
                    "resubmitting with a higher request_memory.",
                    34,
                    102,
                )
                ad["MemoryUsage"] = mem + rng.randint(5, 400)
                logs[jid] = "oom_hold.log"
            elif roll < 0.13:
                end = start + rng.randint(30, 300)
                run_on(rng, ad, start, end - start)
                host = ad["LastRemoteHost"].split("@")[-1]
                hold(
                    ad,
                    end,
                    f"Error from slot1_1@{host}: Transfer input files failure at execution point "
                    f"slot1_1@{host} using protocol https. Details: curl_easy_perform() failed (6): "
                    "'Couldn't resolve host name'",
                    13,
                    0,
                )
                logs[jid] = "transfer_dns.log"
            elif roll < 0.15:
                end = start + rng.randint(600, 3 * 3600)
                run_on(rng, ad, start, end - start)
                finish(ad, end, None, 11)
                logs[jid] = "root_segfault.log"
            elif roll < 0.17:
                end = start + rng.randint(600, 3 * 3600)
                run_on(rng, ad, start, end - start)
                finish(ad, end, 137)
                logs[jid] = "killed_oom.log"
            elif roll < 0.19:
                end = start + rng.randint(120, 900)
                run_on(rng, ad, start, end - start)
                finish(ad, end, 1)
                logs[jid] = "xrootd_3011.log"
            elif roll < 0.32:
                ad.update({"JobStatus": 1, "EnteredCurrentStatus": ad["QDate"]})
            elif roll < 0.52 or start + wall > ANCHOR:
                begin = ANCHOR - rng.randint(300, 4 * 3600)
                run_on(rng, ad, begin, ANCHOR - begin)
                ad.update({"JobStatus": 2, "EnteredCurrentStatus": begin})
                logs[jid] = "running.log"
            else:
                end = start + wall
                run_on(rng, ad, start, wall)
                finish(ad, end, 0)
                logs[jid] = "success.log"
            ads.append(ad)
    return ads, logs


# ------------------------------------------------------------------ job logs (stdout), real error lines inside


def preamble(exp: str, host: str, when: str) -> list[str]:
    return [
        f"Job running on {host} at {when}",
        "Setting up jobsub wrapper, scratch dir is /srv/condor/execute/dir_28183",
        f"setup: using /cvmfs/{exp}.opensciencegrid.org/externals/setup-{exp}",
        "ifdh version v2_6_20, OS el9, python 3.9",
        "htgettoken: token found in /srv/condor/execute/dir_28183/.condor_creds/novapro.use",
        "%MSG-i MF_INIT_OK:  Early 25-Nov-2026 03:10:02 CST JobSetup",
        "Messagelogger initialization complete.",
        "%MSG",
    ]


def job_logs() -> dict[str, list[str]]:
    """Log texts per failure class: error lines verbatim from the real fixtures, inside a plausible job."""
    fx = FIXTURES / "logs"
    pre = preamble("nova", "fnpc4512.fnal.gov", "Wed Nov 25 03:10:01 CST 2026")
    art_begin = [
        "Begin processing the 1st record. run: 51234 subRun: 12 event: 1 at 25-Nov-2026 03:10:09 CST",
        "Begin processing the 2nd record. run: 51234 subRun: 12 event: 2 at 25-Nov-2026 03:10:10 CST",
        "Begin processing the 500th record. run: 51234 subRun: 12 event: 500 at 25-Nov-2026 03:22:41 CST",
    ]

    def fixture(name: str) -> list[str]:
        return (fx / name).read_text(encoding="utf-8", errors="replace").splitlines()

    return {
        "success.log": [
            *pre,
            *art_begin,
            "TrigReport ---------- Event  Summary ------------",
            "TrigReport Events total = 1000 passed = 1000 failed = 0",
            "Art has completed and will exit with status 0.",
            "ifdh cp out.root /pnfs/nova/production/keepup/out.root: done",
            "job finished with status 0",
        ],
        "running.log": [*pre, *art_begin],
        "sam_fetcherror.log": [
            *pre,
            "ifdh: getting next file from SAM project",
            *fixture("ifdh_sam_webapi_retry_exceeded.log"),
            "job failed: could not get next file, exit 1",
        ],
        "samweb_503.log": [*pre, *fixture("samweb_http_503_retrying.log"), "job failed with status 1"],
        "fhicl_parse_error.log": [
            *preamble("dune", "fnpc4131.fnal.gov", "Wed Nov 25 04:01:13 CST 2026"),
            *fixture("fhicl_parse_error_protection_violation.log"),
            "Art has completed and will exit with status 1.",
        ],
        "cvmfs_catalog.log": [
            f"Job running on {BROKEN_CVMFS_HOST} at Wed Nov 25 02:44:01 CST 2026",
            *fixture("cvmfs_root_catalog_failure.log"),
            "setup failed: /cvmfs/nova.opensciencegrid.org not usable, exit 1",
        ],
        "oom_hold.log": [*pre, *art_begin, *fixture("htcondor_hold_cgroup_memory_limit.log")],
        "transfer_dns.log": fixture("htcondor_hold_curl_plugin_dns.log"),
        "root_segfault.log": [*pre, *art_begin, *fixture("root_segfault_gdb_frames.log")],
        "killed_oom.log": [*pre, *art_begin, *fixture("bash_killed_oom.log")],
        "xrootd_3011.log": [*pre, *fixture("xrootd_3011_no_such_file.log"), "job failed with status 1"],
    }


# ------------------------------------------------------------------ event log (HTCondor user log format)


def stamp(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def event_log(ads: list[dict]) -> str:
    """Submit/execute/terminate/hold events of the first jobs of each batch, as the schedd writes them."""
    out = []
    for ad in ads:
        if ad["ProcId"] >= 6:
            continue
        jid = f"({ad['ClusterId']}.{ad['ProcId']:03d}.000)"
        out.append(
            f"000 {jid} {stamp(ad['QDate'])} Job submitted from host: <131.225.240.146:9615?addrs="
            "131.225.240.146-9615&alias=jobsub01.fnal.gov&noUDP&sock=schedd_3164_7c5d>\n..."
        )
        if "JobStartDate" not in ad:
            continue
        host = ad["LastRemoteHost"].split("@")[-1]
        out.append(
            f"001 {jid} {stamp(ad['JobStartDate'])} Job executing on host: <131.225.191.45:46433?addrs="
            f"131.225.191.45-46433&alias={host}&noUDP&sock=startd_5323_1f3e>\n\tSlotName: "
            f"{ad['LastRemoteHost'].split('@')[0]}@{host}\n..."
        )
        if ad.get("JobStatus") == 5:
            out.append(
                f"012 {jid} {stamp(ad['EnteredCurrentStatus'])} Job was held.\n\t{ad['HoldReason']}\n"
                f"\tCode {ad['HoldReasonCode']} Subcode {ad['HoldReasonSubCode']}\n..."
            )
        elif ad.get("JobStatus") == 4:
            wall = int(ad["RemoteWallClockTime"])
            usr = int(ad["RemoteUserCpu"])
            sys_s = int(ad["RemoteSysCpu"]) % 60
            cpu = f"Usr 0 {usr // 3600:02d}:{usr % 3600 // 60:02d}:{usr % 60:02d}, Sys 0 00:00:{sys_s:02d}"
            if ad.get("ExitBySignal"):
                how = f"\t(0) Abnormal termination (signal {ad['ExitSignal']})\n\t(0) No core file"
            else:
                how = f"\t(1) Normal termination (return value {ad['ExitCode']})"
            out.append(
                f"005 {jid} {stamp(ad['CompletionDate'])} Job terminated.\n{how}\n"
                f"\t\t{cpu}  -  Run Remote Usage\n\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n"
                f"\t\t{cpu}  -  Total Remote Usage\n\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Total Local Usage\n"
                f"\t{int(ad['BytesSent'])}  -  Run Bytes Sent By Job\n"
                f"\t{int(ad['BytesRecvd'])}  -  Run Bytes Received By Job\n"
                f"\t{int(ad['BytesSent'])}  -  Total Bytes Sent By Job\n"
                f"\t{int(ad['BytesRecvd'])}  -  Total Bytes Received By Job\n"
                f"\tJob terminated of its own accord at {stamp(ad['CompletionDate']).replace(' ', 'T')}Z "
                f"(wall {wall}s).\n..."
            )
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ feed payloads (real API shapes)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def am_alert(
    fp: str,
    service: str,
    severity: str,
    summary: str,
    starts: float,
    updated: float,
    silenced_by: list[str] | None = None,
) -> dict:
    return {
        "annotations": {"summary": summary},
        "endsAt": iso(updated + 300),
        "fingerprint": fp,
        "receivers": [{"name": "fife-ops"}],
        "startsAt": iso(starts),
        "status": {
            "inhibitedBy": [],
            "silencedBy": silenced_by or [],
            "state": "suppressed" if silenced_by else "active",
        },
        "updatedAt": iso(updated),
        "generatorURL": "http://prometheus.example.org:9090/graph",
        "labels": {
            "alertname": "ServiceDown" if severity == "critical" else "ServiceDegraded",
            "service": service,
            "severity": severity,
            "instance": f"{service}.fnal.gov",
        },
    }


def feeds(out: Path) -> None:
    d = out / "feeds"
    d.mkdir(parents=True, exist_ok=True)
    sam = am_alert(
        "a1f3c2d4e5b60718",
        "samweb",
        "critical",
        "SAMweb for nova not responding (HTTP 503)",
        SAM_DOWN[0],
        SAM_DOWN[0] + 60,
    )
    (d / "am_alerts_during_sam_outage.json").write_text(json.dumps([sam]))
    sam_late = dict(sam, updatedAt=iso(SAM_DOWN[1] - 60))
    (d / "am_alerts_sam_late.json").write_text(json.dumps([sam_late]))
    (d / "am_alerts_after.json").write_text("[]")
    dcache = am_alert(
        "7e0c43fb48a8bb4e",
        "dcache",
        "warning",
        "dCache read pools slow: 12 of 40 offline",
        ANCHOR - 40 * 60,
        ANCHOR - 60,
    )
    (d / "am_alerts_now.json").write_text(json.dumps([dcache]))
    silence = {
        "id": "573b56c1-1a9d-406c-be9d-30f809503c62",
        "status": {"state": "pending"},
        "updatedAt": iso(ANCHOR - 86400),
        "comment": "dCache pool upgrade to 10.2 (CHG0123456)",
        "createdBy": "dcache-admins",
        "startsAt": iso(ANCHOR + 3 * 3600),
        "endsAt": iso(ANCHOR + 5 * 3600),
        "matchers": [{"isEqual": True, "isRegex": False, "name": "service", "value": "dcache"}],
    }
    (d / "am_silences.json").write_text(json.dumps([silence]))
    up = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"__name__": "probe_success", "instance": inst, "job": "blackbox", "service": svc},
                    "value": [ANCHOR - 15, val],
                }
                for svc, inst, val in [
                    ("samweb", "samweb.fnal.gov:8483", "1"),
                    ("cvmfs", "oasis.opensciencegrid.org", "1"),
                    ("xrootd", "fndcadoor.fnal.gov:1094", "1"),
                    ("tokens", "htvaultprod.fnal.gov:8200", "1"),
                    ("jobsub", "jobsub01.fnal.gov:8443", "1"),
                    ("dcache", "fndca1.fnal.gov:2880", "1"),
                    ("dcache", "fndca3.fnal.gov:2880", "0"),
                ]
            ],
        },
    }
    (d / "prom_probe_success.json").write_text(json.dumps(up))
    summary = {
        "page": {
            "id": "fnalsvc00001",
            "name": "Fermilab Computing Services",
            "url": "https://status.example.org",
            "time_zone": "America/Chicago",
            "updated_at": iso(ANCHOR - 120),
        },
        "components": [
            {
                "id": f"c{i:011d}",
                "name": name,
                "status": status,
                "created_at": iso(ANCHOR - 400 * 86400),
                "updated_at": iso(ANCHOR - upd),
                "position": i,
                "description": None,
                "showcase": True,
                "group_id": None,
                "page_id": "fnalsvc00001",
                "group": False,
                "only_show_if_degraded": False,
            }
            for i, (name, status, upd) in enumerate(
                [
                    ("SAM Web", "operational", 5 * 3600 - 43 * 60 + 600),
                    ("dCache", "degraded_performance", 40 * 60),
                    ("CVMFS", "operational", 9 * 86400),
                    ("FTS", "operational", 3 * 86400),
                    ("Jobsub", "operational", 2 * 86400),
                ],
                1,
            )
        ],
        "incidents": [
            {
                "id": "inc0dcache01",
                "name": "dCache read pools partially offline",
                "status": "identified",
                "created_at": iso(ANCHOR - 40 * 60),
                "updated_at": iso(ANCHOR - 600),
                "monitoring_at": None,
                "resolved_at": None,
                "impact": "minor",
                "shortlink": "https://stspg.io/x",
                "started_at": iso(ANCHOR - 40 * 60),
                "page_id": "fnalsvc00001",
                "incident_updates": [
                    {
                        "id": "upd0001",
                        "status": "identified",
                        "body": "12 of 40 read pools are offline after a switch "
                        "failure; reads of files only on those pools wait for restage.",
                        "created_at": iso(ANCHOR - 600),
                        "display_at": iso(ANCHOR - 600),
                        "affected_components": [
                            {
                                "code": "c00000000002",
                                "name": "dCache",
                                "old_status": "operational",
                                "new_status": "degraded_performance",
                            }
                        ],
                    }
                ],
                "components": [{"id": "c00000000002", "name": "dCache", "status": "degraded_performance"}],
            }
        ],
        "scheduled_maintenances": [
            {
                "id": "mnt0cvmfs001",
                "name": "CVMFS stratum-1 kernel upgrade",
                "status": "scheduled",
                "impact": "maintenance",
                "shortlink": "https://stspg.io/y",
                "created_at": iso(ANCHOR - 2 * 86400),
                "updated_at": iso(ANCHOR - 2 * 86400),
                "monitoring_at": None,
                "resolved_at": None,
                "started_at": iso(ANCHOR - 2 * 86400),
                "page_id": "fnalsvc00001",
                "incident_updates": [
                    {
                        "status": "scheduled",
                        "body": "Rolling reboot of the Fermilab stratum-1 servers; "
                        "clients fail over to other stratum-1s.",
                    }
                ],
                "components": [{"id": "c00000000003", "name": "CVMFS", "status": "operational"}],
                "scheduled_for": iso(ANCHOR + 26 * 3600),
                "scheduled_until": iso(ANCHOR + 28 * 3600),
            }
        ],
        "status": {"indicator": "minor", "description": "Partially Degraded Service"},
    }
    (d / "statuspage_summary.json").write_text(json.dumps(summary, indent=1))
    start = datetime.fromtimestamp(ANCHOR + 2 * 86400, UTC).strftime("%b %d, %Y %H:%M +0000")
    end = datetime.fromtimestamp(ANCHOR + 2 * 86400 + 8 * 3600, UTC).strftime("%b %d, %Y %H:%M +0000")
    (d / "osg_downtime.yaml").write_text(
        "- Class: SCHEDULED\n  ID: 1998877665\n  Description: Quarterly FermiGrid CE patching; jobs drain before.\n"
        f"  Severity: Intermittent Outage\n  StartTime: {start}\n  EndTime: {end}\n  ResourceName: FNAL_GPGRID_CE_03\n"
        "  Services:\n    - CE\n  CreatedTime: Nov 20, 2026 09:00 +0000\n"
    )


def main() -> None:
    rng = random.Random(20261125)
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "logs").mkdir(parents=True)
    ads, logs = make_ads(rng)
    for ad in ads:
        jid = f"{ad['ClusterId']}.{ad['ProcId']}"
        if jid in logs:
            ad["Out"] = ad["Err"] = f"logs/{logs[jid]}"  # the builder rewrites Iwd to the demo directory
            ad["Iwd"] = "DEMO_DIR"
    queue = [ad for ad in ads if ad["JobStatus"] in (1, 2, 5)]
    history = [ad for ad in ads if ad["JobStatus"] in (3, 4)]
    (OUT / "queue.json").write_text(json.dumps(queue, indent=0))
    # condor_history -long layout: one ad per block, blank line between, as ClassAd text.
    (OUT / "history.long").write_text("".join(classad2.ClassAd(ad).printOld() + "\n" for ad in history))
    (OUT / "jobs.eventlog").write_text(event_log(ads))
    for name, lines in job_logs().items():
        (OUT / "logs" / name).write_text("\n".join(lines) + "\n")
    feeds(OUT)
    shutil.copy(FIXTURES / "condor" / "fifebatch_completed_2017.long", OUT / "real_fifebatch_2017.long")
    shutil.copy(FIXTURES / "condor" / "chtc_held_docker_memory.long.ad", OUT / "real_chtc_held_2022.long")
    print(f"wrote {len(ads)} jobs ({len(queue)} in queue, {len(history)} history) to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
