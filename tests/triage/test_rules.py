"""Unit tests per red-flag category and per context rule (negation, experiencer, numbers...)."""
import pytest

from bot.triage import TIERS, TriageResult, classify


def tier(text: str, lang: str | None = None, context: str | None = None) -> str:
    return classify(text, lang, context).tier


def flags(text: str, lang: str | None = None, context: str | None = None) -> list[str]:
    return classify(text, lang, context).flags


def test_public_api_shape() -> None:
    assert TIERS == ("none", "routine", "urgent", "emergency")
    r = classify("temp is 101.8 tonight")
    assert isinstance(r, TriageResult)
    assert r.to_dict() == {"tier": "urgent", "flags": ["fever"], "evidence": ["fever: 'temp is 101.8'"]}
    assert r.lang == "en"


def test_empty_and_emoji_only() -> None:
    assert tier("") == "none"
    assert tier("\U0001F44D\U0001F44D") == "none"


@pytest.mark.parametrize("text,flag,want", [
    ("my chest feels heavy", "chest_or_breathing", "emergency"),
    ("cant get enough air", "chest_or_breathing", "emergency"),
    ("i peed my pants and couldnt feel it", "cauda_equina", "emergency"),
    ("no feeling down there", "cauda_equina", "emergency"),
    ("can't feel my legs", "neuro_deficit", "emergency"),
    ("new numbness in my toes", "neuro_deficit", "urgent"),
    ("i want to end my life", "self_harm", "emergency"),
    ("he keeps seeing things that arent there", "confusion", "emergency"),
    ("blood gushing from the incision", "wound", "emergency"),
    ("incision is oozing", "wound", "urgent"),
    ("incision is itchy", "wound", "routine"),
    ("running a fever", "fever", "urgent"),
    ("calf is hard and red", "dvt", "urgent"),
    ("clear fluid dripping from the wound", "csf_leak", "urgent"),
    ("worst pain ever, meds not working", "severe_pain", "urgent"),
    ("tripped over the dog", "fall", "urgent"),
    ("puking since this morning", "nausea_vomiting", "urgent"),
    ("a bit queasy", "nausea_vomiting", "routine"),
    ("no bm in a week", "bowel", "urgent"),
    ("constipated", "bowel", "routine"),
    ("my knee aches", "pain", "routine"),
    ("up all night again", "sleep", "routine"),
    ("feeling hopeless and sad", "mood", "routine"),
    ("need a refill please", "medication", "routine"),
    ("when can I go back to work?", "question", "routine"),
])
def test_each_category(text: str, flag: str, want: str) -> None:
    r = classify(text, "en")
    assert flag in r.flags, r
    assert r.tier == want, r
    assert any(e.startswith(flag + ":") for e in r.evidence)


@pytest.mark.parametrize("text", [
    "no fever", "No fevr, incision looks ok", "numbness is gone", "no longer short of breath",
    "the tingling went away", "denies chest pain", "pain free today", "fever broke last night",
    "no calf pain or swelling", "havent had any chills", "not numb anymore", "bleeding has stopped",
    "no tengo fiebre", "ya no tengo hormigueo", "sin dolor de pecho", "el dolor ya se me quito",
])
def test_negation_and_resolution(text: str) -> None:
    assert tier(text) == "none", classify(text)


@pytest.mark.parametrize("text,want", [
    ("can't pee", "emergency"), ("cant feel my legs", "emergency"),
    ("no feeling down there", "emergency"), ("no bowel movement in 5 days", "urgent"),
    ("no puedo orinar", "emergency"), ("no siento las piernas", "emergency"),
    ("no chest pain but i cant catch my breath", "emergency"),
    ("no fever but the incision is red", "urgent"),
    ("no fever and my calf is swollen", "urgent"),
    ("the bleeding won't stop", "emergency"),
    ("I can't stop shaking", "urgent"),
])
def test_negation_inside_symptom_is_kept(text: str, want: str) -> None:
    assert tier(text) == want, classify(text)


def test_improvement_only_lowers_routine() -> None:
    assert tier("pain is better than yesterday") == "none"
    assert tier("numbness better but still there") == "urgent"


def test_hypothetical_question_is_not_a_symptom() -> None:
    r = classify("if I get a fever should I call?")
    assert r.tier == "routine" and r.flags == ["question"]
    assert tier("if I stand up I get a pounding headache") == "urgent"   # a report, not a question


