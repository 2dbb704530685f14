"""Concept co-occurrence rules (docs/triage.md, "Concept sets"): a body region or function near a
distress or change word, in either order, in one clause, with the usual negation handling."""
import pytest

from bot.triage import classify
from bot.triage.lexicon import expand_pattern

CONCEPTS = {"part": ["chest", "lungs"], "bad": ["tight", "cant !wait"]}


def test_concept_reference_expands_to_alternatives() -> None:
    assert expand_pattern("@part hurts", CONCEPTS) == ["(chest | lungs) hurts"]


def test_either_order_gives_both_gap_patterns() -> None:
    assert expand_pattern("@part <...> @bad", CONCEPTS) == [
        "(chest | lungs) ... (tight | cant !wait)", "(tight | cant !wait) ... (chest | lungs)"]


def test_unknown_concept_is_an_error() -> None:
    with pytest.raises(ValueError):
        expand_pattern("@nope <...> @bad", CONCEPTS)


@pytest.mark.parametrize("text,flag", [
    ("lungs feel heavy", "chest_or_breathing"),
    ("heavy feeling in both lungs", "chest_or_breathing"),
    ("cant seem to pull air in", "chest_or_breathing"),
    ("my privates feel numb", "cauda_equina"),
    ("numb feeling around my privates", "cauda_equina"),
    ("dad had a poop accident", "cauda_equina"),
    ("urine just leaks out on its own", "cauda_equina"),
    ("both legs just buckled under me", "neuro_deficit"),
    ("mom keeps saying she wants to die", "self_harm"),
    ("mi mama respira con mucha dificultad", "chest_or_breathing"),
    ("tengo dormida la entrepierna", "cauda_equina"),
    ("las piernas no me responden", "neuro_deficit"),
])
def test_cooccurrence_emergencies(text: str, flag: str) -> None:
    r = classify(text)
    assert r.tier == "emergency" and flag in r.flags, r


@pytest.mark.parametrize("text,flag", [
    ("my foot feels weak and kinda floppy", "neuro_deficit"),
    ("weird tingling down my left thigh", "neuro_deficit"),
    ("theres a hot red lump on the back of my calf", "dvt"),
    ("la pantorrilla esta roja y dura", "dvt"),
    ("siento las piernas flojas", "neuro_deficit"),
])
def test_cooccurrence_urgent(text: str, flag: str) -> None:
    r = classify(text)
    assert r.tier == "urgent" and flag in r.flags, r


@pytest.mark.parametrize("text", [
    "chest feels fine, breathing normal",
    "no tightness in my chest",
    "chest has no pain at all",
    "cant wait to get some fresh air outside",
    "took a short walk and breathing was fine",
    "peeing normally, no issues",
    "bladder is fine, no accidents",
    "legs a bit tired after the walk",
    "walked to the park, knees ok",
    "no numbness down there, everything normal",
    "calf feels normal, no swelling",
    "no urge to smoke anymore!",
    "el pecho nada de dolor",
    "ya no siento hormigueo en los pies",
    "quiero salir al aire libre",
    "las piernas un poco cansadas despues de caminar",
])
def test_innocent_body_mentions_stay_low(text: str) -> None:
    r = classify(text)
    assert r.tier in ("none", "routine"), r


def test_article_before_score_with_pain_word_earlier() -> None:
    r = classify("el dolor no me deja ni moverme, es un 10")
    assert r.tier == "urgent" and "severe_pain" in r.flags, r
    r = classify("pain is mild today, got a 9 hour sleep")
    assert r.tier == "routine" and "severe_pain" not in r.flags, r
