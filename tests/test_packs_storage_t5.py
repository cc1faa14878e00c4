"""Storage, data access and the services a job reads from (EOS FUSE, Lustre, dCache pools, DBS, package servers,
CRAB's transfer system, OSDF directors, XRootD checksums): real excerpts quoted in public threads get the verdict
the thread concluded, and the lines that do not say whose a failure was stay unknown instead of guessing."""

from __future__ import annotations

import pytest

from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# name: (expected verdict, the signature that must decide, lines quoted verbatim, the thread and its conclusion).
THREADS = {
    "eosxd_credential_store_abort": (
        "service",
        "eosxd_credential_store_unusable",
        [
            "# eosxd -f  -ofsname=servername /eos",
            "# no config file for local overwrites",
            "# dead mount detected - forcing 'umount -l /eos'",
            "terminate called after throwing an instance of 'FatalException'",
            "  what():  Cannot stat uuid-store repository: ",
            "Aborted",
        ],
        "cern-eos/eos issue 37 (the node's eosxd configuration lacked its credential-store; not a job's bug)",
    ),
    "lustre_ost_mount_eio": (
        "service",
        "lustre_mount_failed",
        [
            "# mount -t lustre zfs_pool_scsi0QEMU_QEMU_HARDDISK_disk3/testfs-OST0001 /mnt/testfs-OST0001mount.lustre: "
            "mount zfs_pool_scsi0QEMU_QEMU_HARDDISK_disk3/testfs-OST0001 at /mnt/testfs-OST0001 failed: Input/output "
            "error",
            "Is the MGS running?",
            "# echo $?",
            "5",
        ],
        "whamcloud/integrated-manager-for-lustre issue 235 (the Lustre side, retried)",
    ),
    "dcache_pool_size_mismatch": (
        "service",
        "dcache_file_size_mismatch",
        [
            "14 Feb 2024 19:43:32 (badger2_lhcbtape) [door:webdav443-webdav-cert@webdav443-webdav-certDomain:AAYRW+AXJ"
            "/A RemoteTransferManager PoolAcceptFile 0000FDC8B5A00545419DB4E5C6C88D535787] Transfer failed in post-pro"
            "cessing: File size mismatch (expected=5368709120, actual=0)",
        ],
        "dCache/dcache issue 7511 (the site's tape pool stopped flushing)",
    ),
    "conda_503_en_masse": (
        "service",
        "package_server_5xx",
        [
            "error    libmamba Failed to download package from https://conda.anaconda.org/conda-forge/osx-64/lzo-2.10-h4"
            "132b18_1002.conda (status 503)",
            "critical libmamba Multi-download failed. Reason: Transfer finalized, status: 503 [https://conda.anaconda.o"
            "rg/conda-forge/osx-64/lzo-2.10-h4132b18_1002.conda] 3940 bytes",
            "error    libmamba Error when extracting package: Thread interrupted",
            "libc++abi: terminating due to uncaught exception of type mamba::thread_interrupted: Thread interrupted",
        ],
        "conda/infrastructure issue 1205 (conda.anaconda.org answered 503 to 10-20% of downloads)",
    ),
    "dbs_unreachable": (
        "service",
        "dbs_unreachable",
        [
            "2018-11-09 17:28:24,326:ERROR:ProdException:DBSReaderError",
            "Message: Can't contact DBS at https://cmsweb.cern.ch/dbs/prod/global/DBSReader, got errors Instantiating "
            "DBS3Reader failed with 'USER'",
        ],
        "dmwm/WMCore issue 8912 (the TaskWorker every now and then cannot talk to DBS)",
    ),
    "dataset_not_in_dbs_instance": (
        "code",
        "dbs_dataset_not_in_instance",
        [
            ',["brosser", "150623_045039:brosser_crab_Tbar_tW-channel-DR_TuneZ2star_8TeV-powheg-tauola_scaleup", "Canno'
            "t find dataset /Tbar_tW-channel-DR_TuneZ2star_8TeV-powheg-tauola/StoreResults-Summer12_DR53X-PU_S10_START"
            '53_V7A-v1_TLBSM_53x_v3-99bd99199697666ff01397dad5652e9e/USER in DBS"]',
            "2015-06-23 06:51:41,247:DEBUG:Handler:Traceback (most recent call last):",
        ],
        "dmwm/CRABServer issue 4846 (USER datasets live in another DBS instance than the one asked)",
    ),
    "aso_transfers_timed_out": (
        "service",
        "crab_aso_transfer_timeout",
        [
            "Tue, 31 Jan 2017 17:51:54 CET(+0000):INFO:PostJob Got statuses: done, acquired; 24.0 hours since transfer "
            "submit.",
            "Tue, 31 Jan 2017 17:51:54 CET(+0000):WARNING:PostJob Post-job reached its timeout of 86400 seconds "
            "waiting for ASO transfers to complete. Will cancel on",
        ],
        "dmwm/CRABServer issue 5364 (transfers stuck 'acquired' in ASO for 24 h)",
    ),
    "parrot_libcvmfs_lock_on_site_filesystem": (
        "service",
        "parrot_cvmfs_unavailable",
        [
            "2017/09/15 09:07:01.90 parrot_run[154777] <child:154779> cvmfs: [ERROR] could not acquire lock (524)",
            "2017/09/15 09:07:01.90 parrot_run[154777] <child:154779> cvmfs: ERROR: failed to initialize cvmfs (-4)",
        ],
        "cooperative-computing-lab/cctools issue 1737 (libcvmfs could not lock on the site's home file system)",
    ),
    "dbs_database_failover_during_submission": (
        "service",
        "oracle_service_error",
        [
            "2023-06-19 13:48:08,001:ERROR:Handler:Problem handling 230619_114726:hindrich_crab_TTto4Q_Hdamp-158_Tune",
            "CP5_13p6TeV_powheg-pythia8 because of DBSReaderError",
            "HTTPError:HTTP Error 400: DBSError Code:103 Description:DBS DB query error, e.g. mailformed SQL statemen",
            "t Function:dbs.filesummaries.FileSummaries Message: Error: nested DBSError Code:102 Description:DBS DB t",
            "ransaction error Function:dbs.executeAll Message: Error: ORA-25408: can not safely replay call",
        ],
        "dmwm/CRABServer issue 7676 (two submissions failed on DBS's database; ORA-25408 is a RAC failover that "
        "WMCore retries)",
    ),
    "official_lfn_not_on_eos": (
        "service",
        "xrootd_3011_catalogued_path",
        [
            "Failed to open the file 'root://eoscms//eos/cms/store/data/Run2011A/Cosmics/RAW/v1/000/160/960/049F6443-"
            "8E53-E011-A943-003048F117EA.root?svcClass=default'",
            "      [b] XrdCl::File::Open(name='root://eoscms//eos/cms/store/data/Run2011A/Cosmics/RAW/v1/000/160/960/0"
            "49F6443-8E53-E011-A943-003048F117EA.root?svcClass=default', flags=0x10, permissions=0660) => error '[ERR"
            "OR] Server responded with an error: [3011] Unable to open file /eos/cms/store/data/Run2011A",
        ],
        "cms-sw/cmssw issue 17631 (data availability: the input file is not on EOS; rerun once it is there)",
    ),
    "cvmfs_client_panic": (
        "service",
        "cvmfs_client_crashed",
        [
            "root@CRUSH-OG-10-5-159-115:~# ls /cvmfs/singularity.opensciencegrid.org",
            "Mar 28 15:41:09 CRUSH-OG-10-5-159-115 cvmfs2[1229151]: (cvmfs-config.cern.ch) PANIC: /home/sftnight/jenk"
            "ins/workspace/CvmfsFullBuildDocker/CVMFS_BUILD_ARCH/docker-x86_64/CVMFS_BUILD_PLATFORM/ubuntu20>",
            "                                                       cache manager disappeared, aborting",
            "Mar 28 15:41:09 CRUSH-OG-10-5-159-115 cvmfs2[1229540]: (cvmfs-config.cern.ch) unexpected termination (0)",
        ],
        "cvmfs/cvmfs issue 2883 (the client panicked under automount: a CVMFS client bug on the node)",
    ),
    "docker_cannot_bind_an_unmounted_cvmfs": (
        "service",
        "docker_cvmfs_bind_source_missing",
        [
            "docker: Error response from daemon: error while creating mount source path '/cvmfs/cms.cern.ch/SITECONF':"
            " mkdir /cvmfs/cms.cern.ch: permission denied.",
        ],
        "dmwm/CRABServer issue 7881 (/cvmfs/cms.cern.ch vanished under autofs and did not remount)",
    ),
    "osdf_director_timed_out": (
        "service",
        "osdf_metadata_timeout",
        [
            "error while querying the director at https://osdf-director.osg-htc.org: dial tcp 128.105.82.132:443: "
            "i/o timeout"
        ],
        "PelicanPlatform/pelican client test TestTransferErrorDirectorTimeout (Transfer.DirectorTimeout: retryable)",
    ),
    "osdf_namespace_without_origins": (
        "code",
        "osdf_namespace_not_found",
        [
            "ERROR[2025-09-24T16:28:56-05:00] error while querying the director at https://osdf-director.osg-htc.org: "
            "404: No sources found for the requested path: no origins found for the requested namespace "
            "'/YOUR_NAMESPACE/test/upload-test.01.txt': Request ID: 7f9e370a-98a0-41db-801b-5c3fd42791d1"
        ],
        "the OSDF documentation's upload guide (the error for a namespace the user forgot to change)",
    ),
}


