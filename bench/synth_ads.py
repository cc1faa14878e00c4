"""SYNTHETIC job ads for scale tests, from the real shapes the demo uses (bench/make_demo_data.py):
NOvA/DUNE owners and batches, FermiGrid and OSG sites, real hold reasons and exit codes, realistic CPU/wall.
Every ad carries ``OpgtuiSynthetic = true``.

    python bench/synth_ads.py 100000 --json out.json --long out.long
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import classad2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_demo_data import ANCHOR, BATCHES, SITES, base_ad, finish, hold, host_for, run_on


def synth_ads(n: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    ads = []
    cluster = 90_000_000
    for i in range(n):
        if i % 500 == 0:
            cluster += rng.randint(1, 9)
        ad = base_ad(rng, cluster, i % 500, rng.choice(BATCHES))
        start = ad["QDate"] + rng.randint(60, 3 * 3600)
        wall = rng.randint(600, 8 * 3600)
        roll = rng.random()
        if roll < 0.30:
            ad.update({"JobStatus": 1, "EnteredCurrentStatus": ad["QDate"]})
        elif roll < 0.55:
            run_on(rng, ad, ANCHOR - wall, wall)
            ad.update({"JobStatus": 2, "EnteredCurrentStatus": ANCHOR - wall})
        elif roll < 0.65:
            run_on(rng, ad, start, wall)
            site = rng.choice(list(SITES))
            host = host_for(rng, site)
            reason, code, sub = rng.choice([
                (f"Error from slot1_3@{host}: Job has gone over cgroup memory limit of 2000 megabytes. Last "
                 "measured usage: 2104 megabytes.  Consider resubmitting with a higher request_memory.", 34, 102),
                (f"Error from slot1_1@{host}: Transfer input files failure at execution point slot1_1@{host} "
                 "using protocol https. Details: curl_easy_perform() failed (6): 'Couldn't resolve host name'", 13, 0),
                ("The job attribute PeriodicHold expression 'RemoteWallClockTime > 86400' evaluated to TRUE", 3, 0),
                (f"Error from slot1_2@{host}: Job has exceeded allocated disk (10000000). Consider increasing the "
                 "value of request_disk.", 34, 104),
            ])
            hold(ad, start + wall, reason, code, sub)
        else:
            run_on(rng, ad, start, wall)
            code = rng.choices([0, 1, 65, 137, 90], weights=[80, 8, 4, 4, 4])[0]
            finish(ad, start + wall, code) if rng.random() > 0.02 else finish(ad, start + wall, None, 11)
        ads.append(ad)
    return ads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--long", type=Path)
    args = ap.parse_args()
    ads = synth_ads(args.n)
    if args.json:
        args.json.write_text(json.dumps(ads))
    if args.long:
        with args.long.open("w") as fh:
            for ad in ads:
                fh.write(classad2.ClassAd(ad).printOld() + "\n")


if __name__ == "__main__":
    main()
