"""Demo production requests in every state of the workflow, made through the same operations as the form
and the CLI (so their audit trails are real), linked to the demo's batches."""

from __future__ import annotations

from typing import Any

from opgtui.config import Config
from opgtui.domain.requests import Refused
from opgtui.ops.request_ops import create, edit, set_priority, transition
from opgtui.store import Store

HOUR = 3600.0

# (requester, experiment, title, fields, steps): a step is (who, action, hours before now, extra).
DEMO: list[tuple[str, str, str, dict[str, Any], list[tuple[str, str, float, dict[str, Any]]]]] = [
    (
        "carol",
        "nova",
        "NOvA FD GENIE MC v3 (numu + nue, 2026 geometry)",
        {
            "contact": "carol@example.org",
            "workflow": "mc",
            "input_dataset": "(generation: none)",
            "fhicl": ["prodgenie_nu_fd_v3.fcl", "reco_fd.fcl"],
            "release": "development-2026.11",
            "events": 1_500_000,
            "files": 600,
            "cpu_hours": 3.5,
            "memory_mb": 3500,
            "disk_gb": 8,
            "wall_hours": 6,
            "output": ["/pnfs/nova/production/mc/genie_fd_v3"],
            "services": ["samweb", "dcache", "cvmfs"],
            "deadline": "2026-12-15",
            "requested_priority": "3",
            "batches": ["nova_mc_genie_fd_v3"],
            "notes": "Needed for the winter conference numu analysis.\nReuse the v2 flux files.",
        },
        [
            ("carol", "submit", 70, {}),
            ("dave", "approve", 69, {}),
            ("alice", "approve", 48, {}),
            ("novapro", "schedule", 30, {}),
            ("novapro", "start", 26, {}),
        ],
    ),
    (
        "novapro",
        "nova",
        "NOvA keep-up reconstruction, run 51234",
        {
            "contact": "nova-prod@example.org",
            "workflow": "keepup",
            "input_dataset": "nova_raw_fd_r51234",
            "fhicl": ["reco_keepup_fd.fcl"],
            "release": "S26-11-20",
            "events": 420_000,
            "files": 150,
            "cpu_hours": 1.2,
            "memory_mb": 2500,
            "wall_hours": 2,
            "output": ["/pnfs/nova/production/keepup"],
            "services": ["samweb", "dcache"],
            "requested_priority": "4",
            "batches": ["nova_reco_keepup_r51234"],
        },
        [
            ("novapro", "submit", 12, {}),
            ("bob", "approve", 11, {"priority": 4}),
            ("novapro", "schedule", 10, {}),
            ("novapro", "start", 9, {}),
        ],
    ),
    (
        "erin",
        "dune",
        "ProtoDUNE-SP reco2 reprocessing, 2026b",
        {
            "contact": "erin@example.org",
            "workflow": "reprocessing",
            "input_dataset": "pdsp_raw_2026b_goodruns",
            "fhicl": ["protoDUNE_reco2_data.fcl"],
            "release": "v10_02_01",
            "files": 150,
            "memory_mb": 4000,
            "wall_hours": 8,
            "output": ["/pnfs/dune/tape_backed/pdsp/reco2"],
            "services": ["samweb", "dcache", "xrootd"],
            "deadline": "2026-12-01",
            "requested_priority": "2",
            "batches": ["dune_pdsp_reco2_2026b"],
        },
        [("erin", "submit", 50, {}), ("alice", "approve", 40, {}), ("dunepro", "schedule", 20, {})],
    ),
    (
        "frank",
        "dune",
        "DUNE FD MCC12 generation, 1x2x6",
        {
            "contact": "frank@example.org",
            "workflow": "mc",
            "fhicl": ["mcc12_gen_fd1x2x6.fcl"],
            "release": "v10_01_00",
            "events": 200_000,
            "cpu_hours": 2,
            "memory_mb": 3000,
            "wall_hours": 4,
            "output": ["/pnfs/dune/persistent/mcc12"],
            "requested_priority": "2",
            "batches": ["dune_fd_mcc12_gen"],
        },
        [("frank", "submit", 3, {})],
    ),
    ("carol", "nova", "NOvA numu ND merge of reco files", {"workflow": "merge", "fhicl": ["merge_nd.fcl"]}, []),
    (
        "grace",
        "nova",
        "NOvA cosmics reprocessing with the old calibration",
        {
            "contact": "grace@example.org",
            "workflow": "reprocessing",
            "input_dataset": "nova_cosmics_fd_2025",
            "fhicl": ["reco_cosmics.fcl"],
            "release": "S25-01-10",
            "events": 3_000_000,
        },
        [
            ("grace", "submit", 96, {}),
            (
                "bob",
                "reject",
                90,
                {"reason": "Calibration v9 is retired; resubmit with the S26 release and calib v11."},
            ),
        ],
    ),
]


def add_demo_requests(store: Store, cfg: Config, now: float) -> None:
    """The demo's requests with their histories (a refused approval included, as it would be recorded)."""
    for requester, experiment, title, fields, steps in DEMO:
        start = max([s[2] for s in steps], default=1.0) + 2
        req = create(store, cfg, requester, experiment, title, fields, now=now - start * HOUR)
        if requester == "carol" and steps:
            req = edit(
                store, cfg, req, "carol", fields={"events": fields["events"] // 3 * 2}, now=now - (start - 1) * HOUR
            )
            req = edit(store, cfg, req, "carol", fields={"events": fields["events"]}, now=now - (start - 1.5) * HOUR)
        for who, action, hours, extra in steps:
            try:
                if action == "priority":
                    req = set_priority(store, cfg, req, who, extra["priority"])
                else:
                    req = transition(
                        store,
                        cfg,
                        req,
                        action,
                        who,
                        extra.get("reason", ""),
                        extra.get("priority"),
                        now=now - hours * HOUR,
                    )
            except Refused:
                continue  # recorded in the audit trail, as in real life
