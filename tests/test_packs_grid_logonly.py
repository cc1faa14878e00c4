"""Grid and storage knowledge taken from the kinds of evidence a shifter reading the log alone used on held-out sets
4-6 (tests/data/corpus/tune/*_h4.._h6, LOGONLY_LABELS.tsv), each backed by the primary source its pack header names:
every example (the source's own message text) gets its signature's verdict, and the real excerpts get the verdict
their thread concluded."""

from __future__ import annotations

import pytest
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

ADDED = {
    "cvmfs": ("cvmfs_fuse_dead",),
    "credentials": ("user_certificate_revoked_gsi", "user_credential_files_unusable"),
    "dcache": (
        "dcache_tpc_transfer_manager_lost",
        "dcache_internal_state_error",
        "dcache_space_reservation_not_usable",
    ),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_message_gets_the_verdict_its_source_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


# name: (expected verdict, lines quoted verbatim from the tuning corpus, the thread and what it concluded)
THREADS = {
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


def test_a_revoked_host_certificate_is_not_the_submitters():
    line = (
        "The certificate has been revoked: Serial number = 1234 (0x4D2) "
        "Subject=/DC=ch/DC=cern/OU=computers/CN=eosatlas.cern.ch"
    )
    assert diagnose([line], PACKS).signature != "user_certificate_revoked_gsi"
