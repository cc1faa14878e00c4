"""Grid middleware and storage services in their own words, second breadth pass (Rucio's exception messages as the
CLI prints them, FTS3's own failures, ...): each message text taken from the service's source gets the verdict of
whose failure it states; texts that do not say whose failure it was stay unknown."""

from __future__ import annotations

import pytest
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# The signatures this pass added, by pack: every example (the source's own message text) must be matched by that
# signature and get its verdict (a broader signature of the same verdict may decide it first).
ADDED = {
    "catalogs": (
        "rucio_request_invalid",
        "rucio_transfer_tool_wrong_answer",
        "rucio_upload_storage_refused",
        "rucio_client_usage_refused",
        "crab_taskworker_server_failure",
        "crab_task_options_refused",
        "rucio_download_checksum_failed",
    ),
    "transfers": ("fts_server_own_failure", "fts_source_not_online", "fts_tape_step_timed_out"),
    "grid": (
        "panda_pilot_site_configuration_failed",
        "arc_ce_own_failure",
        "panda_server_service_failure",
        "cms_site_local_config_broken",
    ),
    "eos": ("eos_mgm_filesystems_unavailable",),
    "containers": ("apptainer_node_configuration_refused",),
    "dirac": ("dirac_service_unreachable_or_overloaded",),
    "ifdh": ("ifdh_usage_refused",),
    "filesystems": ("lustre_client_evicted", "lustre_connection_lost_recovering"),
    "credentials": ("voms_server_unreachable", "htgettoken_vault_answer_incomplete"),
    "xrootd": ("xrootd_tpc_refused_by_server_configuration", "xrootd_http_tpc_server_failure"),
    "dcache": (
        "dcache_namespace_overloaded",
        "dcache_no_pool_to_serve",
        "dcache_site_configuration_missing",
        "dcache_stage_attempts_exceeded",
    ),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_services_own_message_gets_the_verdict_its_meaning_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


def test_rucio_input_validation_alone_is_not_the_callers():
    """InputValidationError's message is also what a client regression gives for a valid command (rucio/rucio issue
    6280): it decides nothing alone."""
    lines = [
        "2023-08-01 10:00:00,000\tERROR\tThere is an error with one of the input parameters.",
        "Details: The keys did, pfn, and rse are mandatory",
    ]
    verdict = diagnose(lines, PACKS)
    assert verdict.category == "unknown"


def test_a_bare_file_is_unavailable_is_not_dcaches():
    """dCache's "File is unavailable." decides only after the exception's name or a door's prefix."""
    verdict = diagnose(["Warning: File is unavailable. Using the cached copy."], PACKS)
    assert verdict.signature != "dcache_no_pool_to_serve"


def test_the_added_signatures_load_without_errors():
    """A signature whose example does not match its pattern is dropped at load: none of these packs' may be."""
    assert not [error for error in PACKS.errors if any(f"/{pack}.yaml:" in error for pack in ADDED)]


@pytest.mark.parametrize(
    "line",
    [
        "2024-05-02 10:11:12,345\tERROR\tDatabase exception.",
        "2024-05-02 10:11:12,345 ERROR Database exception.",
    ],
)
def test_rucio_database_exception_as_the_cli_prints_it_is_the_servers(line):
    """rucio/rucio exception.py DatabaseException, printed by the CLI with its log prefix (tab- or space-separated)."""
    assert diagnose([line], PACKS).signature == "rucio_server_or_rse_unavailable"
