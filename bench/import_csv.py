"""Benchmark (c): import patients from one CSV file.
Targets on PostgreSQL: 10,000 in at most 5 s, 100,000 in at most 60 s.

    .venv/bin/python bench/import_csv.py [--patients 10000] [--db sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from common import build_runtime, fresh_database

from bot import enrollment
from bot.timeutil import utcnow

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


def make_csv(n: int) -> str:
    lines = ["first_name,phone,surgery_date,timezone,language,pathway,last_name,date_of_birth"]
    today = date.today()
    for i in range(n):
        # Fictional numbers: 202-555-01xx is reserved; for volume we use the 555 exchange across area codes.
        area = 201 + i // 10000
        lines.append(f"Patient{i},+1{area}555{i % 10000:04d},{today - timedelta(days=i % 30)},"
                     f"{ZONES[i % 4]},{'es' if i % 3 == 0 else 'en'},lumbar-fusion,Test{i % 997},"
                     f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    url, cleanup = fresh_database(args.db)
    rt = build_runtime(url)
    text = make_csv(args.patients)
    try:
        started = time.perf_counter()
        with rt.session() as session:
            created, _ = enrollment.import_csv(session, rt, text, "bench", utcnow())
        elapsed = time.perf_counter() - started
        print(f"import_csv db={args.db} patients={len(created)} seconds={elapsed:.2f} "
              f"patients_per_second={len(created) / elapsed:.0f} target_seconds<=5 (PostgreSQL 10,000), <=60 (100,000)")
    finally:
        rt.engine.dispose()
        cleanup()


if __name__ == "__main__":
    main()
