"""Logging that an operator can use without learning patients' phone numbers."""
from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"\+\d{8,15}\b|\b\d{10,11}\b")


def mask_phone(phone: str | None) -> str:
    """+12025550143 -> +1******0143: enough to tell two patients apart, not enough to call them."""
    if not phone:
        return "-"
    digits = re.sub(r"\D", "", phone)
    return f"+{digits[:1]}{'*' * max(len(digits) - 5, 0)}{digits[-4:]}"


class MaskPhonesFilter(logging.Filter):
    """Last line of defence: masks anything phone-shaped that slipped into a log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(lambda m: mask_phone(m.group()), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPhonesFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Every job run would be an INFO line every few seconds; failures still come through.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
