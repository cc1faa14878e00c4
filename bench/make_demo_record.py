"""Write opgtui/demo/data/history_record.long: SYNTHETIC finished jobs for the demo's Stats view.

In the shape of the demo's other ``condor_history -long`` records (every ad says ``OpgtuiSynthetic = true``): a
DUNE simulation batch that chirped its phases (gen, g4, reco) into ``ChirpOpgPhases``, with Purdue-Brown clearly
less CPU-efficient than the other sites and some jobs evicted and restarted at UCSD and Nebraska
(``CumulativeSlotTime`` > ``CommittedSlotTime``: badput), and a NOvA keep-up batch whose logs carry opg-phase
markers, six of which (at Purdue-Brown) exited 0 having processed no events (flagged by the demo's data-quality check).

    python bench/make_demo_record.py
"""

from __future__ import annotations

import random
from pathlib import Path

ANCHOR = 1_795_600_000  # the demo's "now" (opgtui/demo/build.py)
OUT = Path(__file__).resolve().parent.parent / "opgtui" / "demo" / "data" / "history_record.long"
SITES = {
    "FNAL_GPGrid": ("fnpc{n:04d}.fnal.gov", 0.86),
    "Wisconsin": ("e{n}.chtc.wisc.edu", 0.88),
    "Purdue-Brown": ("brown-a{n}.rcac.purdue.edu", 0.38),
    "UCSD": ("cabinet-{n}.t2.ucsd.edu", 0.83),
    "Nebraska": ("red-c{n:04d}.unl.edu", 0.84),
    "MIT": ("t2bat{n:04d}.cmsaf.mit.edu", 0.85),
}
CPUS = [
    "AMD EPYC 7763 64-Core Processor",
    "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
    "Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz",
    "AMD EPYC 7502 32-Core Processor",
]


def _ad(
    rng: random.Random,
    exp: str,
    cluster: int,
    proc: int,
    batch: str,
    site: str,
    out: str,
    phases: list[tuple[str, float]] | None,
) -> str:
    host, eff = SITES[site]
    owner, group, script = (
        ("dunepro", "group_dune.prod.dunepro", "run_lar.sh")
        if exp == "dune"
        else ("novapro", "group_nova.prod.novapro", "reco_keepup.sh")
    )
    wall = int(rng.lognormvariate(8.6, 0.35))
    evicted = int(wall * rng.uniform(0.3, 0.9)) if site in ("UCSD", "Nebraska") and rng.random() < 0.45 else 0
    end = ANCHOR - rng.randint(600, int(2.6 * 86400))
    start = end - wall
    eff_job = min(max(rng.gauss(eff, 0.04), 0.05), 0.99)
    cpu = wall * eff_job
    lines = {
        "Cmd": f'"/fife/local/scratch/uploads/{exp}/{owner}/{script}"',
        "Iwd": '"DEMO_DIR"',
        "Out": f'"{out}"',
        "Err": f'"{out}"',
        "Owner": f'"{owner}"',
        "User": f'"{owner}@fnal.gov"',
        "QDate": end - wall - evicted - rng.randint(300, 7200),
        "ClusterId": cluster,
        "ProcId": proc,
        "GlobalJobId": f'"jobsub02.fnal.gov#{cluster}.{proc}#{end - wall - evicted - 7200}"',
        "JobsubJobId": f'"{cluster}.{proc}@jobsub02.fnal.gov"',
        "JobBatchName": f'"{batch}"',
        "AccountingGroup": f'"{group}"',
        "x509UserProxyVOName": f'"{exp}"',
        "JobStatus": 4,
        "ExitCode": 0,
        "ExitBySignal": "false",
        "JobStartDate": start - evicted,
        "JobCurrentStartDate": start,
        "CompletionDate": end,
        "EnteredCurrentStatus": end,
        "RemoteWallClockTime": f"{wall + evicted}.0",
        "CumulativeSlotTime": f"{wall + evicted}.0",
        "CommittedSlotTime": f"{wall}.0",
        "CommittedTime": wall,
        "NumJobStarts": 2 if evicted else 1,
        "RemoteUserCpu": f"{cpu * 0.97:.1f}",
        "RemoteSysCpu": f"{cpu * 0.03:.1f}",
        "RequestCpus": 1,
        "RequestMemory": 4000,
        "MemoryUsage": rng.randint(1500, 3800),
        "RequestDisk": 10000000,
        "DiskUsage": rng.randint(200000, 4000000),
        "BytesSent": f"{rng.randint(200, 900) * 1048576}.0",
        "TransferOutputFiles": '"out.root,hist.root"',
        "LastRemoteHost": f'"slot1_{rng.randint(1, 8)}@glidein_{rng.randint(1000, 99999)}@'
        f'{host.format(n=rng.randint(100, 999))}"',
        "MATCH_EXP_JOB_GLIDEIN_Site": f'"{site}"',
        "MachineAttrGLIDEIN_Site0": f'"{site}"',
        "MachineAttrCPUModel0": f'"{rng.choice(CPUS)}"',
        "OpgtuiSynthetic": "true",
    }
    if phases:
        events, t, c = [], float(start), 0.0
        for name, share in phases:
            dt = wall * share
            events.append(f"start,{name},{t:.1f},{c:.1f}")
            t, c = t + dt, c + dt * eff_job * rng.uniform(0.8, 1.1)
            events.append(f"end,{name},{t:.1f},{c:.1f},0")
        lines["ChirpOpgPhases"] = '"' + ";".join(events) + '"'
    return "\n".join(f"{k} = {v}" for k, v in lines.items())


def main() -> None:
    rng = random.Random(20261125)
    ads = []
    sites = list(SITES)
    for proc in range(90):
        ads.append(
            _ad(
                rng,
                "dune",
                88500100,
                proc,
                "dune_fd_mcc12_sim",
                sites[proc % len(sites)],
                "logs/success.log",
                [("gen", 0.08), ("g4", 0.62), ("reco", 0.3)],
            )
        )
    for proc in range(36):
        out = "logs/no_events.log" if proc % 6 == 2 else "logs/reco_phases.log"
        ads.append(_ad(rng, "nova", 88500200, proc, "nova_reco_keepup_r51240", sites[proc % len(sites)], out, None))
    OUT.write_text(
        "# SYNTHETIC job ads for the opgtui demo (bench/make_demo_record.py): not real jobs\n" + "\n\n".join(ads) + "\n"
    )
    print(f"wrote {len(ads)} ads to {OUT}")


if __name__ == "__main__":
    main()
