"""Every labelled reply of the dev set, the held-out set and each blind batch, as a regression test
(one test per file, reporting every miss).

Blind batches (`blind-N.jsonl`) were written without looking at the lexicon, scored once as they
were (the first-run numbers in docs/triage.md), then the lexicon was generalised to cover them.
"""
import json
from pathlib import Path

import pytest

from bot.triage import TIERS, classify

HERE = Path(__file__).parent
RANK = {t: i for i, t in enumerate(TIERS)}


def _rows(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# Batches written for the red-flag catalogue (36 on) are judged as a whole, one test per file that
# lists every miss, against the targets of docs/triage.md; the earlier ones line by line.
CATALOGUE_BATCHES = ("blind-36.jsonl", "blind-37.jsonl", "blind-38.jsonl", "blind-39.jsonl", "blind-40.jsonl",
                     "blind-41.jsonl", "blind-42.jsonl", "blind-43.jsonl", "blind-44.jsonl", "blind-45.jsonl",
                     "blind-46.jsonl", "blind-47.jsonl", "blind-48.jsonl", "blind-49.jsonl", "blind-50.jsonl",
                     "blind-51.jsonl", "blind-52.jsonl", "blind-53.jsonl", "blind-54.jsonl", "blind-55.jsonl",
                     "blind-56.jsonl", "blind-57.jsonl", "blind-58.jsonl", "blind-59.jsonl", "blind-60.jsonl",
                     "blind-61.jsonl", "blind-62.jsonl")
BLIND = sorted(p.name for p in HERE.glob("blind-*.jsonl") if p.name not in CATALOGUE_BATCHES)

# Labelled lower than the engine answers, on purpose (docs/triage.md, "Known weaknesses"): the
# engine never lowers an emergency because of whose it might be, so these stay over-triaged.
KNOWN_OVER_TRIAGE = {
    "my mother in law has dementia and got confused today, Im fine": "emergency",
    # "want to vomit" is nausea (routine), but the vomiting rule inside it is urgent and wins.
    "feel little bit want to vomit in morning, but still eating ok": "urgent",
    # normal healing (s.1.3) after the incision is named: the swelling rule answers before the cue is read
    "incision is bruised and a little swollen but no redness or drainage": "urgent",
}


def _miss(row: dict) -> str | None:
    """What is wrong with the engine's answer to one labelled reply, or None."""
    r = classify(row["text"], row.get("lang"), row.get("context"))
    # Never below the labelled tier (safety) ...
    if RANK[r.tier] < RANK[row["tier"]]:
        return f"missed: labelled {row['tier']}, got {r.tier}"
    # ... and not above it either, but for the few deliberate over-triages listed above.
    want = KNOWN_OVER_TRIAGE.get(row["text"], row["tier"])
    if r.tier != want:
        return f"wrong tier: want {want}, got {r.tier}"
    missing = [f for f in row["flags"] if f not in r.flags]
    return f"flags {missing} missing from {sorted(r.flags)}" if missing else None


@pytest.mark.parametrize("name", ["dev-set.jsonl", "holdout.jsonl", "catalogue-examples.jsonl"] + BLIND)
def test_every_labelled_reply_of_the_file(name: str) -> None:
    """One test per file, listing every miss (line number, what is wrong, the reply)."""
    rows = _rows(name)
    misses = [f"{name}:{i + 1} {miss} | {row['text']}" for i, row in enumerate(rows) if (miss := _miss(row))]
    assert not misses, f"{len(misses)} of {len(rows)} replies:\n" + "\n".join(misses)


def test_known_over_triage_lists_only_labelled_replies_the_engine_puts_higher() -> None:
    labelled = {row["text"]: row["tier"] for name in BLIND for row in _rows(name)}
    for text, tier in KNOWN_OVER_TRIAGE.items():
        assert RANK[tier] > RANK[labelled[text]]


@pytest.mark.parametrize("name", CATALOGUE_BATCHES)
def test_catalogue_batch_meets_the_targets(name: str) -> None:
    rows = _rows(name)
    results = [classify(r["text"], r.get("lang"), r.get("context")) for r in rows]
    misses = [(r["tier"], res.tier, r["text"]) for r, res in zip(rows, results, strict=True) if res.tier != r["tier"]]
    report = "\n".join(f"want {w:9} got {g:9} | {t}" for w, g, t in misses)
    # Safety first: no emergency answered below urgent, none of urgent-or-higher answered routine or none
    # beyond the recall target.
    for r, res in zip(rows, results, strict=True):
        if r["tier"] == "emergency":
            assert RANK[res.tier] >= RANK["urgent"], ("emergency answered below urgent", r["text"], res)
    high = [(r, res) for r, res in zip(rows, results, strict=True) if RANK[r["tier"]] >= RANK["urgent"]]
    low = [(r, res) for r, res in zip(rows, results, strict=True) if RANK[r["tier"]] < RANK["urgent"]]
    recall = sum(RANK[res.tier] >= RANK["urgent"] for _, res in high) / len(high)
    false_high = sum(RANK[res.tier] >= RANK["urgent"] for _, res in low) / len(low)
    exact = 1 - len(misses) / len(rows)
    assert recall >= 0.95, (recall, report)
    assert false_high <= 0.10, (false_high, report)
    assert exact >= 0.85, (exact, report)
