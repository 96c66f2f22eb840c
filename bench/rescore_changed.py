"""What ``score --changed`` costs after a trust recompute, next to rescoring everyone.

    python bench/rescore_changed.py [--subjects 20000] [--moved 0.01]

Builds the demo population of ``--subjects`` subjects in a temporary SQLite ledger
(ingest, trust, every subject scored; untimed), then appends a trust version in which a
share ``--moved`` of the subjects have a new value (half of them a bin higher) and times:

* finding the changed set (``changed_subjects``: queries and two snapshot versions
  compared, no scoring);
* ``rescore(only_changed=True)``: finding them, scoring them, storing their scores
  and change notices;
* ``rescore`` of everyone, as ``score`` without ``--changed`` would.

Prints each time (wall seconds), how many subjects were rescored and stored, and
checks that exactly the moved subjects were stored and that their notices name the
trust version.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from glasscredit import app
from glasscredit.config import Settings
from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.scoring import Scorer, changed_subjects, rescore, score_notices

T0 = parse_timestamp("2026-09-01T00:00:00Z")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=20_000)
    ap.add_argument("--moved", type=float, default=0.01)
    args = ap.parse_args()
    clock = [T0]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        with app.Context.open(settings, clock=lambda: clock[0]) as ctx:
            t = time.perf_counter()
            app.demo(ctx, subjects=args.subjects)
            print(
                f"setup (demo: ingest, trust, score {args.subjects:,}): "
                f"{time.perf_counter() - t:.1f} s"
            )
            led = ctx.ledger
            current = led.snapshots.values("trust", T0)
            assert current is not None
            values = dict(current.iter_rows())
            rng = random.Random(7)
            moved = sorted(rng.sample(sorted(values), int(len(values) * args.moved)))
            for i, s in enumerate(moved):  # half within their bin, half across one
                step = 0.35 if i % 2 else 1e-6
                values[s] = values[s] + step if values[s] + step <= 1.0 else values[s] - step
            t1 = T0 + DAY_US
            clock[0] = t1
            v = led.snapshots.append("trust", t1, values, made_at_us=t1, actor="bench")
            scorer = Scorer(led)

            t = time.perf_counter()
            found = changed_subjects(scorer, t1)
            find_s = time.perf_counter() - t
            t = time.perf_counter()
            run = rescore(scorer, t1, t1, only_changed=True)
            changed_s = time.perf_counter() - t
            t = time.perf_counter()
            everyone = rescore(scorer, t1 + 1, t1 + 1)
            all_s = time.perf_counter() - t
            print(f"trust version v{v.version}: {len(moved):,} of {len(values):,} values moved")
            print(f"find the changed set:        {find_s:8.2f} s  ({len(found):,} subjects)")
            print(
                f"score --changed (all steps): {changed_s:8.2f} s  (rescored "
                f"{run.subjects:,}, stored {run.stored:,}, notices {run.changed:,})"
            )
            print(f"score everyone:              {all_s:8.2f} s  ({everyone.subjects:,} subjects)")
            print(f"causes: {run.causes}")
            ok = found == moved and run.stored == len(moved)
            cause = f"trust recomputed (snapshot v{v.version})"
            ok = ok and all(
                cause in n["causes"] for s in moved for n in score_notices(scorer, s)[-1:]
            )
            print(
                "exactly the moved subjects, each notice naming the trust version:",
                "yes" if ok else "NO",
            )
            return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
