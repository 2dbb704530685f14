"""Guards added while generalising the lexicon on blind batches (docs/triage.md, "Blind batches").

1. Frequent real words must not be fuzzy-corrected into symptom words ("visiting" -> vomiting,
   "forever" -> fever, "checking"/"cooking" -> choking): they sit in `common_words`.
2. A misspelling equally close to a symptom word and an ordinary word goes to the symptom word
   ("fevr" -> fever, not "fear"): when in doubt, the higher tier.
3. A symptom that resolves lying down ("goes away when I lie down") is the CSF-leak pattern, not
   a negation.
"""
import pytest

from bot.triage import classify
from bot.triage.lexicon import load


@pytest.mark.parametrize("text", [
    "visiting my daughter this weekend",
    "took forever to fall asleep but slept ok",
    "been checking the incision every day, looks fine",
    "cooking dinner tonight",
    "thx for checking in",
    "my son has been throwing up all day but im ok",
    "no problems peeing or pooping",
    "just finished my breathing exercises with the spirometer",
    "no thoughts of hurting myself",
    "the redness around the incision went away",
    "im done with my exercises for today",
    "i went down to the mailbox and back",
    "visite a mi hija",
    "ya orine normal y sin problema",
])
def test_everyday_words_are_not_red_flags(text: str) -> None:
    r = classify(text)
    assert r.tier in ("none", "routine"), r


@pytest.mark.parametrize("typo,word", [("fevr", "fever"), ("incission", "incision"),
                                       ("vomitting", "vomiting"), ("confussed", "confused")])
def test_misspelling_ties_go_to_the_symptom_word(typo: str, word: str) -> None:
    assert load("en").corrector.correct(typo) == word


@pytest.mark.parametrize("typo,word", [("toci", "tosi"), ("hinchaso", "hinchado"), ("bomito", "vomito"),
                                       ("cabesa", "cabeza")])
def test_spelling_by_ear_prefers_the_sound_alike_word(typo: str, word: str) -> None:
    """s/c/z, b/v, y/i... are swapped by people who spell by ear: "toci" is "tosi" (coughed),
    not "torci" (twisted), although both are one edit away."""
    assert load("es").corrector.correct(typo) == word


@pytest.mark.parametrize("text,tier,flag", [
    ("headache whenever i get up goes away when i lay down", "urgent", "csf_leak"),
    ("my head pounds when i sit up and is fine flat", "urgent", "csf_leak"),
    ("cuando me paro me duele horrible la cabeza, acostada se me pasa", "urgent", "csf_leak"),
])
def test_better_lying_down_is_not_negation(text: str, tier: str, flag: str) -> None:
    r = classify(text)
    assert r.tier == tier and flag in r.flags, r


@pytest.mark.parametrize("text,flag", [
    ("dad pooped his pants and didnt know it happened", "cauda_equina"),   # his/her, not only my
    ("mom cant hold her bladder anymore", "cauda_equina"),
    ("she wet herself", "cauda_equina"),
    ("mi papa se hizo popo encima sin darse cuenta", "cauda_equina"),
    ("slipped in the tub and smacked my head", "fall"),                    # verb synonyms
    ("i dont see any reason to keep going", "self_harm"),                  # indirect phrasing
    ("todos estarian mejor sin mi", "self_harm"),
    ("sharp pain in my side when i inhale", "chest_or_breathing"),        # pleuritic pain
])
def test_generalised_emergencies(text: str, flag: str) -> None:
    r = classify(text)
    assert r.tier == "emergency" and flag in r.flags, r

