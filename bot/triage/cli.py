"""`postop triage`: try the triage rules on sample texts (registered by bot/cli.py)."""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from . import classify
from .catalogue import CatalogueError
from .lexicon import LANGUAGES, load_files

CONTEXTS = ("pain_score", "yes_no", "red_flag_screen")


def _parse_line(line: str) -> tuple[str, str | None, str | None]:
    """Validate one JSON line; raises ValueError with a message fit for a clinician."""
    try:
        obj: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise ValueError('expected an object with a string "text"')
    lang, context = obj.get("lang"), obj.get("context")
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f'"lang" must be one of {", ".join(LANGUAGES)} or absent')
    if context is not None and context not in CONTEXTS:
        raise ValueError(f'"context" must be one of {", ".join(CONTEXTS)} or absent')
    return obj["text"], lang, context


def _emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.command("triage")
@click.argument("text", required=False)
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Language (default: detect).")
@click.option("--context", type=click.Choice(CONTEXTS), default=None,
              help="What the bot had just asked: a 0-10 pain question, a yes/no question, or the red-flag check-in.")
def triage_command(text: str | None, lang: str | None, context: str | None) -> None:
    """Classify TEXT, or JSON lines from stdin ({"text", "lang"?, "context"?} per line).

    Writes one JSON line per input, in order: {"tier", "flags", "evidence"}. A line that cannot be
    read gets {"error", "line"} in its place, a message on stderr, and the exit status is 1.
    """
    try:
        load_files()   # a broken rule file stops here, naming the file and the key
    except CatalogueError as exc:
        click.echo(f"triage: rule files are invalid: {exc}", err=True)
        sys.exit(2)
    if text is not None:
        _emit(classify(text, lang, context).to_dict())
        return
    failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item_text, item_lang, item_context = _parse_line(line)
        except ValueError as exc:
            failed += 1
            click.echo(f"triage: line {number}: {exc}", err=True)
            _emit({"error": str(exc), "line": number})   # keeps outputs aligned with inputs
            continue
        _emit(classify(item_text, item_lang or lang, item_context or context).to_dict())
    if failed:
        click.echo(f"triage: {failed} line(s) could not be read", err=True)
        sys.exit(1)
