"""Precision of the service side: text that looks like a storage, network or CVMFS failure but, on its line, is
not one (a client saying it will retry, a CVMFS proxy failover, a socket error with no remote end named, a Go
module's checksum, a web API's 401, xrdcp's own disk) must not get that verdict. Every line is quoted from a real
log, a project's documentation or test data (the ones marked are a real line or path with the text its source prints
for another case); a confident wrong verdict is worse than "unknown"."""

from __future__ import annotations

import pytest

from opgtui.core.model import Job
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# (the verdict these lines must NOT get, the lines, where they are quoted from and why they are no such failure)
NEAR_MISSES = {
    "pip_retry_warning": (
        "service",
        [
            "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
            "broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed "
            "to establish a new connection: [Errno 111] Connection refused')': /simple/numpy/",
        ],
        "pip's vendored urllib3 (connectionpool.py: 'Retrying (%r) after connection broken by'): attempts are left",
    ),
    "nix_binary_cache_retry": (
        "service",
        ["</body></html>; retrying in 334 ms (attempt 1/5)"],
        "xddxdd/nix-cachyos-kernel issue 77: the download is tried again (the 503 on its own line still decides)",
    ),
    "rcds_upload_will_retry": (
        "service",
        ["Could not locate uploaded file on RCDS.  Will retry in 30 seconds."],
        "the DUNE computing tutorial's jobsub_lite lesson: the submission went on",
    ),
    "ifdh_delay_before_retry": (
        "service",
        ["delaying 41 ..."],
        "fnal-fife/ifdhc: the pause before another attempt of the same copy",
    ),
    "cvmfs_proxy_failover": (
        "service",
        [
            "(download) switching proxy from http://ca-proxy.cern.ch:3128 to http://ca-proxy-atlas.cern.ch:3128 "
            "(failed proxy)    [05-09-2023 12:10:12 UTC]",
        ],
        "cvmfs/cvmfs-csi issue 77 (download.cc SwitchProxy: one proxy of the group failed, the next is tried)",
    ),
    "cvmfs_download_attempts": (
        "service",
        [
            "(download) Verify downloaded url /.cvmfspublished, proxy http://ca-proxy.cern.ch:3128 (curl error 7)    "
            "[05-09-2023 12:10:10 UTC]",
            "(download) Trying again on same curl handle, same url: 1, error code 6    [05-09-2023 12:10:10 UTC]",
            "(download) backing off for 1428 ms    [05-09-2023 12:10:10 UTC]",
        ],
        "cvmfs/cvmfs-csi issue 77 (download.cc VerifyAndFinalize logs every attempt's curl status, then retries)",
    ),
    "libcvmfs_start_proxy": (
        "service",
        [
            "(libcvmfs) (manager 'standard') switching proxy from (none) to DIRECT. Reason: set random start proxy "
            "from the first proxy group [Current host: http://aws-eu-west-s1-sync.eessi.science/cvmfs/"
            "software.eessi.io]",
        ],
        "the EESSI documentation's cvmfs_shrinkwrap run (a client choosing its first proxy at start-up)",
    ),
    "bare_connect_refused": (
        "service",
        ["connect(): Connection refused", "Failed to initiate S1 connection. Attempting reconnection in 10 seconds"],
        "a public srsRAN log (a radio stack's link to its core, retried): no remote end a grid job depends on",
    ),
    "go_module_checksum": (
        "service",
        [
            "go: downloading k8s.io/apimachinery v0.28.3",
            "verifying github.com/oleiade/reflections@v1.0.0/go.mod: checksum mismatch",
        ],
        "a public grafana build log: go.sum against the module proxy (a build's dependency, not a storage transfer)",
    ),
    "web_api_key_401": (
        "service",
        ["- 401 Client Error: UNAUTHORIZED for url: https://api.sambanova.ai/v1/chat/completions"],
        "a public issue thread (the user's LLM API key was wrong): python-requests' 401 names no storage",
    ),
    "xrdcp_local_destination_3005": (
        "service",
        ["Run: [ERROR] Server responded with an error: [3005] no error (destination)"],
        "xrootd/xrootd issue 1776 (the local /tmp was full: no server failed)",
    ),
    "xrootd_checksum_of_a_missing_file": (
        "service",
        [
            "191030 09:11:25 7581 ofs_chksum: http Unable to checksum /cmsuf/test/data/store/mc/cmsuf/test.root; "
            "no such file or directory",
        ],
        "marked: xrootd/xrootd issue 1080's line with ENOENT's text, which XrdOfs.cc chksum() prints for a file that "
        "is not there (no storage failure: whose path?)",
    ),
    "retired_version_under_a_mounted_cvmfs": (
        "service",
        [
            "bash: /cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase/x86_64/root/6.04.16-HiggsComb-x86_64-slc6-gcc49-opt/"
            "bin/thisroot.sh: No such file or directory",
        ],
        "marked: the path a public HComb analysis script sources, with bash's message for a missing file (a "
        "version the job chose, which ATLASLocalRootBase retires; the repository itself is mounted)",
    ),
    "samweb_client_retry": (
        "service",
        ["HTTP error: 503 Service Unavailable: retrying in 1 s"],
        "marked: illingwo/sam-web-client http_client_requests.py's retry message ('%s: retrying in %d s' after "
        "'HTTP error: %d %s'); its failure is the SAMWebHTTPError raised when the attempts run out",
    ),
    "python_socket_enotconn": (
        "service",
        [
            "Traceback (most recent call last):",
            '  File "recv.py", line 16, in <module>',
            "    recv_msg: bytes = socket_.recv(bufsize)",
            "OSError: [Errno 107] Transport endpoint is not connected",
        ],
        "a public socket tutorial's console output: recv() on a socket the script never connected (its own code)",
    ),
    "dns_name_does_not_exist": (
        "service",
        [
            "backend-1  |     raise last_error or exceptions.TargetServerAttributeNotMatched(",
            "backend-1  | socket.gaierror: [Errno -2] Name or service not known",
        ],
        "a public course report's container log: the backend was configured with a host name that does not exist",
    ),
    "localhost_backend_never_started": (
        "service",
        ["Output: `curl: (7) Failed to connect to localhost port 3001` (`HTTP_STATUS:000`)."],
        "a public smoke-test report: the job's own backend container crashed at start-up (nothing listened)",
    ),
    "vault_token_needs_a_login": (
        "service",
        ["Authentication needed for myservice", "htgettoken: Polling for response took longer than 2 minutes"],
        "fermitools/managed-tokens vaultToken tests: the submitter never completed the login (their action)",
    ),
    "an_apps_own_login": (
        "service",
        ["[AUTH] Failed to obtain token"],
        "a public script's log: its own OAuth login to a web API failed (no grid token service involved)",
    ),
}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_near_misses_do_not_get_the_verdict(name):
    forbidden, lines, _source = NEAR_MISSES[name]
    v = diagnose(lines, PACKS)
    assert v.category != forbidden, (v.signature, v.reason)


