"""Whether a pathway's schedule, start-up bundle and the content of every language fit together:
every message in every language, placeholders that exist, numbered check-in items, nothing unused.
Run by `pathways.load()`, so a bad edit stops the service at start-up."""
from __future__ import annotations

import re

from bot.messages import SYSTEM_KEYS, item_words  # the keys the code itself sends
from bot.pathway_model import PATIENT_FIELDS, Library


def consistency_problems(library: Library) -> list[tuple[str, str, str]]:
    problems = []
    used = set(SYSTEM_KEYS)
    for pathway in library.pathways.values():
        known = PATIENT_FIELDS | set(pathway.settings)
        for entry in pathway.startup.texts if pathway.startup else ():
            used.add(entry.message)
            for lang, messages in library.content.items():
                if entry.message not in messages:
                    problems.append((pathway.file, "startup", f"message {entry.message!r} missing in {lang}"))
                for name in sorted(messages[entry.message].placeholders - known if entry.message in messages else ()):
                    problems.append((messages[entry.message].file, entry.message, f"unknown placeholder {{{name}}}"))
        for step in pathway.steps:
            used.add(step.message)
            for lang, messages in library.content.items():
                message = messages.get(step.message)
                if message is None:
                    problems.append((pathway.file, step.id, f"message {step.message!r} missing in {lang}"))
                    continue
                for name in sorted(message.placeholders - known):
                    problems.append((message.file, message.key, f"unknown placeholder {{{name}}}"))
                for number in range(1, len(step.items) + 1):
                    if not re.search(rf"(?<!\d){number}(?!\d)", message.text):
                        problems.append((message.file, message.key, f"item {number} ({step.items[number - 1]})"
                                         f" of step {step.id} is not numbered in the text"))
                    elif not item_words(message.text, number, len(step.items)):
                        # the reply to a pain score that may mean this item quotes these words
                        problems.append((message.file, message.key, f"item {number} ({step.items[number - 1]})"
                                         f" of step {step.id}: its words cannot be read as '{number} words,"
                                         f" {number + 1} ...' (the last ends with a full stop)"))
    for key, extra in sorted(SYSTEM_KEYS.items()):
        for lang, messages in library.content.items():
            if key not in messages:
                problems.append((f"content/{lang}", key, "system message missing"))
            elif unknown := messages[key].placeholders - PATIENT_FIELDS - extra:
                problems.append((messages[key].file, key, f"unknown placeholder {{{sorted(unknown)[0]}}}"))
    for messages in library.content.values():
        for key, message in messages.items():
            if key not in used:
                problems.append((message.file, key, "not used by any schedule or by the service"))
    all_keys = set().union(*(set(m) for m in library.content.values())) if library.content else set()
    for lang, messages in library.content.items():
        for key in sorted(all_keys - set(messages)):
            problems.append((f"content/{lang}", key, "translation missing"))
    return problems
