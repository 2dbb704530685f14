"""Turning a content key into the words one patient reads."""
from __future__ import annotations

import re
from datetime import date, datetime

from bot.pathway_model import Library
from bot.timeutil import utc_to_local

# Texts the service sends on its own (not from a schedule), with the extra values each may use.
SYSTEM_KEYS: dict[str, set[str]] = {
    "er_rule": set(),
    "help": set(),
    "opt_in_confirm": set(),
    "opt_out_confirm": set(),
    "ack_answer": set(),
    "ack_message": set(),
    # Replies that send the reply to a person: {read_when} is the review item's deadline.
    "review_reply": {"read_when"},
    "answer_review_reply": {"read_when"},
    "routine_reply": {"read_when"},
    "ack_pain_high": {"read_when"},
    "pain_review_reply": {"read_when"},
    "pain_meds_question": set(),
    "pain_selfcare": set(),
    # A pain score that may be red-flag check-in items ("3" with both questions open): the score, then
    # one safety_item_* sentence per item (its catalogue tier), and when a nurse checks it.
    "ambiguous_pain_reply": {"pain", "safety_items", "read_when"},
    "pain_back_leg": {"back", "leg"},
    "safety_item_911": {"number", "item"},
    "safety_item_today": {"number", "item"},
    "phq_positive_reply": {"read_when"},  # a positive PHQ-2: the review deadline and the 988 line
    # A red flag: the plain key when a page went to someone on call, _unpaged when nobody was paged.
    "urgent_reply": set(),
    "urgent_reply_unpaged": set(),
    "emergency_reply": set(),
    "emergency_reply_unpaged": set(),
    "crisis_reply": set(),
    "crisis_reply_unpaged": set(),
    "screen_yes_reply": set(),
    "screen_yes_reply_unpaged": set(),
    "unknown_sender": set(),
    # Pieces of {read_when}: "today by 5 PM", "tomorrow by 9 AM", "on Monday by 9 AM".
    "read_today": {"time"},
    "read_tomorrow": {"time"},
    "read_weekday": {"time", "weekday"},
    "weekdays": set(),
    "silence_nudge": set(),
    "page": {"tier", "flags", "enrollment_id", "code", "link"},
}


# Fragments used inside other texts, not sent alone (no reading grade of their own).
FRAGMENT_KEYS = {"er_rule", "read_today", "read_tomorrow", "read_weekday", "weekdays", "pain_back_leg"}


def settings_for(library: Library, enrollment) -> dict:
    """A pathway's team-specific numbers, overridden by the patient's clinic where it sets them, and
    by the patient's own options (brace, hip graft, approach, limits: bot/options.py) over both."""
    pathway = library.pathways.get(enrollment.pathway)
    values: dict = dict(pathway.settings) if pathway else {}
    if enrollment.clinic is not None:
        values.update(enrollment.clinic.settings or {})
    values.update(getattr(enrollment, "options", None) or {})
    return values


def values_for(rt, enrollment, today: date | None = None) -> dict:
    """Everything a placeholder may refer to: the settings (settings_for), the patient's first name,
    the clinic's name and phone (the patient's clinic's where it has them, else CLINIC_NAME and
    CLINIC_PHONE), and with `today` the post-op day and week. With no patient (a text from an
    unknown number, a coordinator's page): the deployment's clinic name and phone alone."""
    clinic_name, clinic_phone = rt.settings.clinic_name, rt.settings.clinic_phone
    if enrollment is None:
        return {"first_name": "", "clinic_name": clinic_name, "clinic_phone": clinic_phone}
    values = settings_for(rt.library, enrollment)
    clinic = enrollment.clinic
    if clinic is not None:
        clinic_name = clinic.name or clinic_name
        clinic_phone = clinic.phone or clinic_phone
    values.update(first_name=enrollment.first_name, clinic_name=clinic_name,
                  clinic_phone=clinic_phone)
    if today is not None:
        values.update(day_values((today - enrollment.surgery_date).days))
    return values


def day_values(day: int) -> dict:
    """The {day} and {week} placeholders of a post-op day (days 0-6 are week 1)."""
    return {"day": day, "week": day // 7 + 1}


def render(rt, language: str, key: str, enrollment=None, now: datetime | None = None, **extra) -> str:
    """The one way to turn a content key into the words someone reads: values_for the patient (their
    day counted in their own time zone at `now`), then `extra` over them."""
    today = utc_to_local(now, enrollment.timezone).date() if enrollment is not None and now is not None else None
    values = values_for(rt, enrollment, today) | extra
    if values.get("first_name"):
        return rt.library.render(language, key, values)
    return nameless(rt.library.content[language][key].text).format_map(values)


# "{first_name}, this could be..." -> "This could be..."; "Thank you, {first_name}." -> "Thank you.";
# "Hi {first_name}, we..." -> "Hi, we...".
_LEADING_NAME = re.compile(r"^\{first_name\},\s*")
_NAME = re.compile(r",?\s*\{first_name\}")


def nameless(template: str) -> str:
    """A template for someone whose name we do not know (a text from an unknown number): the name
    and the comma or space before it dropped, and the first letter capitalised."""
    if _LEADING_NAME.match(template):
        template = _LEADING_NAME.sub("", template)
        template = template[:1].upper() + template[1:]
    return _NAME.sub("", template)


def item_words(text: str, number: int, count: int) -> str | None:
    """The words of item `number` of a numbered check-in text of `count` items, as the patient read
    them: "... 3 Numbness between your legs. 4 New ..." -> "numbness between your legs"; the last
    item ends at its full stop ("7 Red or leaking wound. Reply ..."). None if the text is not
    numbered that way (pathways.load reports it)."""
    after = rf"(?=[,.;]?\s+{number + 1}\s)" if number < count else r"(?=\.)"
    found = re.search(rf"(?<![\d{{]){number}\s+([^\d{{}}]+?)[,.;]?\s*{after}", text)
    if found is None:
        return None
    words = found[1].strip(" ,.;")
    return words[:1].lower() + words[1:] if words[1:2].islower() else words