def test_the_same_texts_still_decide_where_they_are_the_failure():
    """Narrowing must not blind: the final failure of each client keeps its verdict."""
    finals = [
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='cmsweb.cern.ch', port=8443): Max retries "
        "exceeded with url: /dbs/prod/global/DBSReader/files (Caused by NewConnectionError('<urllib3.connection."
        "HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))",
        "(download) make it a host failure    [05-09-2023 12:10:12 UTC]",
        "connect to fndcadoor.fnal.gov port 2880 failed: Connection timed out",
        "gfal-copy error: 1 (Operation not permitted) - TRANSFER ERROR: Copy failed (streamed). Last attempt: HTTP "
        "401 : Authentication Error",
    ]
    for line in finals:
        v = diagnose([line], PACKS)
        assert precision.side(v) == "service", (line, v.signature, v.reason)


@pytest.mark.parametrize(("used_mb", "want"), [(1990.0, "resource"), (200.0, "service")])
def test_xrdcp_local_disk_full_is_settled_by_the_jobs_disk_use(used_mb, want):
    """'[3005] no error (destination)' is xrdcp's own disk: the job's record says whose (its request or the node)."""
    job = Job(id="1.0", schedd="s", cluster=1, proc=0, disk_request_kb=2000 * 1024, disk_used_kb=used_mb * 1024)
    v = diagnose(["Run: [ERROR] Server responded with an error: [3005] no error (destination)"], PACKS, job=job)
    assert v.category == want, (v.signature, v.reason)
