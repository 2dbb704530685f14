"""Only bot/outbox creates outbox rows and changes their status: no other module may grow its own
copy of the lifecycle again (the issue that brought bot/outbox found six)."""
import re
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
WRITES = re.compile(r"\bOutbox\(|update\(Outbox\)|\b(?:row|page|question|text)\.status\s*=[^=]")


def test_no_module_outside_bot_outbox_writes_outbox_rows_or_status():
    offenders = []
    for path in BOT.rglob("*.py"):
        if {"outbox", "models"} & set(path.relative_to(BOT).parts):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WRITES.search(line):
                offenders.append(f"{path.relative_to(BOT.parent)}:{number}: {line.strip()}")
    assert offenders == []
