"""The network/TLS, DIRAC and Fermilab-client (ifdh, SAMweb, jobsub) packs and the DIRAC error table: every
signature's example lines decide its verdict alone, and excerpts quoted in public threads get the verdict the
thread concluded (a network or TLS failure is the service's, a URL or JDL the submitter wrote is code, a
DIRAC status that only says the application failed stays unknown, a job that exited 0 gets no verdict)."""

from __future__ import annotations

import pytest
import yaml

from classifiers import PACK_DIR
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)
BY_ID = {c.signature.id: c for c in PACKS.compiled}
OURS = ("network", "dirac", "ifdh")
CASES = [
    (raw["id"], line)
    for pack in OURS
    for raw in yaml.safe_load((PACK_DIR / f"{pack}.yaml").read_text(encoding="utf-8"))["signatures"]
    for line in (raw["example"], *raw.get("examples", []))
]


def test_the_packs_load_and_name_their_sources():
    assert {c.signature.pack for c in PACKS.compiled} >= set(OURS)
    for name in (*OURS, "codes/dirac"):
        head = (PACK_DIR / f"{name}.yaml").read_text(encoding="utf-8").split("\n", 1)[0]
        assert head.startswith("#"), name
        assert "source" in (PACK_DIR / f"{name}.yaml").read_text(encoding="utf-8").lower()


@pytest.mark.parametrize(("sid", "line"), CASES, ids=[f"{s}-{n}" for n, (s, _) in enumerate(CASES)])
def test_each_example_line_gives_its_signatures_verdict(sid, line):
    """What a shifter sees for that one line is what the pack says (no other pack's signature hides it)."""
    sig = BY_ID[sid].signature
    v = diagnose([line], PACKS)
    assert precision.side(v) == sig.category, (sid, v.signature, v.reason)
    if sig.category != "unknown":
        assert v.signature == sid or BY_ID[v.signature].signature.category == sig.category, v.signature
    else:
        assert sid in {e.signature for e in v.evidence} or v.signature == sid, v.evidence


