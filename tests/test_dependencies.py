"""The shape of the package: what importing a part of it costs."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("flask", "sqlalchemy", "alembic", "twilio")


def test_importing_triage_loads_no_web_framework_database_or_twilio():
    # A fresh interpreter: this test process has long since loaded all of them.
    probe = f"import sys, bot.triage; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
