"""Every labelled reply of the dev set and of the held-out set, as a regression test."""
import json
from pathlib import Path

import pytest

from bot.triage import TIERS, classify

HERE = Path(__file__).parent
RANK = {t: i for i, t in enumerate(TIERS)}


def _rows(name: str) -> list:
    with open(HERE / name, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [pytest.param(r, id=f"{name.split('.')[0]}-{i + 1}") for i, r in enumerate(rows)]


@pytest.mark.parametrize("row", _rows("dev-set.jsonl") + _rows("holdout.jsonl"))
def test_labelled_reply(row: dict) -> None:
    r = classify(row["text"], row.get("lang"), row.get("context"))
    # Never below the labelled tier (safety) ...
    assert RANK[r.tier] >= RANK[row["tier"]], ("missed", row["text"], r)
    # ... and not above it either: both sets currently reach 100% exact tier, keep it that way.
    assert r.tier == row["tier"], ("over-triaged", row["text"], r)
    missing = [f for f in row["flags"] if f not in r.flags]
    assert not missing, (row["text"], r)
