"""Code tables as data: each names its source, loads without errors, and the numbers a log states map through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers import PACK_DIR
from opgtui.diagnosis import precision
from opgtui.diagnosis.codes import bundled_tables, load_table, load_tables
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.rules import exit_code_findings, hold_findings
from opgtui.diagnosis.signatures import PackSet, load_packs, mention_signatures

TABLES = (
    "htcondor_hold",
    "errno",
    "signal",
    "cmssw",
    "wmagent",
    "panda_pilot",
    "art",
    "xrootd",
    "xrdcl",
    "xrdcp",
    "torque",
    "cvmfs",
    "curl",
    "dcache",
    "atlas_trf",
    "rucio",
    "http",
)


@pytest.fixture(scope="module")
def packs():
    return load_packs(plugins=False)


def test_every_table_names_its_primary_source_in_its_header():
    tables = bundled_tables()
    assert tables.errors == []
    assert set(TABLES) <= set(tables.tables)
    for path in (PACK_DIR / "codes").glob("*.yaml"):
        head = path.read_text(encoding="utf-8").split("\ntable:", 1)[0]
        assert "Primary source:" in head, path.name


def test_the_whole_hold_code_table_is_there():
    hold = bundled_tables().tables["htcondor_hold"]
    assert set(range(0, 49)) <= set(hold.codes)  # condor_holdcodes.h: 0 Unspecified .. 48 HookShadowPrepareJobFailure
    assert set(range(1000, 1020)) <= set(hold.codes)  # the vacate codes
    assert hold.codes[34].name == "JobOutOfResources" and hold.codes[13].name == "TransferInputError"


def test_cmssw_and_wmagent_codes_cover_the_documented_ranges():
    t = bundled_tables()
    assert set(range(8001, 8037)) - {8029} <= set(t.tables["cmssw"].codes) | {8029}
    assert {7000, 7001, 7002, 8501, 9000} <= set(t.tables["cmssw"].codes)
    assert t.get("wmagent", 8021).name == "FileReadError"  # WMAgent reports cmsRun's own codes: the fallback


@pytest.mark.parametrize(
    ("line", "category", "action", "signature"),
    [
        ("cmsRun exited with code 8021", "service", "retry", "rule:cmssw_8021"),
        ("Job failed with exit code 8031", "resource", "resubmit with more memory", "rule:cmssw_8031"),
        ("        Fatal Exception (Exit code: 8028)", "service", "retry", "rule:cmssw_8028"),
        ("Job exit code 50664", "resource", "resubmit with more time", "rule:wmagent_50664"),
        ("        PerformanceKill (Exit code: 50660)", "resource", "resubmit with more memory", "rule:wmagent_50660"),
        ("Job finished with exit code 60322", "code", "debug", "rule:wmagent_60322"),
        ("pilotErrorCode: 1212", "resource", "resubmit with more memory", "rule:panda_pilot_1212"),
        ("pilot error code 1099", "service", "retry", "rule:panda_pilot_1099"),
        ("PilotException: 1151: stage-in timed out", "service", "retry", "rule:panda_pilot_1151"),
        (
            "[ERROR] Server responded with an error: [3012] Internal server error",
            "service",
            "retry",
            "rule:xrootd_3012",
        ),
        ("Art has completed and will exit with status 9.", "code", "debug", "rule:art_status_9"),
        ("art exit status 68", "resource", "resubmit with more memory", "rule:art_status_68"),
        ("lar exited with status 90", "code", "debug", "rule:art_status_90"),  # LArSoft's art executable
        (
            "XrdCl::File::Open(name='root://x.org//a.root') => error '[ERROR] Operation expired' (errno=0, code=206)",
            "service",
            "retry",
            "rule:xrdcl_206",
        ),
        (
            "Original error: '[ERROR] Server responded with an error: (errno=3012, code=400)'",
            "service",
            "retry",
            "rule:xrootd_3012",
        ),  # code=400 only says "an error response": the kXR code on the same line decides
        ("xrdcp exited with 51", "service", "retry", "rule:xrdcp_51"),
        ("    exit_status = -11", "resource", "resubmit with more time", "rule:torque_-11"),  # qstat -f, Torque
        (
            "CernVM-FS: loading Fuse module... Failed to initialize cache (9 - cache directory/plugin problem)",
            "service",
            "retry",
            "rule:cvmfs_9",
        ),
        # curl's exit codes, whichever libcurl client quotes them (curl(1), davix via FTS, the CVMFS client).
        ("curl: (52) Empty reply from server", "service", "retry", "rule:curl_52"),
        ("curl: (3) URL using bad/illegal format or missing URL", "code", "debug", "rule:curl_3"),
        ("curl: (22) The requested URL returned error: 404", "unknown", "look at the log", "rule:curl_22"),
        (
            "SOURCE [112] Result curl error (56): Failure when receiving data from the peer after 1 attempts",
            "service",
            "retry",
            "rule:curl_56",
        ),
        (
            "(download) Verify downloaded url /.cvmfspublished, proxy http://ca-proxy.cern.ch:3128 (curl error 7)    "
            "[05-09-2023 12:10:10 UTC]",
            "service",
            "retry",
            "rule:curl_7",
        ),
        # dCache's CacheException return codes (CacheException.java toString()).
        (
            "CacheException(rc=10006;msg=Request to [>PnfsManager@local] timed out.)",
            "service",
            "retry",
            "rule:dcache_10006",
        ),
        ("CacheException(rc=10008;msg=File exists)", "code", "debug", "rule:dcache_10008"),
        # Rucio's exception classes (lib/rucio/common/exception.py), by the qualified class name a traceback prints.
        (
            "rucio.common.exception.RSEBlacklisted: RSE excluded; not available for writing.",
            "service",
            "retry",
            "rule:rucio_RSEBlacklisted",
        ),
        (
            "rucio.common.exception.InvalidPath: The path provided is invalid.",
            "code",
            "debug",
            "rule:rucio_InvalidPath",
        ),
        (
            "rucio.common.exception.CannotAuthenticate: Cannot authenticate.",
            "unknown",
            "look at the log",
            "rule:rucio_CannotAuthenticate",
        ),
        # HTTP status codes (RFC 9110) in the forms gfal2/davix, python-requests and urllib print them.
        (
            "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
            "<https://pypi.org/pypi/devonboarder/0.1.0/json>",
            "service",
            "retry",
            "rule:http_503",
        ),
        ("urllib.error.HTTPError: HTTP Error 503: Service Unavailable", "service", "retry", "rule:http_503"),
        (
            "gfal-sum error: 1 (Operation not permitted) - HTTP 403 : Permission refused ",
            "unknown",
            "look at the log",
            "rule:http_403",
        ),
        (
            "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: https://x.org/api",
            "code",
            "debug",
            "rule:http_400",
        ),
        # ATLAS transforms' exit acronyms (trfExitCodes.py), as the job report and the pilot print them.
        ('  "exitAcronym": "TRF_ARG_MISSING",', "code", "debug", "rule:atlas_trf_TRF_ARG_MISSING"),
        ("...exitAcronym=TRF_EXEC_TIMEOUT", "resource", "resubmit with more time", "rule:atlas_trf_TRF_EXEC_TIMEOUT"),
        (
            '  "exitAcronym": "TRF_EXEC_VALIDATION_FAIL",',
            "unknown",
            "look at the log",
            "rule:atlas_trf_TRF_EXEC_VALIDATION_FAIL",
        ),
        # Grid Engine's failure codes as qacct's "failed" column shows them (the shepherd states, SSTATE_*).
        ("failed       28  : changing into working directory", "service", "retry", "rule:sge_28"),
        ("failed       26  : opening input/output file", "code", "debug", "rule:sge_26"),
        ("failed       100 : assumedly after job", "unknown", "look at the log", "rule:sge_100"),
        # Athena's own exit codes (AthenaCommon/python/ExitCodes.py), as athena.py prints them when it leaves.
        (
            'Py:Athena            INFO leaving with code 8: "an unknown exception occurred"',
            "unknown",
            "look at the log",
            "rule:athena_8",
        ),
        (
            'Py:Athena            INFO leaving with code 2: "an error occurred when including a file"',
            "code",
            "debug",
            "rule:athena_2",
        ),
    ],
)
def test_codes_stated_in_log_text_map_through_the_tables(line, category, action, signature):
    tables = bundled_tables()
    only_tables = PackSet(mention_signatures(tables), tables=tables)  # the tables alone, whatever the packs say
    v = diagnose(["starting the payload", line], only_tables)
    assert (precision.side(v), v.signature) == (category, signature), v.reason
    # a code the precision rule holds back alone keeps its action in its reason: "probably service (retry): ..."
    assert v.action == action or v.reason.startswith(f"probably {category} ({action})"), v.reason
    assert v.evidence[0].line == 2 and v.evidence[0].text == line


def test_art_exit_status_65_is_named_but_not_judged(packs):
    v = diagnose(["art exit status 65"], packs)
    assert v.category == "unknown" and "cet::exception" in v.title


def test_job_exit_codes_above_255_are_a_wrappers_report():
    [f] = exit_code_findings(8028)
    assert (f.category, f.signature) == ("service", "rule:exit_8028") and "FallbackFileOpenError" in f.title
    [f] = exit_code_findings(50662)
    assert f.action == "resubmit with more disk"
    [f] = exit_code_findings(1235)  # PanDA: payload exceeded the maximum allowed memory
    assert f.category == "resource"
    [f] = exit_code_findings(32512)  # system()'s raw wait status: exit 127, command not found
    assert f.signature == "rule:exit_32512" and "Command not found" in f.title and "exit 127" in f.title
    [f] = exit_code_findings(4242)
    assert f.category == "unknown" and f.priority < 0


def test_errno_subcodes_are_named():
    [f] = hold_findings(12, 5)
    assert "errno 5 EIO: Input/output error" in f.title
    [f] = hold_findings(13, 28)  # an explicit pair wins over the bare errno
    assert f.category == "service" and "no space" in f.title


def test_a_hold_event_stated_in_the_log_is_read(packs):
    v = diagnose(["012 (123.000.000) 01/02 10:00:00 Job was held.", "\tCode 34 Subcode 104"], packs)
    assert (v.signature, v.action) == ("rule:hold_34_104", "resubmit with more disk")


def test_bad_tables_are_reported_one_line_each(tmp_path: Path):
    codes = tmp_path / "codes"
    codes.mkdir()
    (codes / "bad.yaml").write_text(
        "table: bad\ncodes:\n"
        "  - {code: 1, category: nonsense}\n"
        "  - {code: 2, category: resource}\n"
        "  - {code: x}\n"
        "  - {code: 3, category: code, meaning: fine}\n"
        "  - {code: 4, categry: code}\n"
        "mentions:\n"
        "  - {pattern: 'exit (\\d+)', example: 'exit 3'}\n"
        "  - {pattern: 'code (?P<code>\\d+)', example: 'nothing here'}\n"
        "  - {pattern: 'code (?P<code>\\d+)'}\n"
        "tabel: x\n"
    )
    (codes / "notyaml.yaml").write_text("table: [unclosed\n")
    tables = load_tables([codes])
    bad = str(codes / "bad.yaml")
    assert f"{bad}:1: source: names no primary source ('source:')" in tables.errors
    assert f"{bad}:3: codes[0].category: category 'nonsense' is not one of service, code, resource, unknown" in (
        tables.errors
    )
    assert any(e.startswith(f"{bad}:4: codes[1].action: a resource entry names its action") for e in tables.errors)
    assert f"{bad}:5: codes[2].code: expected a whole number, got a string" in tables.errors
    assert f"{bad}:7: codes[4].categry: unknown key (did you mean 'category'?)" in tables.errors
    assert f"{bad}:9: mentions[0].pattern: the pattern needs a (?P<code>...) group" in tables.errors
    assert f"{bad}:10: mentions[1].example: its example does not match the pattern: 'nothing here'" in tables.errors
    assert f"{bad}:11: mentions[2].example: required key is missing" in tables.errors
    assert f"{bad}:12: tabel: unknown key (did you mean 'table'?)" in tables.errors
    assert any(e.startswith(f"{codes / 'notyaml.yaml'}:2: not valid YAML") for e in tables.errors)
    assert all("\n" not in e for e in tables.errors) and len(tables.errors) == 10
    assert set(tables.tables["bad"].codes) == {3}  # a bad entry is skipped, the rest of its table kept


def test_a_table_header_that_does_not_fit_drops_the_table_on_one_line(tmp_path: Path):
    (tmp_path / "t.yaml").write_text("table: t\nsource: s\ndefaults: [1]\ncodes: []\n")
    errors: list[str] = []
    assert load_table(tmp_path / "t.yaml", errors) is None
    assert errors == [f"{tmp_path / 't.yaml'}:3: defaults: expected a mapping, got a list"]


def test_the_table_schema_is_what_the_bundled_tables_use():
    from opgtui.core.yamlspec import json_schema
    from opgtui.diagnosis.codes import TableSpec

    schema = json_schema(TableSpec)
    entry = schema["$defs"]["EntrySpec"]
    assert entry["required"] == ["code"] and entry["additionalProperties"] is False
    assert "resource" in entry["properties"]["category"]["enum"]
    assert set(schema["$defs"]["TableSpec"]["properties"]) == {
        "table",
        "title",
        "source",
        "defaults",
        "fallback",
        "errno_subcodes",
        "codes",
        "subcodes",
        "mentions",
        "names",
    }


def test_a_configured_directory_adds_its_own_table(tmp_path: Path):
    (tmp_path / "codes").mkdir()
    (tmp_path / "codes" / "mywrapper.yaml").write_text(
        "table: mywrapper\ntitle: wrapper status\nsource: our wrapper's README\n"
        "codes:\n  - {code: 17, meaning: 'SAM project ended early', category: service, service: samweb}\n"
        "mentions:\n  - {pattern: 'wrapper status (?P<code>\\d+)', example: 'wrapper status 17'}\n"
    )
    packs = load_packs([tmp_path], plugins=False)
    assert packs.errors == []
    v = diagnose(["wrapper status 17"], packs)
    assert (precision.side(v), v.signature, v.title) == (
        "service",
        "rule:mywrapper_17",
        "wrapper status 17: SAM project ended early",
    )


def test_a_pack_may_point_its_numbers_at_a_table(tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        "pack: p\nsignatures:\n"
        "  - {id: mine, pattern: 'payload status (\\d+)', category: unknown, action: look at the log, "
        "title: t, example: 'payload status 8031', numbers: cmssw}\n"
        "  - {id: nowhere, pattern: 'other (\\d+)', category: unknown, action: look at the log, "
        "title: t, example: 'other 1', numbers: notatable}\n"
    )
    packs = load_packs([tmp_path], plugins=False)
    assert any("'nowhere': numbers names no code table 'notatable'" in e for e in packs.errors)
    v = diagnose(["payload status 8031"], packs)
    assert (v.category, v.signature) == ("resource", "rule:cmssw_8031")


def test_table_file_loads_alone():
    errors: list[str] = []
    t = load_table(PACK_DIR / "codes" / "cmssw.yaml", errors)
    assert errors == [] and t is not None and t.names["filereaderror"].code == 8021


def test_a_code_stated_in_the_hold_reason_is_read(packs):
    v = diagnose([], packs, hold_code=3, hold_reason="The job's wrapper said: Job exit code 50664")
    assert (v.signature, v.action) == ("rule:wmagent_50664", "resubmit with more time")
    assert v.evidence[0].line is None
