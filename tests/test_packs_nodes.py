"""The node under the job and the workload system around it, as real logs show them (quoted from the public threads
named): Kubernetes evictions (the node's pressure against the pod's own limit), NVIDIA Xid numbers read through
their table, cloud interruptions, Slurm's and Torque's words for a node that could not launch a job or a job over
its memory, and framework and pilot lines that say whose failure it is."""

from __future__ import annotations

import pytest

from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

REAL = {
    # cloud-ark/kubeplus issue 1382: the node's ephemeral storage below the kubelet threshold.
    "k8s_node_low_on_disk": (
        "service",
        [
            "Status:       Failed",
            "Reason:       Evicted",
            "Message:      The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, "
            "available: 1883424Ki. Container helmer was using 10304Ki, request is 10Mi, has larger consumption of "
            "ephemeral-storage.",
        ],
    ),
    # operate-first/apps issue 1352: two compute nodes with DiskPressure.
    "k8s_node_condition": ("service", ["  phase: Failed", "  message: 'Pod The node had condition: [DiskPressure]. '"]),
    # NVIDIA/NVSentinel issue 155 (dmesg).
    "gpu_off_the_bus_dmesg": (
        "service",
        [
            "[ 1843.308145] NVRM: The NVIDIA GPU 0000:b3:00.0",
            "               NVRM: (PCI ID: 10de:26b5) installed in this system has",
            "               NVRM: fallen off the bus and is not responding to commands.",
        ],
    ),
    # NVIDIA/open-gpu-kernel-modules issue 1151: the driver's own Xid line.
    "xid_79_line": ("service", ["May 18 19:02:39 kernel: NVRM: Xid (PCI:0000:2b:00): 79, GPU has fallen off the bus."]),
    # stas00/ml-engineering (debug.md): a row remapping event, the GPU's memory.
    "xid_63_row_remap": (
        "service",
        [
            "NVRM: Xid (PCI:0000:10:1c): 63, pid=1896, Row Remapper: New row marked for remapping, "
            "reset gpu to activate."
        ],
    ),
    # runs-on/runs-on issue 277: AWS's two-minute spot interruption notice.
    "aws_spot_interruption": (
        "service",
        [
            '18:32:36.273 [i-01f7ddd103dc478c0/cloud-init-output] {"level":"warn","time":"2025-03-31T16:32:36Z",'
            '"message":"Instance is going to be interrupted in 2 minutes. Exiting..."}'
        ],
    ),
    # c3nl-neuraldynamics/c3nl_cluster issue 24: nodes that failed to re-register after a reboot.
    "slurm_launch_failed": ("service", ["launch failed requeued held"]),
    # cBio/cbio-cluster issue 251: no memory requested, the default 1 GB, 2.5 GB used.
    "torque_mem_hard_limit": (
        "resource",
        [
            "PBS Job Id: 3132467.mskcc-fe1.local",
            "job deleted",
            "Job deleted at request of root@mskcc-fe1.local",
            "job 3132467 exceeded MEM usage hard limit (2528 > 1126)",
        ],
    ),
    # cms-sw/cmssw issue 40951: a module asks for CUDAService, which a CPU job's configuration does not load.
    "cmssw_service_not_configured": (
        "code",
        [
            "   [16] Calling method for EventSetup module PixelCPEFastESProducerPhase2/'pixelCPEFastESProducerPhase2'",
            "Exception Message:",
            "Service Request unable to find requested service with compiler type name ' CUDAService'.",
        ],
    ),
    # SBNSoftware/sbndcode issue 153: an fcl erased a service LArG4 still asks for.
    "art_service_not_configured": (
        "code",
        [" ServicesManager unable to find the service of type 'phot::PhotonVisibilityService'."],
    ),
    # dmwm/CRABServer issue 5029: no CMS python on the worker node.
    "crab_no_cms_python": (
        "service",
        [
            "Error: Unable to find a CMS version of python.",
            "CRAB3 requires the CMS version of python to function.",
            "sh: ./DashboardFailure.sh: No such file or directory",
        ],
    ),
    # DIRACGrid/DIRAC issue 5758: the payload was Done, the pilot's JobAgent failed and rescheduled it.
    "dirac_jobagent_exception": (
        "service",
        [
            "2021-12-29 08:22:37 UTC None/JobWrapper[18515732] INFO: Final job status Done ; Execution Complete",
            "2021-12-29 08:22:38 UTC WorkloadManagement/JobAgent ERROR: Exception in submission",
            "Traceback (most recent call last):",
            '  File "/home/condor/execute/dir_57112/DIRAC_1QbyEipilot/diracos/lib/python3.9/site-packages/DIRAC/'
            'WorkloadManagementSystem/Agent/JobAgent.py", line 272, in execute',
        ],
    ),
    # A training job on Jean Zay (public log): a node of the step went down; the aborted step and the other
    # tasks' CANCELLED lines follow from it.
    "srun_node_failure": (
        "service",
        [
            "** Finished validation **",
            "srun: error: Node failure on jean-zay-iam37",
            "srun: Job step aborted: Waiting up to 62 seconds for job step to finish.",
        ],
    ),
    # Spark on Kubernetes losing an executor: the kubelet preempted it for a critical pod.
    "k8s_preempted_for_critical_pod": (
        "service",
        [
            "The executor with id 12 exited with exit code -1(unexpected).",
            "The API gave the following brief reason: Preempting",
            "The API gave the following message: Preempted in order to admit critical pod",
        ],
    ),
    # A site guide's example: the submit directory is not on the compute node (the submitter's).
    "slurm_workdir_missing_on_node": (
        "code",
        [
            "slurmstepd-ideafix09: error: couldn't chdir to `/data/ucct/bi/scratch_tmp/bi': No such file or "
            "directory: going to /tmp instead",
            "/usr/bin/cat: test_file.txt: No such file or directory",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_logs_get_the_shifters_verdict(name: str) -> None:
    want, lines = REAL[name]
    v = diagnose(lines, PACKS)
    assert precision.side(v) == want, (v.signature, v.reason)


def test_an_xid_the_table_sends_to_the_application_is_no_hardware_verdict():
    """Xid 31 (GPU memory page fault) is an illegal address of the application as often as the hardware."""
    v = diagnose(["NVRM: Xid (PCI:0000:10:1c): 31, pid=1896, MMU Fault"], PACKS)
    assert v.category == "unknown" and v.signature == "rule:nvidia_xid_31", v.reason


def test_a_pod_over_its_own_ephemeral_storage_limit_needs_more_disk():
    """The kubelet's message for the pod's own limit (pkg/kubelet/eviction/helpers.go), as a tenant notice quotes it:
    the request, not the node."""
    v = diagnose(['Container wordpress exceeded its local ephemeral storage limit "2048Mi". '], PACKS)
    assert (v.category, v.action) == ("resource", "resubmit with more disk"), v.reason


@pytest.mark.parametrize(
    ("line", "want"),
    [
        # The LSF exit reasons as IBM's termination-reason table words them (quoted by LSF tools' own tables).
        ("TERM_THREADLIMIT: Job killed after reaching LSF thread limit", "unknown"),
        ("TERM_BUCKET_KILL: Job killed with bkill -b", "unknown"),
        ("TERM_CPULIMIT: Job was killed after it reached LSF CPU usage limit (12)", "resource"),
        ("TERM_DEADLINE: Job was killed after deadline expires (6)", "resource"),
        (
            "TERM_CWD_NOTEXIST: Current working directory is not accessible or does not exist on the execution host",
            "unknown",
        ),
    ],
)
def test_lsf_exit_reasons_are_read_from_lsbatch_h(line: str, want: str) -> None:
    v = diagnose([line], PACKS)
    assert v.category == want, (v.signature, v.reason)
    assert v.signature is None or v.signature.startswith(("rule:lsf_term_", "lsf_")), v.signature