@pytest.mark.parametrize("text,want", [
    ("my wife has a fever", "none"),
    ("my husband has had a cold and cough all week, im fine", "none"),
    ("mi esposo tiene fiebre", "none"),
    ("my wife says I have a fever", "urgent"),
    ("Mom is confused", "emergency"),
    ("he is confused and doesnt know where he is - his daughter", "emergency"),
    ("dad fell in the garage", "urgent"),
    ("my husband can't breathe", "emergency"),          # emergencies are never discounted
    ("my son has a fever and my incision is red", "urgent"),
])
def test_experiencer(text: str, want: str) -> None:
    assert tier(text) == want, classify(text)


@pytest.mark.parametrize("text,want", [
    ("temp is 101.8 tonight", "urgent"), ("100.4", "urgent"), ("100.3 F", "none"),
    ("101 F", "urgent"), ("38.0 C", "urgent"), ("37.9C", "none"), ("39 degrees this morning", "urgent"),
    ("102°F", "urgent"), ("38,5 de temperatura", "urgent"), ("temperature 98.6", "none"),
    ("fever 102", "urgent"), ("temp was 101 last night, 98.9 now", "none"),
    ("walked 101 steps", "none"), ("39", "none"), ("temp 39", "urgent"),
    ("tengo calentura de 38.2", "urgent"), ("temperatura 37", "none"),
])
def test_temperatures(text: str, want: str) -> None:
    assert tier(text) == want, classify(text)


@pytest.mark.parametrize("text,context,want,flag", [
    ("10", "pain_score", "urgent", "severe_pain"),
    ("8/10", None, "urgent", "severe_pain"),
    ("pain level nine", None, "urgent", "severe_pain"),
    ("dolor 9", None, "urgent", "severe_pain"),
    ("a 9 out of 10", None, "urgent", "severe_pain"),
    ("7", "pain_score", "routine", "pain"),
    ("maybe a 5", "pain_score", "routine", "pain"),
    ("six", "pain_score", "routine", "pain"),
    ("4", "pain_score", "none", None),
    ("0", "pain_score", "none", None),
    ("pain is a 3", None, "none", None),
    ("pain was 9 yesterday, now it's a 4", None, "none", None),
    ("10", None, "none", None),                      # a bare number means nothing without the question
    ("walked 10 minutes", "pain_score", "none", None),
])
def test_pain_scores(text: str, context: str | None, want: str, flag: str | None) -> None:
    r = classify(text, "en" if not text.startswith("dolor") else "es", context)
    assert r.tier == want, r
    if flag:
        assert flag in r.flags


def test_several_symptoms_highest_tier_wins_and_all_flags_listed() -> None:
    r = classify("temp 101.5, incision oozing, calf swollen and I can't catch my breath")
    assert r.tier == "emergency"
    assert r.flags[0] == "chest_or_breathing"
    assert {"fever", "wound", "dvt", "chest_or_breathing"} <= set(r.flags)
    assert len(r.evidence) >= 4


def test_combinations_escalate() -> None:
    assert tier("fever and throwing up") == "emergency"
    assert tier("I fell and now my leg is numb") == "emergency"


@pytest.mark.parametrize("text,flag", [
    ("fevr and chils", "fever"), ("incission is swolen", "wound"), ("numbnes in my foot", "neuro_deficit"),
    ("chest pian", "chest_or_breathing"), ("excrutiating pain", "severe_pain"),
    ("constapated", "bowel"), ("headach when i stand up", "csf_leak"), ("tempature 101", "fever"),
    ("escalofrioss", "fever"), ("pus en la herrida", "wound"), ("tengo fiebree", "fever"),
])
def test_misspellings(text: str, flag: str) -> None:
    # A lone misspelt word cannot tell its language, so Spanish cases say lang="es".
    lang = "es" if text in ("escalofrioss", "pus en la herrida", "tengo fiebree") else "en"
    assert flag in flags(text, lang), classify(text, lang)


def test_fuzzy_matching_does_not_invent_symptoms() -> None:
    for text in ("I feel great", "paid my bills", "sure thing", "called the office", "played with the dog"):
        assert tier(text) == "none", classify(text)


