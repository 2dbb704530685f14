"""Request input that must be refused with a 4xx and a reason rather than crash a view (a 500):
a NUL (PostgreSQL text cannot hold it), a lone surrogate (not encodable as UTF-8), JSON nested so
deep that the parser recurses out, and a JSON body that is not an object. Values of the wrong
type are refused by each validator (never coerced: `{"a": 1}` is not a name)."""
from __future__ import annotations

import json

from flask import Response, jsonify, render_template, request
from werkzeug.datastructures import MultiDict

MAX_DEPTH = 20  # enrollments and acknowledgements are flat objects; anything deeper is not ours


class BadInput(ValueError):
    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.status = reason, status


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, if it cannot."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def _check(value, where: str) -> None:
    stack = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(f"body: nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            if problem := text_problem(item):
                raise BadInput(f"{path}: {problem}")
        elif isinstance(item, dict):
            for key, inner in item.items():
                if problem := text_problem(key):
                    raise BadInput(f"{path}: a field name {problem}")
                stack.append((inner, key if depth == 0 else f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]", depth + 1) for i, inner in enumerate(item))


def json_object(expected: str) -> dict:
    """The request's JSON body as a dict whose every string can be stored; BadInput otherwise."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadInput(f"body: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BadInput(f"body: not valid JSON; expected an object with {expected}") from None
    if not isinstance(data, dict):
        raise BadInput(f"body: expected a JSON object with {expected}")
    _check(data, "body")
    return data


def reject_unstorable_fields() -> Response | None:
    """before_request for the dashboard and the API: query and form values with a NUL are refused
    (a search box or a form field would otherwise reach the database and fail there). Twilio's
    webhooks check their own fields after the signature (a NUL in a reply is stored as U+FFFD)."""
    if request.blueprint == "twilio":
        return None
    sources: tuple[tuple[str, MultiDict[str, str]], ...] = (
        ("query", request.args), ("form", request.form if request.method == "POST" else MultiDict()))
    for source, values in sources:
        for name, value in values.items(multi=True):
            if problem := text_problem(name) or text_problem(value):
                return bad_input(BadInput(f"{source} field {name[:40]!r}: {problem}"))
    return None


def too_large(_error) -> tuple[Response, int] | tuple[str, int]:
    """413 with the limit named (as JSON for the API), not werkzeug's bare page."""
    limit = request.max_content_length
    reason = f"body: larger than the {limit // 1024} KiB allowed" if limit else "body: too large"
    return bad_input(BadInput(reason, 413))


def bad_input(error: BadInput):
    if request.path.startswith("/api/"):
        return jsonify(errors=[error.reason]), error.status
    return render_template("error.html", title="That input cannot be used", message=error.reason), error.status
