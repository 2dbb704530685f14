"""Evaluate bot.triage on a labelled JSONL file and time it.

Usage: .venv/bin/python bench/triage_eval.py [tests/triage/dev-set.jsonl] [--show-errors]

Each line: {"text", "lang", "tier", "flags", "context"?}. Prints emergency recall, urgent-or-higher
recall, false urgent-or-higher rate (on replies labelled none/routine), exact-tier accuracy, flag
recall, and replies per second on one core.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.triage import TIERS, classify  # noqa: E402

RANK = {t: i for i, t in enumerate(TIERS)}
DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "triage" / "dev-set.jsonl"


def _pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:.1f}% ({num}/{den})" if den else "n/a (0 cases)"


def evaluate(rows: list[dict], show_errors: bool) -> None:
    emerg = emerg_hit = emerg_low = urg = urg_hit = low = low_false = exact = flag_total = flag_hit = 0
    for row in rows:
        r = classify(row["text"], row.get("lang"), row.get("context"))
        want, got = RANK[row["tier"]], RANK[r.tier]
        if want == RANK["emergency"]:
            emerg += 1
            emerg_hit += got == want
            emerg_low += got < RANK["urgent"]
        if want >= RANK["urgent"]:
            urg += 1
            urg_hit += got >= RANK["urgent"]
        else:
            low += 1
            low_false += got >= RANK["urgent"]
        exact += got == want
        flag_total += len(row["flags"])
        flag_hit += sum(f in r.flags for f in row["flags"])
        missing = [f for f in row["flags"] if f not in r.flags]
        if show_errors and (got != want or missing):
            print(f"  want {row['tier']:9} {row['flags']} got {r.tier:9} {r.flags}  | {row['text']}"
                  f"  [{row.get('context') or ''}]")
    print(f"replies:                        {len(rows)}")
    print(f"emergency recall:               {_pct(emerg_hit, emerg)}")
    print(f"emergencies below urgent:       {emerg_low}")
    print(f"urgent-or-higher recall:        {_pct(urg_hit, urg)}")
    print(f"false urgent-or-higher rate:    {_pct(low_false, low)}")
    print(f"exact-tier accuracy:            {_pct(exact, len(rows))}")
    print(f"labelled-flag recall:           {_pct(flag_hit, flag_total)}")


def throughput(rows: list[dict], seconds: float = 2.0) -> float:
    """Replies per second, single thread; the lexicon is loaded (and warmed) before timing."""
    for row in rows:
        classify(row["text"], row.get("lang"), row.get("context"))
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row in rows:
            classify(row["text"], row.get("lang"), row.get("context"))
        n += len(rows)
    return n / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(DEFAULT))
    ap.add_argument("--show-errors", action="store_true", help="print every miss")
    ap.add_argument("--seconds", type=float, default=2.0, help="timing duration")
    args = ap.parse_args()
    with open(args.path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    print(f"file: {args.path}")
    evaluate(rows, args.show_errors)
    print(f"replies per second (one core):  {throughput(rows, args.seconds):,.0f}")


if __name__ == "__main__":
    main()
