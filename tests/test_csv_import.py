"""`postop import`: all lines or none, every bad line listed, re-runs do not duplicate anyone."""
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.models import Enrollment
from tests.conftest import FIXTURE_CONTENT

HEADER = "first_name,phone,surgery_date,timezone,language,pathway,last_name,date_of_birth\n"
LINES = ["Ana,202-555-0143,2026-11-20,America/New_York,en,lumbar-fusion,Reyes,1961-04-12",
         "Luis,+1 202 555 0144,2026-11-18,America/Los_Angeles,es,,Ortiz,1958-09-30",
         "Mei,(202) 555-0145,2026-11-25,America/Chicago,en,lumbar-fusion,Chen,1970-01-05"]


@pytest.fixture
def run_import(config, rt, tmp_path):
    env = {"DATABASE_URL": config["DATABASE_URL"], "CONTENT_DIR": str(FIXTURE_CONTENT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": ""}

    def run(text: str):
        path = tmp_path / "patients.csv"
        path.write_text(text, encoding="utf-8")
        return CliRunner().invoke(main, ["import", str(path)], env=env, catch_exceptions=False)
    return run


def names(rt):
    with rt.session() as s:
        return sorted(e.first_name for e in s.query(Enrollment))


def test_good_file_imports_everyone(run_import, rt):
    result = run_import(HEADER + "\n".join(LINES) + "\n")
    assert result.exit_code == 0, result.output
    assert "imported 3" in result.output and names(rt) == ["Ana", "Luis", "Mei"]


def test_any_bad_line_imports_nothing_and_lists_every_bad_line(run_import, rt):
    bad = LINES + ["Zoe,12345,2026-11-20,America/New_York,en,,Lind,1980-02-02",
                   "Max,202-555-0146,2026-02-31,Mars/Olympus,de,,Roth,1975-13-01",
                   "Ana2,202-555-0143,2026-11-20,America/New_York,en,,Reyes,1961-04-12",  # same phone as line 2
                   "Noe,202-555-0148,2026-11-20,America/New_York,en,,,"]  # no last name, no date of birth
    result = run_import(HEADER + "\n".join(bad) + "\n")
    assert result.exit_code == 1
    out = result.output
    assert "line 5: phone:" in out
    assert "line 6: surgery_date:" in out and "line 6: timezone:" in out and "line 6: language:" in out
    assert "line 7: phone: same number as line 2" in out
    assert "line 6: date_of_birth:" in out
    assert "line 8: last_name: required" in out and "line 8: date_of_birth: required" in out
    assert "line 2" not in out.replace("as line 2", "")
    assert names(rt) == []


def test_rerunning_a_fixed_import_does_not_duplicate(run_import, rt):
    assert run_import(HEADER + LINES[0] + "\n").exit_code == 0
    result = run_import(HEADER + "\n".join(LINES) + "\n")
    assert result.exit_code == 0 and "imported 2" in result.output and "1 already enrolled" in result.output
    assert names(rt) == ["Ana", "Luis", "Mei"]


def test_header_must_name_the_columns(run_import, rt):
    result = run_import("name,phone\nAna,202-555-0143\n")
    assert result.exit_code == 1 and "missing column(s)" in result.output
    old_header = HEADER.replace(",last_name,date_of_birth", "")
    result = run_import(old_header + "Ana,202-555-0143,2026-11-20,America/New_York,en,\n")
    assert result.exit_code == 1 and "missing column(s) date_of_birth, last_name" in result.output
    assert names(rt) == []


def test_a_line_with_missing_columns_is_reported(run_import, rt):
    result = run_import(HEADER + LINES[0] + "\nBea,202-555-0147\n")
    assert result.exit_code == 1 and "line 3" in result.output
    assert names(rt) == []
