"""The service side of verdicts (storage, grid, network, credentials, CVMFS, HTCondor): real excerpts quoted in
public threads get the verdict the thread concluded, each new signature on its own example line, and the traps
where a specific line must beat a generic one (a dCache quota refusal behind a 500 is the owner's quota, a billing
record that ended with rc 0 is no failure)."""

from __future__ import annotations

import pytest

from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# (expected verdict, the signature that must decide, lines quoted verbatim, source).
REAL = {
    "dcache_quota_behind_500": (
        "code",
        "dcache_user_quota_exceeded",
        [
            "[onno@ui ~]# curl --location --upload-file testfile https://dcachetest.grid.surfsara.nl:2881/users/onno/"
            "disk/quota4",
            "Internal problem: REPLICA user quota exceeded for uid=99999",
            "[onno@ui ~]# curl --fail --location --upload-file testfile https://dcachetest.grid.surfsara.nl:2881/users/"
            "onno/disk/quota",
            "curl: (22) The requested URL returned error: 500 Server Error",
        ],
        "dCache/dcache issue 7747 (the user's quota; the door answered 500 instead of 507)",
    ),
    "cgsi_gsoap_srm_unreachable": (
        "service",
        "srm_endpoint_unreachable_cgsi",
        [
            "gfal-rm error: 70 (Communication error on send) - srm-ifce err: Communication error on send, err: [S"
            "E][Ls][] httpg://gftp.t2.ucsd.edu:8443/srm/v2/server: CGSI-gSOAP running on compute-12n-20.tier2 rep"
            "orts could not open connection to gftp.t2.ucsd.edu:8443",
        ],
        "dmwm/WMCore issue 8115 (the site's SRM endpoint, GGUS ticket)",
    ),
    "fts_probably_stalled": (
        "service",
        "fts_transfer_stalled",
        [
            "INFO    Mon, 17 Jun 2024 14:24:02 +0100; Transfer finished successfully",
            "INFO    Mon, 17 Jun 2024 14:24:07 +0100; Finishing copy process...",
            "Error reason: No FTS server has updated the transfer status the last 900 seconds. Probably stalled",
        ],
        "DIRACGrid/DIRAC issue 7680 (FTS lost the transfer's status)",
    ),
    "server_certificate_verify_failed_srm": (
        "service",
        "openssl_server_certificate_verify_failed",
        [
            "Error reason: STAGING [70] srm-ifce err: Communication error on send, err: [SE][BringOnline][] httpg"
            "://dcfrontend.usatlas.bnl.gov:8443/srm/managerv2: CGSI-gSOAP running on fts-atlas-008.cern.ch report"
            "s Error initializing context GSS Major Status: Authentication Failed GSS Minor Status Error Chain: g"
            "lobus_gsi_gssapi: SSL handshake problems OpenSSL Error: s3_clnt.c:1264: in library: SSL routines, fu"
            "nction ssl3_get_server_certificate: certificate verify failed globus_gsi_callback_module: Could not "
            "verify credential globus_gsi_callback",
        ],
        "dCache/dcache issue 7484 (after a site network intervention)",
    ),
    "jglobus_crl_expired": (
        "service",
        "server_crl_expired_gsi",
        [
            "Caused by: org.globus.common.ChainedIOException: Authentication failed [Caused by: Path validation "
            "failed. CRL issued by C=FR,O=CNRS,CN=GRID2-FR has expired]",
            "Caused by: org.globus.gsi.gssapi.GlobusGSSException: Path validation failed. CRL issued by C=FR,O=CNRS,"
            "CN=GRID2-FR has expired",
        ],
        "jglobus/JGlobus issue 112 (the CRL cache was not reloaded)",
    ),
    "xrdsecgsi_crl_refresh": (
        "service",
        "xrdsecgsi_crl_cache_stale",
        [
            "180629 09:48:26 16956 secgsi_GetCACheck: CRL entry for '5168735f.0:1' needs refreshing: clean the related "
            "entry cache first (0x7fef4000eb80)",
        ],
        "xrootd/xrootd issue 761 (a stale CRL cache in an FTS host's XRootD client)",
    ),
    "scitoken_issuer_keys_not_fetched": (
        "service",
        "scitoken_validation_backend_failed",
        ["scitokens_GenerateAcls: Failed to deserialize SciToken: SSL peer certificate or SSH remote key was not OK"],
        "xrootd/xrootd issue 1313 (the server could not fetch the issuer's keys)",
    ),
    "dcache_billing_rc": (
        "service",
        "rule:dcache_10011",
        [
            "billing-error-2022.01.02:01.02 06:55:19 [door:WebDAV2-dcdoor10-2@webdav2-dcdoor10_httpsDomain:request] "
            '["/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=atlpilo1/CN=614260/CN=Robot: ATLA',
            'S Pilot1":6435:31152:130.199.149.175] [000087922889C4B841919509B91007E7825D,4240338293] [/pnfs/usatlas.bnl'
            ".gov/atlasscratchdisk/rucio/user/ssu/05/18/user.ssu.00340030.r10426_p3399_p3",
            '850.27744148.out._000367.root.rucio.upload] scratchdisk:ATLAS@osm 33698 0 {10011:"Error relaying data: '
            'Early EOF"}',
        ],
        "dCache/dcache issue 6358 (WebDAV door relay errors)",
    ),
    "dcache_pool_manager_timeout": (
        "service",
        "dcache_service_side_exception",
        [
            "07 Mar 2022 11:55:17 (webdav-ccdcatli367) [door:webdav-ccdcatli367@webdav-ccdcatli367Domain:AAXZno41EYA] "
            "Internal server error: org.dcache.webdav.WebDavException: Request to [>PoolManager@dCacheDomain] "
            "timed out.",
        ],
        "dCache/dcache issue 6531 (a pool was unavailable)",
    ),
    "dcache_upload_channel_idle": (
        "service",
        "dcache_upload_channel_idle",
        [
            "02 Feb 2022 19:26:58 (v-stkendca1806-1) [door:WebDAV-fndca4b-1@webdavDomain:AAXXEs+sAog WebDAV-fndca4b-1 "
            "PoolAcceptFile 00008FBFF2A3F3B542BCA50AD15FEEF94E90] Transfer failed: Channel idle for too long during "
            "upload.",
        ],
        "dCache/dcache issue 6455",
    ),
    "gfal_tpc_server_returned_nothing": (
        "service",
        "libcurl_strerror_text",
        [
            "gfal-copy error: 5 (Input/output error) - TRANSFER  ERROR: Copy failed with mode 3rd push, with error: "
            "Transfer failure: Server returned nothing (no headers, no data)",
        ],
        "xrootd/xrootd issue 2221 (the server side of the HTTP TPC)",
    ),
    "cvmfs_catalog_database_corrupt": (
        "service",
        "cvmfs_catalog_database_corrupt",
        [
            "Sep  4 20:23:42 acas0953 cvmfs2[4343]: (atlas.cern.ch) SQlite3: database corruption at line 68204 of "
            "[d33c709cc0] (11)",
        ],
        "cvmfs/cvmfs issue 3628 (196 ATLAS jobs failed on that node)",
    ),
    "condor_collector_unreachable": (
        "service",
        "htcondor_daemon_unreachable",
        [
            "root: 2019-10-17 01:47:16 condor_status could not be executed!",
            "root: 2019-10-17 01:47:16 (message=, error_code=1, error_message=Error: communication error",
            "CEDAR:6001:Failed to connect to <some_ip_address:9618>",
            "Error: Couldn't contact the condor_collector on some_host_nane",
        ],
        "MatterMiners/tardis issue 103 (a temporary collector outage)",
    ),
    "condor_curl_plugin_stalled": (
        "service",
        "htcondor_curl_plugin_stalled",
        [
            "Error from <SLOTNAME>: FILETRANSFER:1:non-zero exit (1) from ",
            "/usr/libexec/condor/curl_plugin. Error: Aborted due to lack of progress ",
            "using http_proxy=http://squid-cs-b240.chtc.wisc.edu:3128 ",
            "(http://proxy.chtc.wisc.edu/SQUID/chtc/R361.tar.gz)",
        ],
        "CHTC user guide (jobs held while a squid proxy misbehaved)",
    ),
    "xrootd_cluster_destination_exists": (
        "code",
        "xrootd_destination_exists",
        [
            "$ xrdcp root://atlrdr1//xrootd/atlas/tpctest/junk-wei root://atlrdr1//xrootd/atlas/tpctest/junk-wei-DD",
            "Run: [ERROR] Server responded with an error: [3011] Unable to create new file; file already exists. "
            "(destination)",
        ],
        "xrootd/xrootd issue 1508 (a second copy without -f)",
    ),
    "dcache_door_invalid_redirection_url": (
        "service",
        "xrootd_invalid_redirection_url",
        [
            "  * Server replies with `[Error  ][XRootD            ] [se01.grid.nchc.org.tw:1094] Got invalid "
            "redirection URL: 2001:e10:6040:132:0:0:0:8?org.dcache.xrootd.client=mkortela.1404966@cmsdev42.cern.ch"
            "&org.dcache.uuid=25239b47-fc00-40d0-ab3f-8d97f30616fb?org.dcache.door=2001:e10:4000:122:0:0:0:105:1094`",
        ],
        "cms-sw/cmssw issue 46086 (a dCache door's bare IPv6 redirect)",
    ),
    "globus_invalid_crl_on_server": (
        "service",
        "server_crl_expired_gsi",
        [
            "Globus error: globus_credential: Error verifying credential: Failed to verify credential",
            "globus_gsi_callback_module: Could not verify credential",
            "globus_gsi_callback_module: Invalid CRL: Couldn't verify that the available CRL is valid",
        ],
        "xrootd/xrootd issue 1197 (the data server's CRL handling)",
    ),
    "crab_rest_execution_error": (
        "service",
        "cms_rest_server_error",
        ["The server answered with an error.", "Server answered with: Execution error"],
        "dmwm/CRABServer issue 6978 (the production REST server's 500)",
    ),
    "localized_dns_eai_again": (
        "service",
        "dns_temporary_failure_any_language",
        [
            'fatal: [rpi-k8s-3]: FAILED! => {"changed": false, "msg": "Failed to connect to download.gluster.org at '
            'port 443: [Errno -3] Temporärer Fehler bei der Namensauflösung"}',
        ],
        "mrlesmithjr/ansible-rpi-k8s-cluster issue 17 (dnsmasq on the master node)",
    ),
    "cvmfs_cache_partition_full": (
        "service",
        "cvmfs_cache_partition_full",
        [
            "CVMFS_QUOTA_LIMIT=83500    # from /etc/cvmfs/default.local",
            "/dev/sda1                     96G   92G   32M 100% /var/cache/cvmfs2",
        ],
        "cvmfs/cvmfs issue 3454 (a worker's full cache partition)",
    ),
    "rucio_upload_size_zero_on_storage": (
        "service",
        "rucio_upload_size_mismatch",
        [
            "2020-08-11 02:19:40,745 | WARNING  | Thread-6            | pilot.copytool.rucio             | "
            "_stage_out_api            | caught exception: An unknown exception occurred.",
            "Details: Filesize mismatch. Source: 73443479 Destination: 0",
        ],
        "rucio/rucio issue 3927 (DPM answering 0 for a just-written file)",
    ),
    "voms_proxy_init_without_network": (
        "service",
        "voms_server_unreachable",
        [
            "Enter GRID pass phrase for this identity:Contacting voms2.cern.ch:15001 [/DC=ch/DC=cern/OU=computers/CN="
            'voms2.cern.ch] "atlas"...',
            "Error contacting voms2.cern.ch:15001 for VO atlas: voms2.cern.ch",
            "Error contacting voms2.cern.ch:15001 for VO atlas: REST and legacy VOMS endpoints failed.",
            "None of the contacted servers for atlas were capable of returning a valid AC for the user.",
            "User's request for VOMS attributes could not be fulfilled.",
        ],
        "ruciopylib tests/test_cert.py (voms-proxy-init output with no network)",
    ),
    "voms_misspelt_vo": (
        "code",
        "voms_vo_not_known",
        ["VOMS server for VO atlassss is not known! Check your vomses configuration."],
        "ruciopylib tests/test_cert.py (a misspelt VO)",
    ),
    "fts_507_is_quota_not_outage": (
        "code",
        "storage_insufficient_storage_507",
        ["TRANSFER [5] TRANSFER ERROR: Copy failed (3rd pull). Last attempt: copy HTTP 507 : Insufficient Storage"],
        "dmwm/CRABServer issue 9363 (the largest share of CMS FTS failures: the user's quota, exit code 60323)",
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_excerpts_get_the_threads_verdict(name):
    want, sid, lines, _source = REAL[name]
    v = diagnose(lines, PACKS)
    assert (precision.side(v), v.signature) == (want, sid), v.reason


@pytest.mark.parametrize(
    ("hold_code", "subcode", "want"),
    [(13, 111, "service"), (12, 104, "service"), (14, 116, "service"), (14, 2, "code")],
)
def test_hold_subcodes_name_the_side_that_failed(hold_code, subcode, want):
    """A transfer hold whose errno says the network refused or reset is the service's; a missing iwd is the job's."""
    v = diagnose([], PACKS, hold_code=hold_code, hold_subcode=subcode)
    assert precision.side(v) == want, v.reason


def test_a_billing_record_that_ended_well_is_no_failure():
    line = (
        "04.30 23:55:20 [pool:dc223_38@dc223thirtyeightDomain:restore] [0000DDC38CAA6D7C4E869C6EC3D4FBA8A0EF,"
        '8785125592] [Unknown] MCTAPE:MC@osm 13173810 0 {0:""}'
    )
    v = diagnose([line], PACKS)
    assert v.category == "unknown" and not v.evidence, (v.signature, v.evidence)


@pytest.mark.parametrize(
    "line",
    [
        # gfal2 gives ECOMM or EIO to a missing file as much as to an outage: the path decides, not the errno.
        # (A GridFTP 550 reply as a gfal2 rewrite's test data quotes it, and xrootd/xrootd issue 1466.)
        "globus_ftp_client: the server responded with an error 550 550-GlobusError: v=1 c=PATH_NOT_FOUND  "
        "550-GridFTP-Errno: 2  550-GridFTP-Reason: System error in stat  550-GridFTP-Error-String: No such file or "
        "directory  550 End.   ",
        "gfal-ls error: 2 (No such file or directory) - Failure HTTP 404 : File not found  after 1 attempts",
    ],
)
def test_a_missing_file_behind_a_transfer_errno_is_not_called_an_outage(line):
    v = diagnose([line], PACKS)
    assert v.category == "unknown", (v.signature, v.reason)


def test_a_mirror_that_failed_before_the_next_one_is_tried_is_no_failure():
    """dnf tries the next mirror after a '[MIRROR] ... Curl error' line (a public build log quotes both kinds)."""
    line = (
        "#7 1029.3 [MIRROR] perl-MIME-Base64-3.16-2.oe2403sp4.aarch64.rpm: Curl error (56): Failure when receiving "
        "data from the peer [OpenSSL SSL_read: SSL_ERROR_SYSCALL, errno 0]"
    )
    v = diagnose([line], PACKS)
    assert v.category == "unknown", (v.signature, v.reason)