@pytest.mark.parametrize(("want", "sid", "lines", "source"), list(THREADS.values()), ids=list(THREADS))
def test_each_thread_excerpt_gets_the_verdict_its_thread_concluded(want, sid, lines, source):
    verdict = diagnose(lines, PACKS)
    assert (precision.side(verdict), verdict.signature) == (want, sid), (source, verdict.reason)


# Lines that say something failed but not whose: a confident verdict on them would be a guess.
UNDECIDED = {
    "xrdcp_checksum_error": (
        # xrootd/xrootd issue 972: an XCache transfer failed its adler32 check; the thread never found why (XrdCl's
        # errCheckSumError also covers a wrong expected value and an unknown checksum type).
        [
            "~ >xrdcp -f --cksum adler32:111b2fe1 root://xcache.mwt2.org:1094//root://xrootd.aglt2.org:1094//pnfs/a"
            "glt2.org/atlasdatadisk/rucio/data15_13TeV/96/bb/DESDM_EGAMMA.17824239._015051.pool.root.1 /dev/null",
            "[97.94MB/97.94MB][100%][==================================================][97.94MB/s]",
            "Run: [ERROR] CheckSum error",
        ]
    ),
    "osdf_director_500_for_a_retired_namespace": (
        # PelicanPlatform/pelican issue 874: the /osgconnect namespace was being retired; the director's 500 and the
        # client's unparsable-answer error say nothing about an outage.
        [
            "Director's response: &{500 Internal Server Error 500 HTTP/1.1 1 1 map[Content-Length:[0] Date:[Thu, 29 "
            "Feb 2024 19:46:37 GMT] Link:[<http://osdf-uw-cache.svc.osg-htc.org:8443/osgconnect/public/osg/testfile.t"
            'xt>; rel="duplicate"; pri=1...',
            "Error while querying the Director: Could not unmarshall the director's response: unexpected end of JSON "
            "input",
        ]
    ),
    "xrdcl_debug_line_with_3011_for_an_official_lfn": (
        # An XrdCl line below Error level reports a redirect step, not the job's failure.
        [
            "[2018-10-07 10:17:56.649103 -0400][Debug  ][XRootD            ] [llrxrd-redir.in2p3.fr:1094] Got a "
            "kXR_error response to request kXR_open (file: /store/data/Run2018C/Tau/NANOAOD/14Sep2018_ver3-v1/60000/"
            "6FA4CC7C-8982-DE4C-BEED-C90413312B35.root) [3011] No such file or directory",
        ]
    ),
    "rucio_service_unavailable_wrapping_nothing": (
        # rucio/rucio issue 2168: Rucio's protocol plugins re-raise any transfer error as ServiceUnavailable; here
        # the wrapped error is RucioException's default text, so nobody knows the cause.
        [
            "2019-02-08 05:53:00| 24559|rucio_sitemo| StageOut, attempt 2/2",
            "PilotException: PilotException: 1220: stageOut with API failed:  The requested service is not available "
            "at the moment.",
            "Details: An unknown exception occurred",
        ]
    ),
    "davix_404_on_a_new_file": (
        # root-project/root issue 9584: a 404 through Davix-S3 while creating a file; a 404 names the path, and
        # no replica was said to be lost.
        [
            "Error in <TDavixFile::DavixReadBuffer>: can not read data with davix: Result HTTP 404 : File not found , "
            "while  readding after 3 attempts (18)",
            "Error in <TDavixFile::Init>: s3s://minio-herd.cloud.cnaf.infn.it/dciangot/W0003.root failed to read the "
            "file type data.",
        ]
    ),
    "mamba_403_alone": (
        # chipsalliance/silicon-notebooks issue 7 (as quoted): a 403 from a channel is no server outage by itself.
        [
            "critical libmamba Multi-download failed. Reason: Transfer finalized, status: 403 [https://conda.anaconda."
            "org/main/linux-64/_libgcc_mutex-0.1-main.tar.bz2] 366 bytes",
        ]
    ),
}


