"""Per-patient options (issue 14): what differs between patients of the same team and changes the
advice they read. Set at enrollment (form, CSV, API, CLI), shown and changed on the patient page.

* brace: the surgeon prescribed a brace (default off: many surgeons do not brace after an
  instrumented fusion, clinical-review.md #21);
* hip_graft: bone graft taken from the hip (adds the graft-site text, #20);
* approach: posterior, lateral or anterior (lateral adds the thigh-numbness text, #20);
* lifting_limit_lb, sitting_limit_min: this patient's limits, over the clinic's and the pathway's.

The options are stored as the patient's own settings (Enrollment.options) and override the clinic's
and the pathway's in bot.messages.settings_for, so a step's `when:` and a text's {placeholders}
follow them with no code of their own: texts for an option a patient lacks are never planned.
"""
from __future__ import annotations

OPTION_FIELDS = ("brace", "hip_graft", "approach", "lifting_limit_lb", "sitting_limit_min")
APPROACHES = ("posterior", "lateral", "anterior")
_YES = {"yes", "y", "true", "1", "on", "si", "sí"}
_NO = {"no", "n", "false", "0", "off", ""}
# Limits a clinician could mean (sources range 4-15 lb and 15-45 minutes; wider for later weeks).
LIMITS = {"lifting_limit_lb": (1, 50), "sitting_limit_min": (5, 120)}


def as_text(value) -> object:
    """JSON true/false and numbers are natural for options; the enrollment checks want text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return value


def validate(value: dict, clean: dict, errors: list[str]) -> None:
    """Only what was given is stored: an option left out follows the clinic and the pathway."""
    options: dict = {}
    for name in ("brace", "hip_graft"):
        raw = value.get(name, "").lower()
        if raw in _YES:
            options[name] = True
        elif raw in _NO:
            if raw:
                options[name] = False
        else:
            errors.append(f"{name}: {raw!r} is not yes or no")
    approach = value.get("approach", "").lower()
    if approach and approach not in APPROACHES:
        errors.append(f"approach: {approach!r} is not one of {', '.join(APPROACHES)}")
    elif approach:
        options["approach"] = approach
    for name, (low, high) in LIMITS.items():
        raw = value.get(name, "")
        if not raw:
            continue
        if not raw.isdigit() or not low <= int(raw) <= high:
            errors.append(f"{name}: {raw!r} is not a whole number from {low} to {high}")
        else:
            options[name] = int(raw)
    clean["options"] = options


def describe(options: dict | None) -> dict:
    """The options as the API and the patient page show them (unset ones as None)."""
    options = options or {}
    return {name: options.get(name) for name in OPTION_FIELDS}

