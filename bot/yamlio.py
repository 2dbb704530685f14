"""Reading YAML (content, pathways, triage rules) with libyaml's parser where PyYAML has it (its
wheels do): the same documents, about ten times faster than the pure-Python parser, which was most
of the time `postop triage` and `postop content check` took to start and of the fast tests."""
from __future__ import annotations

from typing import Any

import yaml

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream) -> Any:
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - a safe loader
