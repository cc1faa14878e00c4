"""The bundled signature packs as knowledge: every pack names its primary source, every example line decides its
own verdict, and real excerpts (quoted in public threads) get the verdict a shifter needs, including the traps
where the first real error must beat what it caused and the benign lines that must not become a failure."""

from __future__ import annotations

import pytest

from classifiers import PACK_DIR
from opgtui.core.model import Job
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)
BY_ID = {c.signature.id: c for c in PACKS.compiled}


def _header(path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("path", sorted(PACK_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_pack_names_its_primary_source(path):
    header = _header(path)
    assert header, f"{path.name} has no header comment"
    assert "source" in header.lower(), f"{path.name}: the header does not name its primary source"


@pytest.mark.parametrize("sid", sorted(s for s, c in BY_ID.items() if c.signature.priority > 0))
def test_example_alone_gives_the_signatures_verdict(sid):
    """The example line, with the lines its signature requires before it, decides the verdict by itself: no
    higher-priority signature of another category hides it (what a shifter sees is what the pack says)."""
    c = BY_ID[sid]
    lines = [BY_ID[r].example for r in c.requires[:1]] + [c.example]
    # an allocation failure (record: memory) is the memory limit when the job's numbers say so; alone it is unknown
    job = Job("x#1.0", "x", 1, 0, memory_request_mb=2000, memory_used_mb=1990) if c.record == "memory" else None
    v = diagnose(lines, PACKS, job=job)
    # a lone line of a kind the precision rule holds back says "probably <its category>" (precision.side reads it)
    assert precision.side(v) == c.signature.category, (sid, v.signature, v.reason)
    if c.signature.category != "unknown":
        assert v.signature == sid or BY_ID[v.signature].signature.category == c.signature.category, v.signature


# Real excerpts: (expected verdict, lines). Sources: public issue threads and documentation, quoted verbatim
# (cut to the lines that matter).
REAL = {
    # CMSSW: the category decides, the wrapper text around it does not (cms-sw/cmssw issue threads).
    "cmssw_file_read_error_invalid_session": (
        "service",
        [
            "An exception of category 'FileReadError' occurred while",
            "   [5] Calling XrdFile::readv()",
            "      [a] Original error: '[ERROR] Invalid session' (errno=0, code=109, source=131.169.192.123:33192 "
            "(unknown site)).",
        ],
    ),
    "cmssw_product_not_found": (
        "code",
        [
            "----- Begin Fatal Exception 16-Sep-2024 19:20:35 CEST-----------------------",
            "An exception of category 'ProductNotFound' occurred while",
            "Principal::getByToken: Found zero products matching all criteria",
        ],
    ),
    # art: an experiment's own exception category inside the wrappers is its code; a wrapper alone says nothing.
    "art_experiment_category": (
        "code",
        [
            "    ---- OtherArt BEGIN",
            "      ---- EventProcessorFailure BEGIN",
            "        EventProcessor: an exception occurred during current event processing",
            "        ---- ScheduleExecutionFailure BEGIN",
            "          Path: ProcessingStopped.",
            "          ---- OtherArt BEGIN",
            "            ---- TPCGeo BEGIN",
            "              TPCGeo[0x5ed6970]::Plane(): no plane for view #2",
            "            ---- TPCGeo END",
            "          ---- OtherArt END",
            "        ---- ScheduleExecutionFailure END",
            "      ---- EventProcessorFailure END",
            "    ---- OtherArt END",
        ],
    ),
    "art_wrapper_alone": (
        "unknown",
        ["---- EventProcessorFailure BEGIN", "  EventProcessor: an exception occurred during current event processing"],
    ),
    "wmagent_pss_kill": (
        "resource",
        [
            "PerformanceKill (Exit code: 50660)",
            "Error in CMSSW step cmsRun5",
            "Number of Cores: 8",
            "Job has exceeded maxPSS: 23997 MB",
            "Job has PSS: 25005 MB",
        ],
    ),
    # Trap: a std::exception whose message is a conditions-database failure is the service, not code.
    "frontier_config_then_stdexception": (
        "service",
        [
            "error [fn-urlparse.c:59]: config error: bad url 10.3.0.123:3128",
            "----- Begin Fatal Exception 04-Feb-2023 08:57:39 UTC-----------------------",
            "An exception of category 'StdException' occurred while",
        ],
    ),
    "coral_cvmfs_conditions": (
        "service",
        [
            "An exception of category 'StdException' occurred while",
            'Connection on "sqlite_file:/cvmfs/cms-opendata-conddb.cern.ch/START53_LV6A1.db" cannot be established '
            '( CORAL : "ConnectionPool::getSessionFromNewConnection" from "CORAL/Services/ConnectionService" )',
        ],
    ),
    # Trap: a segfault after an XRootD read failure is the read failure.
    "segfault_after_file_read_error": (
        "service",
        [
            "An exception of category 'FileReadError' occurred while",
            "A fatal system signal has occurred: segmentation violation",
        ],
    ),
    "segfault_after_cvmfs_io_error": (
        "service",
        [
            "bash: /cvmfs/nova.opensciencegrid.org/novasoft/setup/setup_nova.sh: Input/output error",
            " *** Break *** segmentation violation",
        ],
    ),
    # Traps: a crash after a failed read, and a missing output after a worker without /cvmfs, are consequences.
    "segfault_after_frontier": (
        "service",
        [
            "Can not get data (Additional Information: [frontier.c:1136]: No more proxies. Last error was: "
            "[frontier.c:1020]: Request 12 on chan 1 failed: -6 [fn-socket.c:240]: read timed out after 10 seconds)",
            " *** Break *** segmentation violation",
        ],
    ),
    "star_db_query_then_segfault": (
        "service",
        [
            "St_db_Maker:ERROR - MysqlDb::ExecQuery() line=662  Query Failed  ",
            "St_db_Maker:FATAL - TUnixSystem::DispatchSignals : segmentation violation",
        ],
    ),
    "segfault_after_xrootd_timeout": (
        "service",
        [
            "Error in <TNetXNGFile::ReadBuffer>: [ERROR] Operation expired",
            "/srv/jobscript.sh: line 57: 2209131 Segmentation fault      (core dumped) lar -c reco.fcl",
        ],
    ),
    "python_error_after_download_timeout": (
        "service",
        [
            "curl: (28) Operation timed out after 300000 milliseconds with 0 out of 0 bytes received",
            "Traceback (most recent call last):",
            '  File "run.py", line 3, in <module>',
            "KeyError: 'events'",
        ],
    ),
    "output_missing_after_no_cvmfs": (
        "service",
        [
            "ls: cannot access '/cvmfs': No such file or directory",
            "/srv/jobscript.sh: line 12: lar: command not found",
            "Error from glidein_1@node: STARTER at 10.5.17.5 failed to send file(s) to <129.79.53.198:9615>: "
            "error reading "
            "from /var/lib/condor/execute/dir_1/out.root: (errno 2) No such file or directory; SHADOW failed to "
            "receive "
            "file(s) from <128.230.171.105:6894>",
        ],
    ),
    # A crash after memory ran out is the resource, not code; after a full disk it is not code either, but
    # ENOSPC alone does not say whose disk (the node's /tmp filled by others, or the job's own use): unknown.
    "disk_full_then_segfault": (
        "unknown",
        [
            "cp: error writing '/srv/out.root': No space left on device",
            "/srv/jobscript.sh: line 57: 2209131 Segmentation fault      (core dumped) lar -c reco.fcl",
        ],
    ),
    "root_oom_then_segfault": (
        "resource",
        [
            "Fatal in <operator new>: storage exhausted (failed to allocate 4294967296 bytes)",
            " *** Break *** segmentation violation",
        ],
    ),
    # An environment never set up is the job's, unless CVMFS was missing first.
    "setup_not_defined": ("code", ["bash: setup: command not found"]),
    "setup_not_defined_after_no_cvmfs": (
        "service",
        ["ls: cannot access '/cvmfs': No such file or directory", "bash: setup: command not found"],
    ),
    # XRootD: 3011 from the federation's redirector is a missing replica; a bare 3011 (a path a user may have
    # typed) stays unknown, while one for an official LFN is a missing replica (tests/test_packs_storage_t5.py).
    "xrootd_no_servers": (
        "service",
        [
            "Run: [ERROR] Server responded with an error: [3011] No servers are available to read the file.",
        ],
    ),
    "xrootd_bare_3011": (
        "unknown",
        [
            "Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3011] Unable to open file "
            "/eos/cms/store/user/x.root; No such file or directory",
        ],
    ),
    "dcache_token_restriction": (
        "service",
        [
            "Run: [ERROR] Server responded with an error: [3010] Restriction MultiTargetedRestriction[Authorisation"
            "{allowing [LIST, DOWNLOAD, READ_METADATA] on /dcache/uscmsdisk}] denied activity UPLOAD on /dcache/x.root",
        ],
    ),
    # CVMFS client syslog (cvmfs/cvmfs issues).
    "cvmfs_fetch_slow_hosts": (
        "service",
        [
            "Oct 25 07:22:01 node538 cvmfs2[650307]: (ligo.storage.igwn.org) failed to fetch /igwn/ligo/x.gwf (hash: "
            "e2cc8e52e65247de9ccb95cb0d28f10e067d0bca, error 15 [host serving data too slowly])",
        ],
    ),
    # CVMFS probed on a worker node by the site (AAROC/DevOps issue 260): the node's client, whatever the code.
    "cvmfs_probe_failed": (
        "service",
        [
            "root@gnode-2-1:~ $ cvmfs_config probe",
            "Probing /cvmfs/apprepo.sagrid.ac.za... Failed!",
        ],
    ),
    # A Go client's DNS failure while pulling an image is the network's (a Docker pull quoted in a public write-up).
    "docker_pull_dns_server_misbehaving": (
        "service",
        [
            "Unable to find image 'alpine:latest' locally",
            "docker: Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: lookup "
            "registry-1.docker.io on 127.0.0.53:53: server misbehaving.",
        ],
    ),
    # Containers: a bad tag is the submitter's, a runtime that cannot start on the node is the site's.
    "shub_manifest_not_found": (
        "code",
        [
            "> FATAL:   Failed to get manifest from Shub: The requested manifest was not found in singularity hub",
        ],
    ),
    "apptainer_manifest_unknown": (
        "code",
        [
            "FATAL:   Unable to pull docker://netdisco/netdisco: conveyor failed to get: Error reading manifest latest "
            "in docker.io/netdisco/netdisco: manifest unknown: manifest unknown",
        ],
    ),
    # OSDF: a namespace typo inside a shadow exception and a hold code 13 is still the submitter's URL.
    "osdf_namespace_404": (
        "code",
        [
            "007 (6640.000.000) 2024-04-11 15:46:11 Shadow exception!",
            "        Error from slot1_24@e2551.chtc.wisc.edu: FILETRANSFER:1:non-zero exit (1) from "
            "/usr/libexec/condor/"
            "stash_plugin. |Error: Failed to create new transfer job: failed to get namespace information for remote "
            "URL osdf:///ospool/x/test.txt: 404: No namespace found for path. Either it doesn't exist, or the "
            "Director is experiencing problems",
        ],
    ),
    # Credentials: whose credential decides.
    "user_certificate_revoked": (
        "code",
        [
            "2014-10-12 11:07:01 UTC dirac-proxy-init[O0bS]   INFO: sslv3 alert certificate revokedSSL alert number 44",
        ],
    ),
    "user_token_expired": ("code", ["Failed to decode bearer token: ExpiredSignatureError('Signature has expired',)"]),
    # Whose credential: a GridFTP server without its host credential is the site's, even though the same globus
    # text on a client means the user's missing proxy (a StoRM test report quoted in a public repository).
    "gridftp_server_side_credential": (
        "service",
        [
            "\terror: globus_ftp_client: the server responded with an error",
            "\t530 530-globus_xio: Server side credential failure",
            "\t530-globus_gsi_gssapi: Error with gss credential handle",
            "\t530-globus_credential: Valid credentials could not be found in any of the possible locations   "
            "specified "
            "by the credential search order.",
        ],
    ),
    "glexec_lcmaps": (
        "service",
        [
            "Error from slot1@batch0448.desy.de: glexec call exited with status 203 and with error output ([gLExec]:  "
            "LCMAPS failed.; The reason can be found in the syslog.)",
        ],
    ),
    # HTCondor: an output file the payload never wrote is code; errno 28 on the execute node is the node.
    "output_never_written": (
        "code",
        [
            "Hold reason: Error from glidein_542261_602348192@CRUSH-OSG-10-5-17-5: STARTER at 10.5.17.5 failed to send "
            "file(s) to <129.79.53.198:9615>: error reading from "
            "/var/lib/condor/execute/dir_542257/pilot.0000.log.tgz: "
            "(errno 2) No such file or directory; SHADOW failed to receive file(s) from <128.230.171.105:6894>",
        ],
    ),
    # Batch systems.
    "slurm_time_limit": (
        "resource",
        [
            "slurmstepd: error: *** JOB 494583 ON ... CANCELLED AT 2024-04-20T09:09:37 DUE TO TIME LIMIT ***",
        ],
    ),
    "lsf_memlimit": (
        "resource",
        ["TERM_MEMLIMIT: job killed after reaching LSF memory usage limit.", "Exited with exit code 1."],
    ),
    "pbs_walltime": ("resource", ["=>> PBS: job killed: walltime 86415 exceeded limit 86400"]),
    # FTS/davix failure reasons as CMS's ASO sees them (dmwm/CRABServer issue 9363): network and queue, the service's.
    "fts_davix_curl_destination": (
        "service",
        [
            "DESTINATION [112] Result curl error (56): Failure when receiving data from the peer after 1 attempts",
        ],
    ),
    "fts_queue_timeout": (
        "service",
        [
            "Job has been canceled because it stayed in the queue for too long (max-time-in-queue timeout)",
        ],
    ),
    # A read-only file system is mostly a job writing into its container image (apptainer/singularity issue 5271):
    # the words alone do not make it the site's.
    "container_image_read_only": (
        "unknown",
        [
            "singularity exec --writable-tmpfs docker://alpine mkdir /testing",
            "mkdir: can't create directory '/testing': Read-only file system",
        ],
    ),
    # Permission denied: where decides. The site's own executable or spooled script is the site's (adaptivecomputing/
    # torque issue 400); the job's own script run from Slurm's spool copy is not (the spool path is only the prefix
    # bash prints, as in a public Slurm how-to's output).
    "torque_spooled_script_not_executable": (
        "service",
        [
            "    $USER@mybox: qsub myscript.sh",
            "    -bash: line 1: /var/spool/torque/mom_priv/jobs/0.mybox.SC: Permission denied",
        ],
    ),
    "own_script_from_slurm_spool_not_service": (
        "unknown",
        [
            "/var/spool/slurmd/job2126151/slurm_script: line 17: ./run_analysis.sh: Permission denied",
        ],
    ),
    "python_permission_denied_tmp_not_code": (
        "unknown",
        [
            "Traceback (most recent call last):",
            '  File "/opt/torque/sbin/torque_submitfilter", line 4, in <module>',
            "IOError: [Errno 13] Permission denied: '/tmp/trq-lastjob.in'",
        ],
    ),
    # Storage: a full EOS is the storage's, a used-up EOS quota is the user's; neither is the job's disk request.
    "eos_full": (
        "service",
        ["cp: cannot create regular file ‘/eos/\\<instance name\\>/test/common.sh’: No space left on device"],
    ),
    "eos_quota": (
        "code",
        [
            "250903 03:05:27 3163098 TPC_PullRequest: event=OPEN_FAIL, local=/eos/cms/store/group/x."
            "root, user=elfontan, status=400; Unable to get quota space - quota not defined or "
            "exhausted /eos/cms/store/group/x.root; Disk quota exceeded"
        ],
    ),
    # ENOSPC alone: the node's disk or the job's own use? (cbio-cluster 341: a node's full /tmp; seml 94: a script
    # writing to /tmp instead of the scratch area; genproductions 1554: the execute node's disk, errno 28.)
    "scratch_full": ("unknown", ["cp: error writing '/srv/out.root': No space left on device"]),
    "starter_errno28_execute_node": (
        "service",
        [
            "ClusterId 1054284 with HoldReason: Error from",
            "glidein_27986_94860774@se1wn29.pi.infn.it: STARTER at 10.1.5.29 failed",
            "to write to file",
            "/home/grid/cmsplt17/home_cream_421610391/CREAM421610391/glide_9cqwfs/execute/dir_5025/madevent:",
            "(errno 28) No space left on device",
        ],
    ),
    "starter_output_never_written_wrapped": (
        "code",
        [
            "        ClusterId 2029690 with HoldReason: Error from slot1@glidein_36105_147857476@g27n06.hep.wisc.edu: "
            "STARTER at 144.92.180.151 fai\\",
            "led to send file(s) to <192.170.227.118:9618>: error reading from /var/condor/.execute-links/slot01/"
            "dir_36099/glide_vIrxBp/execute/dir\\",
            "_1564/scale_pdf_dependence.dat: (errno 2) No such file or directory; SHADOW failed to receive file(s) "
            "from <144.92.180.151:16288>",
        ],
    ),
    # XRootD [3010] alone is not the submitter's: the lines around it decide (xrootd 343, 2305, 2326; coffea-casa
    # 419; key4hep-spack 347).
    "xrootd_3010_then_operation_expired": (
        "service",
        [
            "Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3010] Permission denied",
            "Error in <TNetXNGFile::Open>: [ERROR] Operation expired",
        ],
    ),
    "xrootd_3010_unauthorized_identity_alone": (
        "unknown",
        [
            "Run: [ERROR] Server responded with an error: [3010] Unable to give access - user access restricted - "
            "unauthorized identity used ; Permission denied (source)",
        ],
    ),
    "xrootd_tpc_grant_expired": (
        "service",
        [
            "Run: [ERROR] Server responded with an error: [3005] [ERROR] Server responded with an error: [3010] tpc "
            "authorization expired (source)",
        ],
    ),
    "xrootd_sss_keytab": (
        "service",
        [
            "Secsss (getKeyTab): Unable to open /etc/xrootd/sss.keytab; permission denied",
            "",
            "Unable to open keytab file.",
            "[ERROR] Server responded with an error: [3010] Unable to locate /atlas/dq2/.; permission denied",
        ],
    ),
    "eec_expired_then_3010": (
        "code",
        [
            "220419 17:24:34 14342 cryptossl_X509CreateProxy: EEC certificate has expired",
            "Run: [ERROR] Server responded with an error: [3010] Unable to open file /eos/experiment/fcc/ee/tmp/"
            "test1.root; Operation not permitted (destination)",
        ],
    ),
    # HTTP 403: a destination write refused is the submitter's area/token (DUNE token FAQ); a read or checksum
    # refused may be the storage's own permissions (xrootd 1080): unknown; CVMFS's own download is the site's.
    "gfal_sum_403_storage_side": (
        "unknown",
        [
            "gfal-sum error: 1 (Operation not permitted) - HTTP 403 : Permission refused ",
        ],
    ),
    "cvmfs_download_403": (
        "service",
        [
            "(curl) {header/in} HTTP/1.1 403 Forbidden    [07-08-2024 13:48:33 CDT]",
            "(download) http status error code: HTTP/1.1 403 Forbidden [403]    [07-08-2024 13:48:33 CDT]",
        ],
    ),
    "fts_507_destination_quota": (
        "code",
        [
            "              ['3rd push). Last attempt: Transfer failure: Remote side failed with status code 507 "
            "[...CUT...] Full log at https://fts3-cms.cern.ch:8449/fts3/ftsmon/#/job/07771d46-4bd8-11ee-b329-fa163e1db714']",
        ],
    ),
    # HTTP 5xx whichever client prints it (dCache issue 6358 via FTS; CRABServer issue 9146 via the Rucio client).
    "fts_rejected_get_500": (
        "service",
        [
            "INFO    Tue, 15 Mar 2022 09:52:15 -0400; [1647352335149] BOTH http_plugin\tTRANSFER:EXIT\tERROR: "
            "Copy failed "
            "with mode 3rd pull, with error: Transfer failed: failure: rejected GET: 500 Server Error\\n",
        ],
    ),
    "rucio_lfn2pfn_503": (
        "service",
        [
            "2025-08-06 21:01:23,194:WARNING:RucioUtils:Rucio lfn2pfn resolution for third_party_copy_write "
            "failed with:",
            "Details: no error information passed (http status code: 503)",
        ],
    ),
    "davix_could_not_connect": (
        "service",
        [
            "+Error in <DavixOpen>: can not open file with davix: Failure Could not connect to server after 3 "
            "attempts (6)",
            "+failed to open http://root.cern.ch/files/na49.root",
        ],
    ),
    "dcache_no_write_links": (
        "service",
        [
            "2017-11-08 11:44:56,901 [Thread-5] ERROR org.dcache.srm.util.GridftpClient - "
            "org.dcache.ftp.client.exception."
            "ServerException: Server refused performing the request. Custom message: No write links configured for "
            "[net=131.169.71.165,protocol=GFtp/2,store=dot:u",
        ],
    ),
    # CVMFS failing over every proxy (cvmfs-csi issue 77; cvmfs issue 3512, cvmfs_config chksetup).
    "cvmfs_failed_proxy": (
        "service",
        [
            "(download) Verify downloaded url /.cvmfspublished, proxy http://ca-proxy.cern.ch:3128 (curl error 7)    "
            "[05-09-2023 12:10:12 UTC]",
            "(download) switching proxy from http://ca-proxy.cern.ch:3128 to http://ca-proxy-atlas.cern.ch:3128 "
            "(failed "
            "proxy)    [05-09-2023 12:10:12 UTC]",
            "(download) make it a host failure    [05-09-2023 12:10:12 UTC]",
        ],
    ),
    "cvmfs_chksetup_stratum1": (
        "service",
        [
            "Warning: failed to access http://cvmfs-s1.hpc.swin.edu.au:8000/cvmfs/cms.cern.ch/.cvmfspublished through "
            "proxy http://squid:3128",
        ],
    ),
    # Slurm job states as sacct and scontrol print them (snakemake issue 348; Slurm users' sacct listings).
    "sacct_out_of_memory_steps": (
        "resource",
        [
            "JobID           JobName  Partition    Account  AllocCPUS      State ExitCode",
            "[JOBID]      [JOBNAME]-+      debug    default          1    RUNNING      0:0",
            "[JOBID].0    python3.12               default          1 OUT_OF_ME+    0:125",
        ],
    ),
    "sacct_timeout": (
        "resource",
        [
            "3592069      _norwayte+     ngs48G    TIMEOUT      0:0",
            "3592069.bat+      batch             CANCELLED     0:15",
        ],
    ),
    "sacct_node_fail": ("service", ["1131597         TestJob plgrid-te+ scalprome+          1  NODE_FAIL      0:0"]),
    # CRAB's own periodic removal reasons (CRABServer issue 5998; DagmanCreator.py PeriodicRemoveReason).
    "crab_removed_wall_clock": (
        "resource",
        [
            '        MyType = "JobAbortedEvent"; ',
            '        Reason = "Removed due to wall clock limit"',
        ],
    ),
    # glideinWMS testing the node's Apptainer before running anything (glideinwms issue 395).
    "glidein_singularity_test_failed": (
        "service",
        [
            "INFO  Singularity at '/cm/local/apps/apptainer/current/bin/apptainer' failed (ec:0) w/ unexpected output",
        ],
    ),
    # An art block quoted without its dashes still names its category (mu2e Offline issue 1519).
    "art_product_not_found_reflowed": (
        "code",
        [
            "The new mu2e-trig-config is causling all PRs to fail with: ----",
            "ProductNotFound BEGIN Found zero products matching all selection criteria",
            "C++ type: mu2e::EventWindowMarker Module label: 'EWMProducer' Product",
        ],
    ),
    # Rucio's "DID does not exist" also follows an unavailable RSE (rucio issue 5956): the outage decides.
    "rucio_did_does_not_exist_rse_unavailable": (
        "service",
        [
            "2022-10-25 09:31:38,569 ERROR DID does not exist: valid2:valid2.900311.NA.simul.HITS.30953031_sub512754",
            "2022-10-25 09:31:38,570 WARNING No available source found for file: valid2:valid2.900311.NA.simul.HITS."
            "30953031_sub512754",
            "2022-10-25 09:31:38,624 ERROR None of the requested files have been downloaded.",
        ],
    ),
    # Container images: not an image file (Cylinder2DFlowControlDRL issue 19), a private image (cvmfs-singularity-sync
    # issue 544).
    "apptainer_image_format_not_recognized": (
        "code",
        [
            "FATAL:   could not open image "
            "/home/zww/Cylinder2DFlowControlDRL-master/container/fenics-and-more.img: image "
            "format not recognized",
        ],
    ),
    "registry_private_image": (
        "code",
        [
            "$ docker pull containers.ligo.org/adityakumar.sharma/directed-search-lensed-cw/"
            "paper1-population:lensing-v1",
            "Error response from daemon: error from registry: access forbidden",
        ],
    ),
    # The access point could not take the job's proxy (CRABServer issues 9245 and 9257): the schedd's, not the user's.
    "schedd_delegation_failed": (
        "service",
        [
            "12/09/25 17:52:57 (pid:1014112) ReliSock::get_x509_delegation(): delegation failed: "
            "X509Credential::Request() "
            "failed",
        ],
    ),
    "schedd_proxy_refresh_failed": (
        "service",
        [
            "04/07/26 18:48:30 ReliSock::get_x509_delegation_finish(): delegation failed to complete: Failed to "
            "open proxy "
            "file",
            "04/07/26 18:48:30 (cid:932) Refresh GSI cred for job 10428283.0 failed",
        ],
    ),
    "condor_submit_no_queue": (
        "code",
        [
            'ERROR: "submit" doesn\'t contain any "queue" commands -- no jobs queued',
        ],
    ),
    # A GridFTP server whose host certificate names another host (pegasus issue 1287).
    "gridftp_host_dn_mismatch": (
        "service",
        [
            "Unable to connect to gridftp.ccs.ornl.gov:2811",
            "Authentication failed [Caused by: Operation unauthorized (Mechanism level: [JGLOBUS-56] "
            "Authorization failed. "
            "Expected &quot;/CN=host/dtn18.ccs.ornl.gov&quot ; target but received &quot;/DC=org/DC=opensciencegrid/"
            "O=Open Science Grid/OU=Services/CN=dtn.ccs.ornl.gov&quot;)]",
        ],
    ),
    # Torque lost the spooled output on the node (cbio-cluster issue 173).
    "torque_stageout_spool_missing": (
        "service",
        [
            "request to copy stageout files failed on node 'gpu-2-13' for job 2519468.mskcc-fe1.local",
            "Unable to copy file /var/spool/torque/spool/2519468.mskcc-fe1.local.OU to /cbio/cslab/projects/weinhold/"
            "hlapred/hnsc/STDIN.o2519468, error 1",
            "/bin/cp: cannot stat `/var/spool/torque/spool/2519468.mskcc-fe1.local.OU': No such file or directory",
        ],
    ),
    # jobsub: the submitter is not authorized for the experiment group they named (SBN wiki).
    "jobsub_not_in_group": (
        "code",
        [
            "    User authorization has failed: Error authenticating DN='/DC=org/DC=cilogon/C=US/O=Fermi National "
            "Accelerator Laboratory/OU=People/CN=Biswaranjan Behera/CN=UID:bbehera/CN=633718598' for "
            "AcctGroup='sbnd'Error:",
            "    JOBSUB SERVER RESPONSE CODE : 401 (Failed)",
        ],
    ),
    # A Geant4 macro command this release does not have stops the batch macro (geant4 forum, UIMAN0123).
    "g4_macro_command_not_found": (
        "code",
        [
            "/physics_lists/factory/addRadioactiveDecay",
            "***** COMMAND NOT FOUND </physics_lists/factory/addRadioactiveDecay> *****",
            "***** Batch is interrupted!! *****",
            "-------- WWWW ------- G4Exception-START -------- WWWW -------",
            "*** G4Exception : UIMAN0123",
            "*** This is just a warning message. ***",
        ],
    ),
    # Trap: CMSSW's segfault (8901) after the XRootD client logged that the server never answered the open.
    "xrdcl_error_then_segfault": (
        "service",
        [
            "[2026-06-08 03:51:25.719110 +0000][Error  ][XRootD            ] [cmsdcadisk.fnal.gov:1095] Unable to "
            "get the "
            "response to request kXR_open (file: /store/data/Run2026D/MuonEG/MINIAOD/PromptReco-v1/000/403/818/00000/"
            "f87ffea0-bd13-43ec-84f4-a94d86aa2d3c.root?scitag.flow=196664&tried=cmsxrootd-site1.fnal",
            "A fatal system signal has occurred: segmentation violation",
        ],
    ),
    # DAGMan relays condor_submit's complaint about a node's submit file (pegasus test data).
    "dagman_node_submit_file_error": (
        "code",
        [
            "09/22/10 14:59:04 From submit: Submitting job(s)",
            "09/22/10 14:59:04 From submit: ERROR: you specified files you want Condor to transfer via ",
            '09/22/10 14:59:04 From submit: "transfer_input_files", but you did not specify *when* you want Condor to ',
            "09/22/10 14:59:04 failed while reading from pipe.",
        ],
    ),
    # Batch submissions the scheduler refuses as asked (Torque pbs_error_db.h texts; Grid Engine site guides) and
    # an SGE job whose -o path cannot be opened (kaldi issue 4358).
    "pbs_exceeds_queue_limits": ("code", ["qsub: Job exceeds queue resource limits MSG=cannot locate feasible nodes"]),
    "sge_no_suitable_queues": ("code", ["Unable to run job: error: no suitable queues. Exiting."]),
    "sge_output_file_unopenable": (
        "code",
        [
            "12/01/2020 22:46:24|worker|master|W|job 84.1 failed on host ubuntu general opening input/output file "
            "because: "
            "12/02/2020 11:46:22 [1006:5837]: error: can't open output file "
            '"/home/ybZhang/changcheng_asr_ch/./q/test.log":',
            "12/01/2020 22:46:24|worker|master|W|rescheduling job 84.1",
        ],
    ),
    # ROOT: a compressed buffer whose header is garbage is a bad replica; a branch read into the wrong type is code.
    "root_unzip_header": ("service", ["Error R__unzip_header: error in header.  Values: 00"]),
    "root_branch_type_mismatch": (
        "code",
        [
            'Error in <TTree::SetBranchAddress>: The pointer type given "Short_t" (2) does not correspond to the type '
            'needed "Int_t" (3) by the branch: Detector',
            "Error in <TTree::SetBranchAddress>: unknown branch -> Esum2",
        ],
    ),
    # glideinWMS validation scripts report a failed check of the node (glideinwms error_gen.sh / singularity_setup.sh).
    "glidein_validation_metric": (
        "service",
        [
            '<OSGTestResult id="singularity_setup.sh" version="4.3.1">',
            "  <result>",
            "    <status>ERROR</status>",
            '    <metric name="failure" ts="2024-05-01T10:00:00+00:00" uri="local">WN_Resource</metric>',
        ],
    ),
    # Python by class: a path of the wrong kind, a YAML file that does not parse, an object the ROOT file lacks.
    "python_is_a_directory": (
        "code",
        [
            "Traceback (most recent call last):",
            "    with open(args.filename) as f:",
            "IsADirectoryError: [Errno 21] Is a directory: 'data.txt'",
        ],
    ),
    "python_yaml_config": (
        "code",
        [
            "yaml.scanner.ScannerError: mapping values are not allowed here",
            '  in "./docker-compose.staging.yml", line 9, column 55',
        ],
    ),
    "uproot_key_not_in_file": ("code", ["    uproot.exceptions.KeyInFileError: not found: 'genCharge'"]),
    # A FileNotFoundError under /cvmfs can be the job's own path typo (an LSST pipeline YAML path missing a '/').
    "python_cvmfs_path_typo_stays_unknown": (
        "unknown",
        [
            "FileNotFoundError: [Errno 2] No such file or directory: '/cvmfs/sw.lsst.eu/almalinux-x86_64/lsst_distrib/"
            "w_2025_17/conda/envs/lsst-scipipe-10.0.0-exact/share/eups/Linux64/drp_pipe/g11f32a4bda+cfad98a35cpipelines/"
            "LSSTCam/nightly-validation.yaml'",
        ],
    ),
    # PostgreSQL errors by SQLSTATE class as psycopg names them (Appendix A): the server's vs the query's.
    "psycopg_admin_shutdown": (
        "service",
        [
            "  sqlalchemy.exc.OperationalError: (psycopg2.errors.AdminShutdown) terminating connection due to "
            "serverless "
            "scale event timeout",
            "  SSL connection has been closed unexpectedly",
        ],
    ),
    "psycopg_undefined_table": (
        "code",
        [
            'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable) relation "meetings" does not exist',
        ],
    ),
    "frontier_404_wrong_servlet": (
        "code",
        [
            "[2026-02-18 22:07:12,882] INFO: Connecting to pro [frontier://PromptProd/cms_conditions]",
            'SAWarning: Exception attempting to detect unicode returns: ProgrammingError("(frontier.ProgrammingError) '
            "Error while fetching data: (-8, b'[frontier.c:1136]: No more proxies. Last error was: Request 8 on chan 1 "
            "failed at Wed Feb 18 22:07:12 2026: -8 [fn-htclient.c:444]: server error (HTTP/1.1 404 Not Found) "
            "proxy=localhost[[::1]:3128] server=localhost')\")",
        ],
    ),
    # Python by class.
    "python_module_not_found": ("code", ["ModuleNotFoundError: No module named 'coffea.dataset_tools'"]),
    "python_memory_error": (
        "resource",
        [
            "numpy.core._exceptions.MemoryError: Unable to allocate 926. GiB for an array with shape (6794880, 36601) "
            "and data type float32",
        ],
    ),
    # Geant4: a stuck track in an EEEE block is code; the G4 warning alone is not a failure.
    "g4_stuck_track": (
        "code",
        [
            "-------- EEEE ------- G4Exception-START -------- EEEE -------",
            "*** G4Exception : GeomNav0003",
            "      issued by : G4Navigator::ComputeStep()",
            "Stuck Track: potential geometry or navigation problem.",
        ],
    ),
    "athena_out_of_range": (
        "code",
        [
            "ZdZdPlottingAlg     FATAL  Standard std::exception is caught",
            "ZdZdPlottingAlg     ERROR vector::_M_range_check: __n (which is 0) >= this->size() (which is 0)",
        ],
    ),
    # No memory numbers and no event in the context: the memory limit or one absurd allocation (unknown).
    "athena_bad_alloc": (
        "unknown",
        [
            "22:41:25 TrigDecisionCnvAlg                                  FATAL  Standard std::exception is caught",
            "22:41:25 TrigDecisionCnvAlg                                  ERROR std::bad_alloc",
        ],
    ),
    "panda_pilot_memory": ("resource", ["pilotErrorDiag: Payload ran out of memory"]),
    "rucio_did_not_found": ("code", ["rucio.common.exception.DataIdentifierNotFound: Data identifier not found."]),
    # A broken class streamer is code even when std::bad_alloc follows (xAODAnaHelpers issue 378).
    "streamer_bug_then_bad_alloc": (
        "code",
        [
            "TBufferFile::CheckByte... WARNING OverlapRemover::Streamer() not in sync with data, fix Streamer()",
            "Caught exception while executing algorithm:",
            "std::bad_alloc",
        ],
    ),
    # HTCondor 23+ rewrites transfer holds ("... files failure at execution point|access point ... Details: ...");
    # the family reads the same in both forms (pegasus/pegasus test data; a CMS user's submit notes; SLAC S3DF docs).
    "htcondor_new_format_output_never_written": (
        "code",
        [
            " Transfer output files failure at execution point slot1@workflow.isi.edu while sending files to "
            "access point "
            "workflow. Details: reading from file /home/mzalam/wf/condor/local/execute/dir_761020/chebi_dict.pickle: "
            "(errno 2) No such file or directory",
        ],
    ),
    "htcondor_new_format_input_missing_on_ap": (
        "code",
        [
            "Hold reason: Transfer input files failure at access point bigbird27 ... reading from file "
            "/tmp/x509up_u148947: (errno 2) No such file",
        ],
    ),
    "htcondor_stdout_path_missing": (
        "code",
        [
            "12863358.0   jdoe   6/27 11:05  Error from slot_jdoe_32400_1_1@sdfrome009.sdf.slac.stanford.edu: "
            "Failed to "
            "open '/sdf/data/rubin/shared/jdoe/simulation/output/output.0' as standard output: No such file or "
            "directory "
            "(errno 2)",
        ],
    ),
    # DAGMan aborting a DAG removes its running nodes, which logs an eviction: that is the removal, not the site
    # (a Rubin BPS DAGMan output whose node failed with status 1; /work/shared/fixtures tiny_problems.dag.dagman.out).
    "dagman_abort_eviction_is_removal": (
        "unknown",
        [
            "02/13/25 12:00:34           Error: Job proc (9231.0.0) failed with status 1",
            "02/13/25 12:00:34 Aborting DAG...",
            "02/13/25 12:00:35 Event: ULOG_JOB_EVICTED for HTCondor Node provisioningJob (9229.0.0) {02/13/25 "
            "12:00:34}",
            "02/13/25 12:00:35 Event: ULOG_JOB_ABORTED for HTCondor Node provisioningJob (9229.0.0) {02/13/25 "
            "12:00:34}",
        ],
    ),
    # An eviction earlier in the job's history does not outweigh the programming error the rerun died of
    # (assembled: an eviction event line and a NOvA job's traceback, both real, from this project's logs).
    "evicted_then_keyerror_is_code": (
        "code",
        [
            "004 (8180928.000.000) 06/30 18:44:26 Job was evicted.",
            "Traceback (most recent call last):",
            '  File "/srv/nova_ana/make_spectra.py", line 88, in <module>',
            "KeyError: 'numu_fd_v5'",
        ],
    ),
    # Pelican 7.x clients print typed errors ("<Type> Error: Error code <N>: ..."); a remote object that already
    # exists is the submitter's (an OSPool hold reason quoted in a hold-summary tool's test data).
    "pelican_object_already_exists": (
        "code",
        [
            "Transfer output files failure at the execution point using protocol osdf. Details: Pelican Client Error: "
            "remote object already exists, upload aborted (Version: 7.26.0; Site: UWM-Mortimer) ( URL file = "
            "osdf:///ospool/uw-shared/x/Merged_2025-09-29T02:10:18.952_0000.root )||FILETRANSFER:1:non-zero exit (1) "
            "from /tmp/glide_AGd9bW/main",
        ],
    ),
    # XRootD: cmsd's "No servers are available to ... the file" in any mode is the federation's (xrootd issue 2590);
    # "No servers have the file" may be a wrong path, so it stays unknown.
    "xrootd_selprep_no_servers": (
        "service",
        [
            "SelPrep: /path/to/a/file failed; No servers are available to read the file.",
        ],
    ),
    "xrootd_no_servers_have_the_file": (
        "unknown",
        [
            "Run: [ERROR] Server responded with an error: [3011] No servers have the file",
        ],
    ),
    # DIRAC minor statuses (JobMinorStatus.py) and the job wrapper's sandbox failure (DIRAC issue 283).
    "dirac_input_sandbox": (
        "service",
        [
            "Cannot download Input sandbox "
            "SB:ProductionSandboxSE|/SandBox/b/blaising/73d/a2f/73da2f6182f2d1d37048cb5cc7f"
            "c5dec.tar.bz2:  No sandbox matches the requirements ",
            "JobWrapper failed to download input sandbox ",
        ],
    ),
    # Slurm submission failures by slurm_errno.c text: the request is the submitter's (site guides quote this one).
    "slurm_invalid_account": (
        "code",
        [
            "srun: error: Unable to allocate resources: Invalid account or account/partition combination specified",
        ],
    ),
    # A wrapper's own exception class says only that something failed underneath (CRABServer issue 4221).
    "python_wrapper_exception_class": (
        "unknown",
        [
            "ERROR: Traceback follows:",
            "Traceback (most recent call last):",
            '  File "CMSRunAnalysis.py", line 556, in <module>',
            "    cmssw = executeCMSSWStack(opts)",
            "WMExecutionFailure: CmsRunFailure",
            "Message: Error running cmsRun",
        ],
    ),
    "root_corrupt_basket": (
        "service",
        [
            "Error in unzip ZSTD. Type = Corrupted block detected . Code = 18446744073709551596",
            "Error in <TBasket::ReadBasketBuffers>: fNbytes = 6787763, fKeylen = 72, fObjlen = 7622608, noutot = 0, "
            "nout=0, nin=6787691, nbuf=7622608",
        ],
    ),
    # LSF's job report when bkill ended the job (a workflow manager cleaning up): no cause by itself.
    "lsf_killed_by_owner_is_context": (
        "unknown",
        [
            "python main.py $MYARGS",
            "------------------------------------------------------------",
            "",
            "TERM_OWNER: job killed by owner.",
            "Exited with exit code 143.",
        ],
    ),
    # A library built against another version than the one loaded (rest-for-physics/framework issue 402).
    "undefined_symbol_after_build": (
        "code",
        [
            " - /pbs/home/g/girardca/REST-for-physics/rest-framework/install/master/lib/libRestAxion.so",
            "cling::DynamicLibraryManager::loadLibrary(): /pbs/home/g/girardca/REST-for-physics/rest-framework/install/"
            "master/lib/libRestAxion.so: undefined symbol: _ZN23TRestAxionMagneticFieldC1Ev",
        ],
    ),
    # A Geant4 exception that only aborted one event (Geant4/geant4 PR 38's block) does not outweigh the read
    # failure that stopped the job later: the severity line, not the EEEE banner, says the run stopped.
    "geant4_event_abort_then_read_failure": (
        "service",
        [
            "-------- EEEE ------- G4Exception-START -------- EEEE -------",
            "*** G4Exception : GeomRegNav1004",
            "      issued by : G4RegularNavigation::ComputeStepSkippingEqualMaterials()",
            "*** Event Must Be Aborted ***",
            "-------- EEEE -------- G4Exception-END --------- EEEE -------",
            "Error in <TFile::ReadBuffer>: error reading all requested bytes from file "
            "root://fndca1.fnal.gov:1094/pnfs/fnal.gov/usr/dune/tape_backed/dunepro/f.root, got 0 of 300",
        ],
    ),
    "geant4_fatal_stops_the_run": (
        "code",
        [
            "-------- EEEE ------- G4Exception-START -------- EEEE -------",
            "*** G4Exception : PART70001",
            "      issued by : G4NuclideTable",
            "ENSDFSTATE.dat is not found.",
            "*** Fatal Exception *** core dump ***",
        ],
    ),
    # A Python 2 socket error by errno only (a traceback quoted in a public tutorial of a client whose server is down).
    "python2_socket_error_errno_111": (
        "service",
        [
            "Traceback (most recent call last):",
            '  File "/usr/lib64/python2.7/socket.py", line 571, in create_connection',
            "    raise err",
            "socket.error: [Errno 111] Connection refused",
        ],
    ),
    # A shell's bare report of a segfault is no verdict (a segfault on some nodes only, AMDResearch/hpcfund issue
    # 3); the program's runtime or a debugger naming the signal is the program's bug (finestructure4 issue 5).
    "bare_shell_segfault_is_no_verdict": (
        "unknown",
        [
            "/path/execnew.sh: line 3: 2815415 Segmentation fault      (core dumped) python3 /path/run.py $1",
        ],
    ),
    "segfault_reported_by_the_program_is_code": (
        "code",
        [
            "Program terminated with signal 11, Segmentation fault.",
        ],
    ),
    # CMSSW's SimpleMemoryCheck cannot read the job's own /proc entry on some worker nodes (cms-sw/cmssw issue
    # 27977): the node, although CMSSW reports it as a Configuration exception (exit 8009).
    "proc_unreadable_on_the_node": (
        "service",
        [
            "CMSSW Return code: 8009",
            "2019-09-05 10:29:26,546:CRITICAL:CMSSW:Error message: An exception of category 'Configuration' "
            "occurred while",
            "   [0] Constructing the EventProcessor",
            "   [1] Constructing service of type SimpleMemoryCheck",
            "Exception Message:",
            "Failed to open /proc/1697/stat",
        ],
    ),
    # An EiB-sized allocation is a size computed wrong, not a memory limit (rapidsai/ucx-py issue 412).
    "absurd_allocation_is_code": (
        "code",
        [
            "distributed.worker - ERROR - Unable to allocate 6.34 EiB for an array with shape",
            " (7306152994899395474,) and data type uint8",
            "Traceback (most recent call last):",
        ],
    ),
    "atlas_aux_type_mismatch": (
        "code",
        [
            "> An exception was caught!",
            "> Exception: void EL::Driver::submit(const EL::Job& job, const string& location) =>",
            ">     SG::ExcAuxTypeMismatch: Type mismatch for aux variable `::DFCommonElectronsLHLoose' (1187); "
            "old type "
            "is int new type is char (C++ exception)",
        ],
    ),
    # An art 'Unknown' exception whose cause Pandora printed just after it (SBNSoftware/icaruscode issue 92).
    "pandora_file_not_on_search_path": (
        "code",
        [
            "---- Unknown BEGIN",
            "  An unknown exception was thrown while processing module StandardPandora/pandoraGausCryo0 during "
            "beginJob",
            "---- Unknown END",
            "%MSG",
            "",
            "Unable to find file  PandoraBdt_v08_33_00_SBND.xml in any path specified by environment variable "
            "FW_SEARCH_PATH, delimiter",
        ],
    ),
    "fastjet_error_is_code": (
        "code",
        [
            "fastjet::error:  The jet algorithm you requested (50) should be constructed with 0 parameter(s) but was "
            "called with 1 parameter(s)",
        ],
    ),
    "singularity_bind_autofs_eloop": (
        "service",
        [
            "ERROR : There was an error binding the path /share/PI: Too many levels of symbolic links ",
            "ABORT : Retval = 255",
        ],
    ),
    # Quoted in a mail reply (Mu2e/Offline PR 40): the "> " prefix is the quote's, the block is art's own.
    "mail_quoted_art_configuration_block": (
        "code",
        [
            "> ---- Configuration BEGIN",
            ">   ",
            ">   !! The following modules have been misconfigured: !!",
            ">   Module label: CosmicAnalysis",
            ">   module_type : CosmicAnalyzer",
            ">   Unsupported parameters:",
            ">    + TimeOffsets                    [ /mu2e/app/users/sophie/Offline_October/Offline/CosmicReco/fcl/"
            "prolog.fcl:66 ]",
            "> ---- Configuration END",
        ],
    ),
    # A CI runner's timestamps in front of every line (acts-project/acts issue 4732).
    "ci_timestamped_geant4_fatal": (
        "code",
        [
            "2025-10-23T22:41:44.7459686Z -------- EEEE ------- G4Exception-START -------- EEEE -------",
            "2025-10-23T22:41:44.7460059Z *** G4Exception : GeomMgt0002",
            "2025-10-23T22:41:44.7462243Z *** Fatal Exception *** core dump ***",
        ],
    ),
    # IPython's traceback header names the exception before "Traceback" (ganga-devs/ganga issue 745).
    "ipython_traceback_nameerror": (
        "code",
        [
            "---------------------------------------------------------------------------",
            "NameError                                 Traceback (most recent call last)",
            "/cvmfs/lhcb.cern.ch/lib/lhcb/GANGA/GANGA_v601r24/install/ganga/python/Ganga/GPI/__init__.py in <module>()",
            "----> 1 gridProxy",
            "",
            "NameError: name 'gridProxy' is not defined",
        ],
    ),
    # ExternalLHEProducer only says its child (a gridpack script) failed: unknown unless the child's own output
    # says why (cms-sw/cmssw issue 42638); a traceback of the child before it decides (issue 41230).
    "external_lhe_child_failed_alone": (
        "unknown",
        [
            "Fatal Exception (Exit code: 8001) ",
            "An exception of category 'ExternalLHEProducer' occurred while",
            "[0] Processing global begin Run run: 1",
            "[1] Calling method for module ExternalLHEProducer/'externalLHEProducer'",
            "Exception Message:",
            "Child failed with exit code 1.",
        ],
    ),
    "external_lhe_child_traceback_decides": (
        "code",
        [
            "Traceback (most recent call last):",
            "    orig_wgt = float(line.split()[2])",
            "IndexError: list index out of range",
            "An exception of category 'ExternalLHEProducer' occurred while",
            "Child failed with exit code 1.",
        ],
    ),
    "root_branch_class_mismatch_in_fatalrooterror": (
        "code",
        [
            "An exception of category 'FatalRootError' occurred while",
            "      [a] Fatal Root Error: @SUB=TTree::Branch",
            'The class requested (L1Analysis::L1AnalysisGeneratorDataFormat) for "Generator" is different from '
            "the type "
            "of the object passed (unique_ptr<L1Analysis::L1AnalysisGeneratorDataFormat,default_delete<L1Analysis::"
            "L1AnalysisGeneratorDataFormat> >)",
        ],
    ),
    # An excerpt that starts after the traceback header: the frame line marks the traceback (ItziModel/itzi 52).
    "traceback_frames_without_header": (
        "code",
        [
            "#!python",
            '  File "/home/laurent/Program/itzi/itzi/itzi.py", line 80, in itzi_run',
            "    conf = ConfigReader(args.config_file, msgr)",
            "NameError: global name 'ConfigReader' is not defined",
        ],
    ),
    # cmsRun's fatal-signal line alone is no verdict (an HLT crash never reproduced, cms-sw/cmssw issue 41742);
    # the module CMSSW names as crashed is (cms-sw/cmssw PR 7108).
    "cmssw_segv_without_a_module_is_no_verdict": (
        "unknown",
        [
            "A fatal system signal has occurred: segmentation violation",
            "timeout: the monitored command dumped core",
        ],
    ),
    "cmssw_segv_in_a_named_module_is_code": (
        "code",
        [
            "%MSG-e FatalSystemSignal:  FSQDiJetAve:fsqHLTOfflineSource  13-Jan-2015 16:44:22 CET Run: 1 Event: 501",
            "A fatal system signal has occurred: segmentation violation",
            "%MSG",
        ],
    ),
    "bash_syntax_error_in_the_script": (
        "code",
        [
            "ssh-entrypoint: syntax error near unexpected token `('",
        ],
    ),
    # OpenPBS mom_main.c "%s job total %lu %s exceeded limit %lu %s" and "ncpus %.2f exceeded limit %lu (sum)"
    # (dask/dask-jobqueue issue 178, milaboratory/mixcr issue 652).
    "pbs_mem_job_total_exceeded": (
        "resource",
        [
            "dask-worker.o1838772:=>> PBS: job killed: mem job total 115343360 kb exceeded limit 115343360 kb",
        ],
    ),
    # ROOT TFile.cxx Error("TFile", "file name is not specified") inside an art FatalRootError block
    # (SBNSoftware/sbncode issue 102: the file-name parameter was empty).
    "root_tfile_empty_name_in_art_block": (
        "code",
        [
            "%MSG-s ArtException:  FlashPredict:fmatchREDO@Construction  26-Mar-2021 08:33:46 CDT ModuleConstruction",
            "cet::exception caught in art",
            "---- FatalRootError BEGIN",
            "  Fatal Root Error: TFile::TFile",
            "  file name is not specified",
            "  ROOT severity: 3000",
            "---- FatalRootError END",
        ],
    ),
    # The node cannot give the container runtime a user namespace (NVIDIA/pyxis issue 93: ENOSPC from
    # max_user_namespaces, no disk; hpc/charliecloud issue 133).
    "enroot_userns_enospc_under_pyxis": (
        "service",
        [
            "slurmstepd: error: pyxis: container start failed with error code: 1",
            "slurmstepd: error: pyxis: printing contents of log file ...",
            "slurmstepd: error: pyxis:     enroot-nsenter: failed to create user namespace: No space left on device",
            "slurmstepd: error: pyxis: couldn't start container",
        ],
    ),
    # WMCore StageOutMgr: no plugin registered under the command's name, before any transfer (dmwm/WMCore PR 7240).
    "wmcore_stageout_impl_not_registered": (
        "code",
        [
            "StageOutFailure",
            "Message: Unable to retrieve impl for local stage in:",
            "Error retrieving StageOutImpl for command named: stageout-xrdcp-fnal",
            "",
            "        ErrorCode : 60311",
            "        ModuleName : WMCore.Storage.StageOutError",
        ],
    ),
    # ROOT TList.cxx Error("Clear", "A list is accessing an object (%p) already deleted ...") in a CMSSW
    # FatalRootError (cms-sw/cmssw issue 46634: a release too old for the input's format).
    "root_tlist_object_already_deleted": (
        "code",
        [
            "== CMSSW:       [c] Fatal Root Error: @SUB=TList::Clear",
            "== CMSSW: A list is accessing an object (0x148a6d75a980) already deleted (list name = TList)",
        ],
    ),
    "pyxis_enroot_runtime_dir_not_writable": (
        "service",
        [
            "slurmstepd: error: pyxis: failed to import docker image",
            "slurmstepd: error: pyxis: printing contents of log file ...",
            "slurmstepd: error: pyxis:     mkdir: cannot create directory '/run/enroot': Permission denied",
        ],
    ),
    "charliecloud_userns_not_permitted": (
        "service",
        [
            "ch-run: can't init user+mount namespaces: Operation not permitted (ch-run.c:519 1)",
        ],
    ),
    "pbs_ncpus_sum_exceeded": (
        "unknown",
        [
            "=>> PBS: job killed: ncpus 38.28 exceeded limit 32 (sum)",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_excerpts_get_the_shifters_verdict(name):
    want, lines = REAL[name]
    v = diagnose(lines, PACKS)
    assert precision.side(v) == want, (v.signature, v.reason)


# Benign lines from jobs that succeeded: none of them may produce a failure verdict.
BENIGN = [
    # Apptainer skips a default bind it cannot make and goes on (NanoASV issue 56: 'no consequences').
    "WARNING: could not mount /etc/localtime: not a directory",
    # docker inspect of a container that was not OOM-killed (kubernetes issue 19825).
    '        "OOMKilled": false,',
    "Warning in <TClass::Init>: no dictionary for class art::Wrapper<int> is available",
    "%MSG-i MF_INIT_OK:  Early 05-Jun-2024 21:41:12 CDT JobSetup",
    "-------- WWWW ------- G4Exception-START -------- WWWW -------",
    "*** This is just a warning message. ***",
    "%MSG-w XrdAdaptorInternal:  file_open 16-Jul-2021 03:01:12 CEST pre-events",
    "warn [frontier.c:1026]: Request 4 on chan 1 failed at Tue Mar  2 10:11:12 2021: -6 [fn-socket.c:240]: read "
    "from 137.138.1.1 timed out after 10 seconds",
    "warn [frontier.c:1126]: Trying next proxy http://cmsfrontier1.fnal.gov:3128 with same server "
    "http://cmsfrontier.cern.ch:8000/FrontierProd",
    "Jul 27 08:18:29 b7s03p9343.cern.ch cvmfs2[41549]: (lhcb.cern.ch) switched to catalog revision 84905",
    "subject   : /DC=org/DC=cilogon/C=US/O=Fermi National Accelerator Laboratory/OU=People/CN=Jane Doe/CN=proxy",
    "Your identity: /DC=org/DC=cilogon/C=US/O=Fermi National Accelerator Laboratory/OU=People/CN=Jane Doe",
    "Contacting voms1.fnal.gov:15001 [/DC=org/DC=incommon/C=US/ST=Illinois/O=Fermi Research Alliance/CN=voms1.fnal"
    '.gov] "fermilab"...',
    "INFO:    Converting SIF file to temporary sandbox...",
    "Begin processing the 1st record. Run 1, Event 1, LumiSection 1 on stream 0 at 08-Mar-2021 17:09:10.573 CET",
    "08-Mar-2021 17:09:04 CET  Successfully opened file root://cmsxrootd.fnal.gov//store/data/x.root",
    # cms-opendata tutorials: a harmless GSI message and XRootD source switches in jobs that ran to the end.
    "220710 18:44:42 570 secgsi_InitProxy: cannot access private key file: /home/cmsusr/.globus/userkey.pem",
    "%MSG-w XrdAdaptor:  file_open 10-Jul-2022 18:44:43 CEST pre-events",
    "Data is served from cern.ch instead of original site eospublic",
    "Data is now served from cern.ch, iihe.ac.be instead of previous cern.ch",
    "Failed to open file at URL root://cms-xrd-global.cern.ch:1094//store/hidata/OORun2025/IonPhysics0/RAW/v1/000/"
    "394/075/00000/0521af1f-18a9-402a-b6e3-82cb07916fdd.root?tried=+1213cmsxrootd2.fnal.gov1213xrootd.unl.edu.",
    "Warning: your proxy will expire in less than 6 hours",
    "[2023-05-04 13:21:31.123456 +0200][Warning][PostMaster        ] [cmsxrootd.fnal.gov:1094 #0.0] Unable to "
    "connect: Connection refused",
    "warn [frontier.c:1014]: Request 1 on chan 1 failed at Mon Jun 18 00:13:00 2018: -6 [fn-socket.c:125]: network "
    "error on connect to 137.138.1.1: Connection refused",
    "slurmstepd: error: Exceeded step memory limit at some point. Step may have been partially swapped out to disk.",
    "warn [frontier.c:1026]: Request 7 on chan 2 failed at Thu Jan 14 02:33:34 2021: -8 [response.c:55]: Server has "
    "signalled Global Error [java.sql.SQLException: Timed out waiting for a free connection]",
    # A Vault token renewed on the way (the text such clients log before re-authenticating and going on).
    "Vault token expired, re-authenticating",
    "/usr/lib/python3.9/site-packages/torch/cuda/__init__.py:107: UserWarning: CUDA initialization: CUDA unknown error"
    " - this may be due to an incorrectly set up environment. Setting the available devices to be zero.",
]


def test_benign_lines_give_no_failure_verdict():
    v = diagnose(BENIGN, PACKS)
    assert v.category == "unknown", (v.signature, v.reason)
    assert all(f.category == "unknown" for f in v.evidence), [(f.signature, f.category) for f in v.evidence]


# Whole excerpts of real runs that succeeded, with the hiccups they logged on the way: no failure verdict, even
# without the job's exit code (the LiveOcean forecast operators' manual, a morning e-mail of three good runs).
SUCCEEDED = {
    "liveocean_forecast_slurm_poll_error": [
        "Running ROMS forecast 2023.08.03-2023.08.05",
        "",
        "======== f2023.08.03 =========",
        " > started at 2023.08.03 03:00:02",
        "/gscratch/macc/parker/LO_roms/cas6_traps2_x2b/f2023.08.03",
        " - time to get forcing = 259 sec",
        "========= Finished? ==========",
        "----------- stderr -----------",
        "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
        "",
        " - time to run ROMS = 2896 sec",
        " - ROMS SUCCESS",
        " - copy & clean up = 197 sec",
        " > finished at 2023.08.03 03:56:00",
        "",
        "======== f2023.08.04 =========",
        " - time to run ROMS = 841 sec",
        " - Run blew up, blow ups = 0",
        " - blew up at 2023.08.03 04:10:48",
        " - time to run ROMS = 3247 sec",
        " - ROMS SUCCESS",
    ],
}


@pytest.mark.parametrize("name", sorted(SUCCEEDED))
def test_successful_runs_get_no_failure_verdict(name):
    v = diagnose(SUCCEEDED[name], PACKS)
    assert v.category == "unknown", (v.signature, v.reason)
    assert all(f.category == "unknown" for f in v.evidence), [(f.signature, f.category) for f in v.evidence]
