"""Phone numbers: the one way to read a number someone typed, and the one way to show it masked.

A number is read in the deployment's DEFAULT_PHONE_REGION (a national "202 555 0143" means a US
number only where the region is US) and kept in E.164 ("+12025550143") from then on.
"""
from __future__ import annotations

import re

import phonenumbers

_TEXTABLE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def parse_phone(raw: str, region: str | None, mobile: bool = True) -> str:
    """`raw` as E.164, read in `region` when it has no country code; ValueError saying why not.
    `mobile`: the number must be able to receive texts (a patient's, a coordinator's); the clinic's
    own number, which patients call, may be a landline."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number")
    if mobile and phonenumbers.number_type(number) not in _TEXTABLE:
        raise ValueError(f"{raw!r} is not a mobile number, so it cannot receive texts")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str | None) -> str:
    """+12025550143 -> +1******0143: enough to tell two patients apart, not enough to call them."""
    if not phone:
        return "-"
    digits = re.sub(r"\D", "", re.sub(r"%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}", "", phone))
    return f"+{digits[:1]}{'*' * max(len(digits) - 5, 0)}{digits[-4:]}"