# Real excerpts, verbatim (cut to the lines that matter): (expected verdict, lines, source).
REAL = {
    "gnutls_pull_function": (
        "service",
        [
            "Error: fatal: unable to access 'https://github.com/xxx/xxx/': gnutls_handshake() failed: "
            "Error in the pull function.",
        ],
        "actions/checkout issue 1411 (intermittent, a rerun fixes it)",
    ),
    "curl_gnutls_recv": (
        "service",
        [
            "curl: (56) GnuTLS recv error (-54): Error in the pull function.",
        ],
        "curl/curl issue 1707 (a network problem, not curl's)",
    ),
    "squid_connect_fail": (
        "service",
        [
            "< HTTP/1.1 503 Service Unavailable",
            "< X-Squid-Error: ERR_CONNECT_FAIL 111",
            "* Received HTTP code 503 from proxy after CONNECT",
            "* Closing connection 0",
            "curl: (56) Received HTTP code 503 from proxy after CONNECT",
        ],
        "ChatSecure/ChatSecure-iOS issue 1092 (the proxy could not reach the server)",
    ),
    "java_pkix": (
        "service",
        [
            'Exception in thread "main" retrofit.RetrofitError: sun.security.validator.ValidatorException: PKIX path '
            "building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
            "certification path to requested target",
            "\tat retrofit.RetrofitError.networkError(RetrofitError.java:27)",
            "Caused by: javax.net.ssl.SSLHandshakeException: sun.security.validator.ValidatorException: PKIX path "
            "building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
            "certification path to requested target",
        ],
        "lysine-dev/retrofit issue 745 (the server's chain is not in the client's trust store)",
    ),
    "go_unknown_authority": (
        "service",
        [
            'Get "https://ipgw.neu.edu.cn/srun_cas.php?ac_id=1": x509: certificate signed by unknown authority',
        ],
        "neucn/ipgw pull request 34 (closed: a temporary network error)",
    ),
    "requests_invalid_schema": (
        "code",
        [
            "Traceback (most recent call last):",
            '  File "/usr/lib/python3.10/site-packages/requests/sessions.py", line 792, in get_adapter',
            '    raise InvalidSchema(f"No connection adapters were found for {url!r}")',
            "requests.exceptions.InvalidSchema: No connection adapters were found for "
            "'tcp://REDACTED:443/api/http/routers'",
        ],
        "tiredofit/docker-traefik-cloudflare-companion issue 82 (the configured URL had the wrong scheme)",
    ),
    "voms_expired_certificate_with_spurious_crl": (
        "code",
        [
            "wilco:~ andreaceccanti$ voms-proxy-init -voms test.vo --cert .globus/expired.p12 -verify",
            "Enter GRID pass phrase for this identity:",
            "Certificate validation error: Certificate has expired on: Fri Dec 02 01:00:00 CET 2011",
            "Certificate validation error: No valid CRL was found for the CA which issued the chain Cause: No CRLs "
            'found for issuer "CN=Test CA, O=IGI, C=IT"',
            "User credential is not valid!",
        ],
        "eu-emi/canl-java issue 46 (the certificate expired; the CRL error is spurious)",
    ),
    "dirac_input_data_slashes": (
        "code",
        [
            "2013-05-13 05:27:32 UTC WorkloadManagement/JobSanity   INFO: [JID 547989] Set to Failed/Input data "
            "contains // ",
        ],
        "DIRACGrid/DIRAC issue 1462 (the job's input data list)",
    ),
    "dirac_exit_status_errno_text": (
        "unknown",
        [
            "Key has expired ( 127 : submit Exited With Status 127)",
        ],
        "DIRACGrid/DIRAC issue 7776 (the payload's own exit status 127 printed with an errno text: no credential "
        "expired, and the status alone does not say why the payload failed)",
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_excerpts(name):
    expected, lines, _source = REAL[name]
    v = diagnose(lines, PACKS)
    assert v.category == expected, (name, v.signature, v.reason)


def test_a_dirac_error_number_names_its_meaning():
    v = diagnose(["Invalid job description ( 1501 : Failed to parse JDL)"], PACKS)
    assert (v.category, v.signature) == ("code", "rule:dirac_1501")
    v = diagnose(["Error with the gfal call ( 1602 : Failed to put file to storage element)"], PACKS)
    assert (precision.side(v), v.signature) == ("service", "rule:dirac_1602")


def test_the_submitters_own_expired_certificate_stays_with_the_credentials_pack():
    """A certificate that "has expired" after "certificate verify failed" is the server's; X509_verify_cert()'s is
    the submitter's own."""
    assert diagnose(["X509_verify_cert() failed: certificate has expired"], PACKS).category == "code"
    assert diagnose(["curl: (60) SSL certificate problem: certificate has expired"], PACKS).category == "service"


def test_a_network_failure_before_a_missing_output_is_the_cause():
    """ifdh's "file does not exist!" for a declared output is the consequence of the SAM timeout before it."""
    v = diagnose(
        [
            "samweb_client.exceptions.SAMWebConnectionError: https://samweb.fnal.gov:8483/sam/nova/api/x: Timed out "
            "waiting for response",
            "Exception: nu_reco_001234.root: file does not exist!",
        ],
        PACKS,
    )
    assert v.category == "service", v.reason


def test_a_job_that_exited_0_after_retried_connections_gets_no_verdict():
    v = diagnose(
        [
            "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
            "broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed "
            "to establish a new connection: [Errno 111] Connection refused')': /simple/numpy/",
            "Successfully installed numpy-1.26.4",
        ],
        PACKS,
        exit_code=0,
    )
    assert v.category == "unknown" and v.signature is None, v.reason


def test_a_stalled_dirac_job_takes_its_cause_from_the_lines_before():
    """The Watchdog's "stalled" says the payload hung, not why: a network failure before it is the cause."""
    v = diagnose(
        [
            "connect to fndcadoor.fnal.gov port 2880 failed: Connection timed out",
            "JobID=7788 Status=Failed; MinorStatus=Watchdog identified this job as stalled; Site=LCG.CERN.cern;",
        ],
        PACKS,
    )
    assert v.category == "service", v.reason
    assert diagnose(["Watchdog identified this job as stalled"], PACKS).category == "unknown"