@pytest.mark.parametrize("lines", list(UNDECIDED.values()), ids=list(UNDECIDED))
def test_lines_that_do_not_say_whose_stay_unknown(lines):
    verdict = diagnose(lines, PACKS)
    assert verdict.category == "unknown", f"{verdict.signature} decided: {verdict.reason}"


def test_a_dbs_database_error_alone_is_the_service_and_a_rejected_parameter_the_request():
    """dbs2go's own codes: 1xx database errors are DBS's (retry); a parameter it could not validate is the caller's."""
    line = "HTTPError:HTTP Error 400: DBSError Code:103 Description:DBS DB query error, e.g. mailformed SQL statemen"
    verdict = diagnose([line], PACKS)
    assert (precision.side(verdict), verdict.signature) == ("service", "rule:dbs_103"), verdict.reason
    rejected = line.replace("Code:103", "Code:113")
    assert diagnose([rejected], PACKS).category == "code"


def test_a_recovered_3011_for_an_official_lfn_does_not_outweigh_the_codes_own_exception():
    """A site's [3011] for an official LFN that the fallback then served, and later the job's own ProductNotFound
    (two real excerpts, cms-sw/cmsdist pull request 2340 and cms-sw/cmssw issue 24981, put together): the code's
    exception decides, the missing replica only when nothing of the job's own says otherwise."""
    lines = [
        "160627 11:59:38 27471 Xrd: CheckErrorStatus: Server [eoscms.cern.ch] declared: Unable to open file /eos/cms/"
        "store/relval/CMSSW_5_3_6-START53_V14/RelValProdTTbar/AODSIM/v2/00000/76ED0FA6-1E2A-E211-B8F1-001A92971B72.r"
        "oot; No such file or directory(error code: 3011)",
        "27-Jun-2016 11:59:38 CEST  Fallback request to file root://xrootd-cms.infn.it//store/relval/CMSSW_5_3_6-STA"
        "RT53_V14/RelValProdTTbar/AODSIM/v2/00000/76ED0FA6-1E2A-E211-B8F1-001A92971B72.root",
        "----- Begin Fatal Exception 23-Oct-2018 22:01:30 CEST-----------------------",
        "An exception of category 'ProductNotFound' occurred while",
        "   [0] Processing  Event run: 1 lumi: 1 event: 1 stream: 2",
        "Exception Message:",
        "Principal::getByToken: Found zero products matching all criteria",
        "----- End Fatal Exception -------------------------------------------------",
    ]
    assert diagnose(lines, PACKS).category == "code"
    assert diagnose(lines[:2], PACKS).signature == "xrootd_3011_catalogued_path"
