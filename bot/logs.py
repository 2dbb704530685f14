"""Logging that an operator can use without learning patients' phone numbers.

`install()` masks every log record of the process as it is created (message, arguments and the
traceback text), whichever logger wrote it and whichever handler will write it out: ours, gunicorn's,
the twilio client's request lines (whose URLs carry `To=%2B1...`). It is called by every entry point
(`create_app` for web workers, the CLI for the clock and commands), so no process logs a number.
"""
from __future__ import annotations

import logging
import re

from bot.phones import mask_phone

# A phone number in the encodings that reach logs: E.164 and bare digits, URL-encoded (%2B, and
# %20 or + between groups), JSON-escaped (\u002b), and the national formats people type
# ("(202) 555-0143", "202.555.0143"). Dates and times do not match: their groups are 4-2-2 and 2:2.
_PHONE = re.compile(
    r"(?<![\w%])(?:\+|%2[bB]|\\u002[bB])?\d{10,15}(?!\d)"
    r"|(?<![\w%])(?:(?:\+|%2[bB])?1(?:[ .\-]|%20|\+)?)?(?:\(\d{3}\)|\d{3})(?:[ .\-]|%20|\+){1,2}\d{3}"
    r"(?:[ .\-]|%20|\+)\d{4}(?!\d)")


def mask_text(text: str) -> str:
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call; the handler reports it as it always would
        return
    masked = mask_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set: the traceback is masked once, here.
        record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


class MaskPhonesFilter(logging.Filter):
    """The same masking as a handler filter, for handlers configured outside `install`."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


_installed = False


def install() -> None:
    """Mask every record this process creates, from now on (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)
    # The twilio client logs every request's URL and headers at INFO; masked anyway, but noise.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    _installed = True


def setup(level: str = "INFO") -> None:
    install()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPhonesFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Every job run would be an INFO line every few seconds; failures still come through.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