@pytest.mark.parametrize("text,want", [
    ("me duele el pecho", "emergency"), ("mé dúele el pécho", "emergency"),
    ("ME DUELE EL PECHO", "emergency"), ("estoy estreñida", "routine"), ("estoy estrenida", "routine"),
    ("la herida está roja", "urgent"), ("me caí", "urgent"), ("me cai", "urgent"),
])
def test_spanish_with_or_without_accents(text: str, want: str) -> None:
    assert tier(text) == want, classify(text)


@pytest.mark.parametrize("text,lang", [
    ("me duele la espalda", "es"), ("tengo fiebre", "es"), ("gracias", "es"),
    ("my back hurts", "en"), ("thanks!", "en"), ("10", "en"),
])
def test_language_detection(text: str, lang: str) -> None:
    assert classify(text).lang == lang


def test_given_language_is_kept() -> None:
    assert classify("ok", "es").lang == "es"
    assert classify("no puedo respirar", "es").tier == "emergency"


def test_flags_are_unique_and_sorted_by_severity() -> None:
    r = classify("constipated and my back hurts, also fever and chills, fever 101")
    assert len(r.flags) == len(set(r.flags))
    assert r.flags[0] == "fever"          # urgent before the routine ones
    assert set(r.flags[1:]) == {"bowel", "pain"}


@pytest.mark.parametrize("text,want", [
    ("no bm since friday, its wednesday now", "urgent"),        # 5 days between the weekdays
    ("havent pooped since friday and today is tuesday", "urgent"),  # 4 days
    ("havent pooped since saturday and today is tuesday", "routine"),  # 3 days
    ("no bm since monday, its tuesday", "routine"),             # 1 day
    ("no he hecho popo desde el jueves y hoy es lunes", "urgent"),
])
def test_days_counted_between_named_weekdays(text: str, want: str) -> None:
    assert tier(text) == want
    assert "bowel" in flags(text)


@pytest.mark.parametrize("text,lang", [
    ("my son fell off his bike, im fine", "en"),
    ("our granddaughter has a fever and a cough", "en"),
    ("mi nieta se cayo en la escuela", "es"),
])
def test_a_child_is_never_the_patient(text: str, lang: str) -> None:
    assert tier(text, lang) == "none"


def test_a_child_does_not_lower_an_emergency() -> None:
    assert tier("my son says I am not making sense and cant breathe") == "emergency"


@pytest.mark.parametrize("text,lang,want", [
    ("its my husband who has the fever, not me", "en", "none"),
    ("el que tiene fiebre es mi esposo, no yo", "es", "none"),
    ("not me, my wife", "en", "none"),
    ("not me being dramatic but i have a fever of 101", "en", "urgent"),  # no relative named
])
def test_not_me_puts_the_symptom_on_the_relative(text: str, lang: str, want: str) -> None:
    assert tier(text, lang) == want


@pytest.mark.parametrize("text,want", [
    ("bruising around the incision is turning yellow", "none"),
    ("some bruising near the wound, its going green", "none"),
    ("incision is turning yellow and oozing", "urgent"),
    ("moreton alrededor de la herida, se esta poniendo amarillo", "none"),
])
def test_bruising_is_a_normal_finding(text: str, want: str) -> None:
    assert tier(text) == want


@pytest.mark.parametrize("text,want", [
    ("ya no me puedo parar", "emergency"),                    # "no longer" + an inability
    ("ya no siento la pierna derecha", "emergency"),
    ("ya no siento hormigueo en los pies", "none"),           # "no longer" + a sensation
    ("ya no tengo fiebre", "none"),
])
def test_ya_no_with_an_inability_is_a_new_loss(text: str, want: str) -> None:
    assert tier(text, "es") == want


@pytest.mark.parametrize("text,want", [
    ("both my legs went weak all of a sudden", "emergency"),
    ("tingling down both legs since this morning", "urgent"),  # sensory, not weakness
    ("cant lift my left leg off the bed at all", "emergency"),
    ("my right leg feels a bit weak", "urgent"),
])
def test_weakness_of_both_legs_or_a_paralysed_leg_is_an_emergency(text: str, want: str) -> None:
    assert tier(text) == want


@pytest.mark.parametrize("text,context,want", [
    ("pain was an 8 yesterday but today its down to 3", None, "none"),
    ("pain level seven but the pills take the edge off", None, "routine"),
    ("pills barely take the edge off, pain is bad", None, "urgent"),
    ("como un 2", "pain_score", "none"),                      # "como" = "about", not a question
])
def test_pain_scores_read_in_context(text: str, context: str | None, want: str) -> None:
    assert tier(text, None, context) == want


