"""Benign replies (lexicon/benign.yaml): the only ones nobody reads, so never one a clinician
labelled as needing anything."""
import json
from pathlib import Path

import pytest

from bot.triage import classify
from bot.triage.benign import is_benign

FOLDERS = [Path(__file__).parent, Path(__file__).parent.parent.parent.parent / "shared" / "triage"]


def labelled():
    return [json.loads(line) for folder in FOLDERS for path in sorted(folder.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_no_labelled_reply_that_needs_a_person_is_benign():
    rows = labelled()
    assert len(rows) > 1000
    benign = [r for r in rows if is_benign(r["text"]) and classify(r["text"], r["lang"]).tier == "none"]
    assert [r["text"] for r in benign if r["tier"] != "none"] == []
    assert len(benign) >= 100  # and it does recognise everyday acknowledgements


@pytest.mark.parametrize("text", ["ok", "Thanks!", "gracias", "👍", "okkk thanks", "feeling better today",
                                  "me siento mejor", "Muchas gracias 🙏", "will do", "todo bien gracias"])
def test_everyday_acknowledgements_are_benign(text):
    assert is_benign(text)


@pytest.mark.parametrize("text", ["help me", "please call me", "call 911", "im worse", "ayúdenme", "me siento mal",
                                  "urgente", "ayuda", "si", "sí, un poco", "yes", "ok?", "is it ok to shower",
                                  "not good", "4", "😢", "", "un poco mejor", "my leg hurts"])
def test_requests_questions_numbers_and_unknown_words_are_not(text):
    assert not is_benign(text)
