"""Failed-login time for an existing email (wrong password) and for an unknown email, with the real
argon2id settings: the two must not tell an attacker which emails have accounts.

    .venv/bin/python bench/login_timing.py [--rounds 15] [--database sqlite|postgresql]

Prints the median of each and their difference; docs/performance.md records the figure.
"""
from __future__ import annotations

import argparse
import re
import statistics
import time

from common import fresh_database

from bot.accounts import create_user
from bot.app import create_app

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def failed_login(app, email: str, attempt: int) -> float:
    client = app.test_client()
    environ = {"REMOTE_ADDR": f"10.1.{attempt // 250}.{attempt % 250 + 1}"}  # below the lockout
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    start = time.perf_counter()
    response = client.post("/login", data={"email": email, "password": "not the password", "csrf_token": token},
                           environ_base=environ)
    elapsed = time.perf_counter() - start
    assert response.status_code == 401, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    url, cleanup = fresh_database(args.database)
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789abcdefghij",
                          "TESTING": True, "CLINIC_NAME": "Riverside Spine Center"})
        with app.extensions["runtime"].session() as s:
            create_user(s, "dana.admin@riverside.example", "Dana Whitfield", "admin", "Riverside Spine Center",
                        "correct horse battery staple")
        known, unknown = [], []
        for i in range(args.rounds):  # alternating, so machine load falls on both alike
            known.append(failed_login(app, "dana.admin@riverside.example", 2 * i))
            unknown.append(failed_login(app, f"nobody{i}@riverside.example", 2 * i + 1))
        k, u = statistics.median(known), statistics.median(unknown)
        print(f"failed_login database={args.database} rounds={args.rounds} "
              f"existing_email_median_ms={k * 1000:.1f} unknown_email_median_ms={u * 1000:.1f} "
              f"difference={abs(k - u) / max(k, u) * 100:.1f}% (target < 25%)")
        app.extensions["runtime"].dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