@pytest.mark.parametrize("text,want", [
    ("my grandsons driving nearly gave me a heart attack lol", "none"),
    ("im dying to get back on the golf course", "none"),
    ("me mori de la risa con mi nieto", "none"),
    ("i think im having a heart attack", "emergency"),
])
def test_idioms_hold_no_symptom(text: str, want: str) -> None:
    assert tier(text) == want


@pytest.mark.parametrize("text,want", [
    ("my wife has a fever and chills, im doing great", "none"),
    ("my husband passed out in the kitchen, im fine but scared", "emergency"),  # never lowered
    ("my wife says I passed out, im fine now", "emergency"),
])
def test_a_relative_plus_im_fine_is_someone_else_below_emergency(text: str, want: str) -> None:
    assert tier(text) == want


def test_still_and_now_do_not_break_a_symptom_phrase() -> None:
    assert "wound" in flags("incision still draining on day 9")
    assert tier("no fever but still draining from the incision") == "urgent"


@pytest.mark.parametrize("text,want", [
    ("10 days since surgery, last BM was 2 days ago", "routine"),
    ("4 days post op and no poop since surgery", "urgent"),
])
def test_days_since_surgery_count_only_when_nothing_else_does(text: str, want: str) -> None:
    assert tier(text) == want


def test_almost_falling_is_no_fall() -> None:
    assert tier("almost slipped in the shower but caught the grab bar") == "none"
    assert tier("slipped in the shower") == "urgent"


@pytest.mark.parametrize("text,want", [
    ("my mom fell at her place yesterday so I might miss the check in call", "none"),
    ("mi esposo se cayo en el trabajo, por eso no conteste ayer", "none"),
    ("my mom fell and cant get up", "emergency"),          # a parent is the patient unless told apart
    ("mom fell getting out of the shower", "urgent"),
])
def test_a_relative_told_apart_from_the_writer(text: str, want: str) -> None:
    assert tier(text) == want


def test_post_op_context_makes_a_relative_the_patient() -> None:
    assert tier("husband hasnt had a bowel movement in 5 days, hes on his meds") == "urgent"
    assert tier("husband has a fever") == "none"


@pytest.mark.parametrize("text,want", [
    ("felt dizzy after standing yesterday but today thats gone", "none"),
    ("numb toes this morning, but thats gone now", "none"),
    ("numb toes this morning. but it's fine. now my calf is swollen", "urgent"),
])
def test_a_next_clause_can_close_the_matter(text: str, want: str) -> None:
    assert tier(text) == want


@pytest.mark.parametrize("text,context,want", [
    ("pain 10/10 pills useless", None, "urgent"),
    ("took 2 pills at 8 and slept fine", None, "none"),
    ("was a 9 last nite, 3 now", "pain_score", "none"),
])
def test_numbers_next_to_pills(text: str, context: str | None, want: str) -> None:
    assert tier(text, None, context) == want


@pytest.mark.parametrize("text,want", [
    ("temperature of 100 point 9", "urgent"),          # dictated decimal
    ("tengo fiebre de 38 punto 5", "urgent"),
    ("pain is ate out of ten", "urgent"),              # dictation: "eight"
    ("pain is about a for today", "none"),             # dictation: "four"
    ("i ate lunch and walked", "none"),
])
def test_dictated_numbers(text: str, want: str) -> None:
    assert tier(text) == want


@pytest.mark.parametrize("text,want", [
    ("he is snoring in a weird gurgly way", "emergency"),
    ("his breathing stops for a few seconds then he gasps", "emergency"),
    ("my husband is so sleepy i can barely wake him up", "emergency"),
    ("grandpa says there are kids playing in his room", "emergency"),
])
def test_oversedation_and_delirium_described_by_family(text: str, want: str) -> None:
    assert tier(text) == want


@pytest.mark.parametrize("text,want", [
    ("I gave her a second dose of her gabapentin by mistake, she seems fine", "routine"),
    ("le di doble dosis sin querer", "routine"),
    ("took my oxycodone at 7am and 3pm", "none"),
])
def test_double_doses_are_a_medication_issue(text: str, want: str) -> None:
    assert tier(text) == want
