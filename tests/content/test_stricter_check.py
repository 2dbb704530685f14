"""The stricter rules of `postop content check` (issue 14, bot/content_rules.py): each fails with the
file, the key and a reason."""
from __future__ import annotations

from bot import content_check

EN = "content/en/lumbar-fusion.yaml"
ES = "content/es/lumbar-fusion.yaml"
SCHEDULE = "schedules/lumbar-fusion.yaml"


def reasons(project) -> list[tuple[str, str, str]]:
    return content_check.check(project).problems


def test_a_safety_topic_with_no_text_fails(project, edit_yaml):
    def drop(data):
        data["steps"] = [s for s in data["steps"] if s["message"] != "csf_leak"]
        data["startup"]["texts"] = [t for t in data["startup"]["texts"] if t["message"] != "csf_leak"]
    edit_yaml(project / SCHEDULE, drop)
    for lang in ("en", "es"):
        edit_yaml(project / f"content/{lang}/lumbar-fusion.yaml", lambda d: d.pop("csf_leak"))
    assert ("schedules", "csf_leak", "safety topic 'CSF leak' has no text that any pathway sends") in reasons(project)


def test_a_text_that_gives_other_advice_on_the_cauda_equina_signs_fails(project, edit_yaml):
    edit_yaml(project / EN, lambda d: d["falls"].update(
        text="If you fall and get numbness between your legs, call {clinic_phone} today."))
    assert any(k == "falls" and "er_rule" in r for _, k, r in reasons(project))


def test_a_911_rule_without_911_contradicts_the_catalogue(project, edit_yaml):
    edit_yaml(project / "content/es/system.yaml", lambda d: d.update(
        er_rule="¿Entrepierna dormida? Llame al consultorio."))
    assert any(k == "er_rule" and "must say 911" in r for _, k, r in reasons(project))


def test_english_inside_spanish_fails_defaults_included(project, edit_yaml):
    edit_yaml(project / ES, lambda d: d["intro"].update(text="{clinic_name}: Msg & data rates may apply. Reply STOP."))
    [problem] = [p for p in reasons(project) if p[1] == "intro"]
    assert problem[2].startswith("English inside a es text:") and "STOP" in problem[2]

    def english_default(data):
        data["settings"]["unit"] = "pounds"
    edit_yaml(project / SCHEDULE, english_default)
    edit_yaml(project / ES, lambda d: d["no_blt"].update(text="No levante más de {lifting_limit_lb} {unit}."))
    edit_yaml(project / EN, lambda d: d["no_blt"].update(text="Do not lift more than {lifting_limit_lb} {unit}."))
    assert not any(k == "no_blt" and "English" in r for _, k, r in reasons(project))  # "pounds" is not listed
    edit_yaml(project / SCHEDULE, lambda d: d["settings"].update(unit="the pounds"))
    assert any(k == "no_blt" and "English inside" in r for _, k, r in reasons(project))


def test_a_placeholder_that_can_render_empty_fails(project, edit_yaml):
    edit_yaml(project / SCHEDULE, lambda d: d["settings"].update(shower_from_day=""))
    assert any(k == "shower_care" and "can render empty" in r for _, k, r in reasons(project))


def test_more_than_three_texts_a_day_with_the_start_up_bundle_fails(project, edit_yaml):
    # Room for the bundle is made on its days; let it take 4 a day and the worst enrollment shows it.
    edit_yaml(project / SCHEDULE, lambda d: d["startup"].update(per_day=4))
    [problem] = [p for p in reasons(project) if p[1] == "start-up"]
    assert "4 texts on day" in problem[2] and "at most 3 a day" in problem[2]
