"""Storage and data-access services in their own words (CVMFS's trust chain and FUSE errors, EOS's MGM answers,
dCache's doors, gfal2's transfer errors, SRM statuses, the Pelican client's parameter errors): each message text
taken from the service's source gets the verdict of whose failure it states, real excerpts from public threads get
the verdict their thread concluded, and texts that do not say whose failure it was stay unknown."""

from __future__ import annotations

import pytest
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# The signatures this breadth pass added, by pack: every example (the source's own message text) must be matched by
# that signature and get its verdict (a broader signature of the same verdict may decide it first), so a shifter who
# sees the line gets the verdict the source's meaning gives.
ADDED = {
    "cvmfs": (
        "cvmfs_repository_trust_failed",
        "cvmfs_stratum_trust_retry",
        "cvmfs_fuse_eio",
        "cvmfs_cache_object_corrupt",
        "cvmfs_server_certificate_invalid",
        "cvmfs_cache_too_small_for_catalog",
        "cvmfs_mount_helper_refused",
        "cvmfs_cache_manager_failed",
        "cvmfs_fuse_dead",
    ),
    "eos": ("eos_mgm_no_free_space", "eos_mgm_no_replica_available"),
    "dcache": (
        "dcache_door_internal_timeout",
        "dcache_staging_not_allowed",
        "dcache_space_manager_unavailable",
        "dcache_pool_disabled",
        "dcache_dcap_data_connection_lost",
        "dcache_replica_broken",
        "dcache_tpc_transfer_manager_lost",
        "dcache_internal_state_error",
        "dcache_space_reservation_not_usable",
    ),
    "transfers": (
        "gfal_destination_exists_no_overwrite",
        "gfal_user_checksum_disagrees",
        "srm_destination_exists",
        "gridftp_server_cannot_store_or_serve",
        "gridftp_request_refused_exists_or_not_directory",
        "davix_server_answer_unusable",
        "gfal_tape_rest_answer_malformed",
    ),
    "osdf": ("pelican_parameter_error", "pelican_cache_or_origin_failed"),
    "catalogs": ("rucio_scope_or_account_unknown",),
    "frontier": ("frontier_no_more_proxies",),
    "root": ("root_sys_read_io_error",),
    "xrootd": ("xrdcp_short_transfer", "xrdcp_command_line_refused", "xrootd_gsi_user_proxy_expired"),
    # Kinds the log-only readings of held-out sets 4-6 used (LOGONLY_LABELS.tsv): a certificate revoked or a key the
    # submitter holds, dCache naming its own state, a dead /cvmfs as Go prints it.
    "credentials": ("user_certificate_revoked_gsi", "user_credential_files_unusable"),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_services_own_message_gets_the_verdict_its_meaning_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


# name: (expected verdict, lines quoted verbatim, the thread and what its maintainers concluded)
THREADS = {
    "cvmfs_whitelist_signature_on_a_build_node": (
        "service",
        [
            "Sep  4 17:40:15 cmsbuild126.cern.ch cvmfs2[15200]: (singularity.opensciencegrid.org) switching host from "
            "http://klei.nikhef.nl:8000/cvmfs/singularity.opensciencegrid.org to http://cvmfs-egi.gridpp.rl.ac.uk:8000"
            "/cvmfs/singularity.opensciencegrid.org (reset host)",
            "Sep  4 17:40:15 buildnode cvmfs2[6596]: (unpacked.cern.ch) whitelist verification failed (6): invalid "
            "whitelist signature",
            "Sep  4 17:40:15 buildnode cvmfs2[6596]: (unpacked.cern.ch) failed to fetch manifest (8 - bad whitelist), "
            "trying another stratum 1",
        ],
        "cvmfs/cvmfs issue 3384 (repositories stopped updating on a few nodes after the client update; reloading the"
        " client fixed it: the node's CVMFS, not the build)",
    ),
    "dcache_xrootd_door_internal_timeout": (
        "service",
        [
            "[cgamboa@spool1579 ~]$ xrdcp -f ",
            "root://dcdoor33.usatlas.bnl.gov:1094/pnfs/usatlas.bnl.gov/LOCALGROUPDISK/rucio/user/xiaoning/51/01/user."
            "xiaoning.34252511._000054.myFlow.root /dev/null",
            "[0B/0B][100%][==================================================][0B/s]  ",
            "Run: [ERROR] Server responded with an error: [3012] Internal timeout (source)",
        ],
        "dCache/dcache issue 7525 (two doors could not route to the pool; restarting the pool fixed it)",
    ),
    "dcache_door_timeout_not_logged": (
        "service",
        [
            "    > /usr/bin/xrdcp -d 1 -f root://prometheus.desy.de:1094/VOs/desy/generated/SET_testfile -",
            "    [2015-06-25 02:37:48.271670 +0200][Error  ][XRootD            ] [prometheus.desy.de:1094] Handling "
            "error while processing kXR_open (file: VOs/desy/generated/SET_testfile, mode: 00, flags: kXR_open_read "
            "kXR_async kXR_retstat ): [ERROR] Error response.",
            "    Run: [ERROR] Server responded with an error: [3012] Internal timeout",
        ],
        "dCache/dcache issue 1713 (the door timed out internally during DESY's periodic test)",
    ),
    "dcache_broken_replica_through_three_doors": (
        "service",
        [
            "$ curl  -L  -k -u admin:dickerelch https://localhost:2881/public/file-1644414738",
            "Internal problem: File is broken",
            "$ xrdcp -f root://localhost/public/file-1644414738 /dev/null",
            "[0B/0B][100%][==================================================][0B/s]",
            "Run: [ERROR] Server responded with an error: [3019] Failed to open file (File is broken [10004]) (source)",
            "cat: /mnt/public/file-1644414738: Input/output error",
        ],
        "dCache/dcache pull request 6555 (pools refuse to serve a replica marked broken; the doors now fail at once)",
    ),
    "uberftp_overwrite_refused_by_dcache": (
        "code",
        [
            "STOR /pnfs/grid.sara.nl/data/lsgrid/onnotest2017-06",
            "550 File exists",
            "/pnfs/grid.sara.nl/data/lsgrid/onnotest2017-06: Error with remote service during transfer.",
            "550 File exists",
        ],
        "JasonAlt/UberFTP issue 11 (the dCache backend does not allow overwrites; the upload asked to overwrite)",
    ),
    "rucio_did_name_the_script_mangled": (
        "code",
        [
            "finding tape source for all pending rules (takes some time...)",
            "Fatal exception in 'list_files' : Data identifier not found.",
            "Details: Data identifier 'cms:/%2FZeroBias%2FRun2024H-PromptReco-v1%2FAOD' not found",
        ],
        "dmwm/CRABServer issue 9373 (a monitoring script asked for a DID whose name it had URL-encoded)",
    ),
    "gsi_revoked_user_certificate_at_stageout": (
        "code",
        [
            "The certificate has been revoked: Serial number = -1 (0xFFFFFFFFFFFFFFFF) Subject=/DC=ch/DC=cern/"
            "OU=Organic Units/OU=Users/CN=gmelachr/CN=832741/CN=Georgios Melachroinos  530 End.",
        ],
        "dmwm/CRABServer issue 6173 (tune/grid_h5): the user's certificate had been revoked",
    ),
    "voms_proxy_init_cannot_process_the_users_key": (
        "code",
        [
            "% voms-proxy-init -rfc --voms cms --valid 192:00 -cert ~/.globus/usercert_cern.pem",
            "sslutils.c:3140:error:400003F5:lib(128)::processing key",
            "        File=/home/jgaessler/.globus/usercert_cern.pem",
        ],
        "italiangrid/voms issue 136 (tune/grid_h6): the certificate given did not match the user's key",
    ),
    "dcache_pool_manager_no_usable_pool": (
        "service",
        [
            '05.01 03:41:31 [door:RemoteTransferManager@srm-dcsrm03Domain:request] ["usatlas1":6435:31152:unknown] '
            "[0000DDC38CAA6D7C4E869C6EC3D4FBA8A0EF,0] [/pnfs/usatlas.bnl.gov/MCTAPE/mc20_13TeV/AOD.28864194._000061"
            '.pool.root.1] MCTAPE:MC@osm 12 12 {192:"Failed to select pool: PANIC : File not present in any '
            'reasonable pool"}',
        ],
        "dCache/dcache issue 7137 (tune/infra): the file's replicas were on no pool that could serve it",
    ),
    "dcache_space_manager_reads_an_attribute_it_never_loaded": (
        "service",
        [
            "02 Sep 2019 14:54:04 (SpaceManager) [door:webdav-ccdcatli302@webdav-ccdcatli302Domain:AAWRkMuH5+g "
            "pool-disk-sc3-li273a DoorTransferFinished 0000B39A4147B483418ABDAF548DB36166CC] Message processing "
            "failed: Attribute is not defined: SIZE",
        ],
        "dCache/dcache issue 5059 (tune/storage_h5): the space manager failed on its own code, the pool's space not "
        "released",
    ),
    "dcache_default_space_token_not_writable_in_its_link_group": (
        "service",
        [
            "/var/log/dcache/gridftp-dcdoor08Domain.log:22 Sep 2021 04:13:48 (GFTP-dcdoor08-15subnet-AAXMkRftiqg) "
            "[door:GFTP-dcdoor08-15subnet-AAXMkRftiqg@gridftp-dcdoor08Domain] Space reservation 10754482 may not be "
            "used for this write request [net=188.184.85.177,protocol=GFtp/2,store=LAKELOCALGROUPDISK:"
            "LAKELOCALGROUPDISK@osm,cache=,linkgroup=localgroup-disk-link-group]",
        ],
        "dCache/dcache issue 6068 (tune/storage_h4): the storage's link-group configuration refused the writes",
    ),
    "dcache_webdav_tpc_lost_by_transfer_manager": (
        "service",
        ["Transfer failed: failure: RemoteTransferManager restarted."],
        "dCache/dcache issue 6754 (tune/storage_h6): a second RemoteTransferManager lost the door's copies",
    ),
}


@pytest.mark.parametrize("name", sorted(THREADS))
def test_real_excerpts_get_the_verdict_their_thread_concluded(name):
    want, lines, source = THREADS[name]
    verdict = diagnose(lines, PACKS)
    assert verdict.category == want, (source, verdict.signature, verdict.reason)


def test_an_overwrite_that_the_storage_failed_is_not_the_callers_existing_file():
    """gfal2's DESTINATION OVERWRITE phase is the deletion of the old copy that overwrite asked for: when the SRM
    times out there, the storage failed, not the request."""
    line = (
        "Transfer failed with: [srm_resolve_turls][srm_resolve_put_turl] DESTINATION OVERWRITE [srm_plugin_prepare_dest"
        "_put][srm_plugin_delete_existing_copy][gfal_srm_unlinkG][gfal_srm_rm_srmv2_internal] error reported from srm_"
        "ifce, [SE][srmRm][SRM_INTERNAL_ERROR] Timed out"
    )
    verdict = diagnose([line], PACKS)
    assert verdict.category == "service", (verdict.signature, verdict.reason)


def test_a_caller_supplied_checksum_that_disagrees_is_not_called_a_corrupt_transfer():
    """A wrong expected value (a catalogue that dropped a leading zero) and a damaged replica print the same line."""
    line = "Source and user-defined ADLER32 do not match (0e4f1a2b != e4f1a2b)"
    verdict = diagnose([line], PACKS)
    assert verdict.category == "unknown", (verdict.signature, verdict.reason)


def test_a_stratum_the_cvmfs_client_failed_over_from_does_not_explain_a_later_crash():
    """A whitelist that one stratum 1 served badly is retried on the next: the segfault after it is the code's."""
    lines = [
        "(unpacked.cern.ch) whitelist verification failed (6): invalid whitelist signature",
        "(unpacked.cern.ch) failed to fetch manifest (8 - bad whitelist), trying another stratum 1",
        " *** Break *** segmentation violation",
    ]
    verdict = diagnose(lines, PACKS)
    assert verdict.category != "service", (verdict.signature, verdict.reason)


def test_cvmfs_warnings_that_it_recovered_from_give_no_failure():
    """The cache's free-space warning and an LRU database it rebuilt are not failures of the job's reads."""
    lines = [
        "(atlas.cern.ch) too little free space on the file system hosting the cache, 812 MB available",
        "(atlas.cern.ch) LRU database corrupted, re-building",
        "(atlas.cern.ch) switching proxy from http://squid1:3128 to http://squid2:3128 (host returned HTTP error)",
    ]
    verdict = diagnose(lines, PACKS)
    assert verdict.category == "unknown", (verdict.signature, verdict.reason)


def test_a_revoked_host_certificate_is_not_the_submitters():
    line = (
        "The certificate has been revoked: Serial number = 1234 (0x4D2) "
        "Subject=/DC=ch/DC=cern/OU=computers/CN=eosatlas.cern.ch"
    )
    assert diagnose([line], PACKS).signature != "user_certificate_revoked_gsi"
