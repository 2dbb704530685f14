"""Screenshots of the dashboard for docs/screenshots/, from invented patients in a throwaway database.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots]

Runs the app in simulator mode on 127.0.0.1 (a free port) and drives Debian's Chromium with Playwright.
"""
from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db, enrollment, oncall  # noqa: E402
from bot.accounts import create_user  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.models import (  # noqa: E402
    Clinic,
    Coordinator,
    Enrollment,
    Escalation,
    Inbound,
    Observation,
    OptOut,
    Outbox,
    ReviewItem,
)
from bot.timeutil import utcnow  # noqa: E402
from bot.triage import classify  # noqa: E402

PASSWORD = "screenshot-password-1"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SURNAMES = ["Reyes", "Okafor", "Lindqvist", "Moreno", "Chen", "Baptiste", "Haddad", "Novak", "Osei", "Duarte",
            "Kowalski", "Ferreira", "Nakamura", "Brennan"]
NAMES = ["Rosalind", "Mateo", "Priya", "Walter", "Lucía", "Gideon", "Harriet", "Tomás", "Ines", "Oren",
         "Beatrix", "Kwame", "Marisol", "Desmond"]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]

# The escalations shown carry what the real triage engine says about their texts.
CHEST = classify("I have chest pain and can't breathe", "en")
FEVER = classify("tengo fiebre de 38.6 y la herida supura", "es")
NUMB = classify("my left foot went numb this morning", "en")


def _team(s, clinic_id: int) -> dict[str, Coordinator]:
    """The clinic's coordinators and its week: the nurse line by day, the provider at night."""
    team = {}
    for i, name in enumerate(["Nora Nurse", "Paul Provider", "Bea Backup", "Dana Whitfield"]):
        team[name] = Coordinator(clinic_id=clinic_id, name=name, phone=f"+120255501{81 + i}",
                                 email=f"{name.split()[0].lower()}@riverside.example", on_call_rank=i + 1)
        s.add(team[name])
    s.flush()
    clinic = s.get(Clinic, clinic_id)
    clinic.settings = {"timezone": "America/Chicago"}
    oncall.add_shift(s, clinic, {"name": "Weekday nurse line", "days": "01234", "starts": "08:00", "ends": "17:00",
                                 "ladder": [team["Nora Nurse"].id, team["Bea Backup"].id]}, "seed")
    oncall.add_shift(s, clinic, {"name": "Nights and weekends", "days": "0123456", "starts": "17:00",
                                 "ends": "08:00", "ladder": [team["Paul Provider"].id, team["Bea Backup"].id]}, "seed")
    tonight = utcnow().astimezone(ZoneInfo("America/Chicago")).replace(hour=17, minute=0, tzinfo=None)
    oncall.add_override(s, clinic, "America/Chicago", {
        "starts": tonight.isoformat(timespec="minutes"), "ends": (tonight + timedelta(hours=15)).isoformat(
            timespec="minutes"), "ladder": [team["Dana Whitfield"].id, team["Bea Backup"].id],
        "note": "Dana covers tonight"}, "seed")
    return team


def _paging_story(s, esc: Escalation, patient: tuple, team: dict, now) -> None:
    """What the card shows: the first rung's text, then the second rung's text and call."""
    def row(kind, who, minutes, status, twilio_status, answered=False):
        at = now - timedelta(minutes=minutes)
        page_round = 1 if minutes > 5 else 2
        s.add(Outbox(key=f"{kind}:{esc.id}:{page_round}:{who.id}", escalation_id=esc.id, enrollment_id=patient[0],
                     to_phone=who.phone, kind=kind, urgent=True, due_at=at, sent_at=at, status=status,
                     twilio_status=twilio_status, delivered_at=at if status == "delivered" else None,
                     body="[EMERGENCY] Patient Mateo O. (enrollment 2): chest_or_breathing. Reply ACK K7QX4M"
                     if kind == "page" else "<Response><Say>emergency page</Say></Response>",
                     answered_at=at + timedelta(seconds=40) if answered else None))
    row("page", team["Paul Provider"], 6, "delivered", "delivered")
    row("page", team["Bea Backup"], 1, "delivered", "delivered")
    row("call", team["Bea Backup"], 1, "undelivered", "no-answer")


def seed(rt) -> dict:
    rng = random.Random(7)
    now = utcnow()
    with rt.session() as s:
        admin = create_user(s, "dana.admin@riverside.example", "Dana Whitfield", "admin", "Riverside Spine Center",
                            PASSWORD)
        clinic_id = admin.clinic_id
        team = _team(s, clinic_id)
    ids = []
    for i, name in enumerate(NAMES):
        days_ago = [1, 2, 3, 5, 6, 9, 12, 16, 20, 27, 33, 41, 55, 70][i]
        data = {"first_name": name, "last_name": SURNAMES[i % len(SURNAMES)],
                "date_of_birth": f"{1948 + 2 * i}-{1 + i % 12:02d}-{3 + i:02d}",
                "phone": f"+120255501{10 + i:02d}", "timezone": ZONES[i % 4],
                "surgery_date": (date.today() - timedelta(days=days_ago)).isoformat(),
                "language": "es" if name in ("Lucía", "Tomás", "Marisol") else "en"}
        with rt.session() as s:
            e = enrollment.create(s, rt, enrollment.validate(data, rt), "seed", now, clinic_id)
            e.created_at = now - timedelta(days=days_ago)  # enrolled on the day of surgery
            ids.append((e.id, days_ago, e.phone))
    with rt.session() as s:
        for eid, days_ago, phone in ids:
            pain = rng.randint(5, 8)
            asked = min(days_ago, 14)
            for d in range(asked):
                at = now - timedelta(days=asked - d, hours=rng.randint(0, 3))
                answered = rng.random() < 0.85
                q = Outbox(key=f"seed:{eid}:{d}", enrollment_id=eid, to_phone=phone, kind="pathway",
                           step="pain-daily", day=d + 1, expects="pain_score", status="delivered",
                           body="How bad is your back pain right now, from 0 (none) to 10 (worst)?",
                           due_at=at, sent_at=at, delivered_at=at, answered_at=at if answered else None)
                s.add(q)
                s.flush()
                if answered:
                    pain = max(0, min(10, pain + rng.choice([-1, -1, 0, 0, 1])))
                    reply = Inbound(message_sid=f"SMseed{eid}x{d}", from_phone=phone, body=str(pain),
                                    enrollment_id=eid, received_at=at + timedelta(minutes=12), handled_as="answer",
                                    tier="none")
                    s.add(reply)
                    s.flush()
                    s.add(Observation(enrollment_id=eid, kind="pain", value=str(pain), question_id=q.id,
                                      inbound_id=reply.id, observed_at=reply.received_at))
        first = ids[1]
        red = Inbound(message_sid="SMseedred", from_phone=first[2], body="I have chest pain and can't breathe",
                      enrollment_id=first[0], received_at=now - timedelta(minutes=4), handled_as="triage",
                      tier="emergency", flags=CHEST.flags, evidence=CHEST.evidence)
        s.add(red)
        s.flush()
        chest = Escalation(code="K7QX4M", enrollment_id=first[0], inbound_id=red.id, tier="emergency",
                           flags=CHEST.flags, evidence=CHEST.evidence, clinic_id=clinic_id,
                           status="open", ladder_rank=2, page_round=2, created_at=now - timedelta(minutes=6),
                           next_page_at=now + timedelta(minutes=4))
        s.add(chest)
        s.flush()
        _paging_story(s, chest, first, team, now)
        fever = Inbound(message_sid="SMseedfever", from_phone=ids[4][2], body="tengo fiebre de 38.6 y la herida supura",
                        enrollment_id=ids[4][0], received_at=now - timedelta(minutes=22), handled_as="triage",
                        tier="urgent", flags=FEVER.flags, evidence=FEVER.evidence)
        s.add(fever)
        s.flush()
        s.add(Escalation(code="P3MZ8A", enrollment_id=ids[4][0], inbound_id=fever.id, tier="urgent",
                         flags=FEVER.flags, evidence=FEVER.evidence, status="open", ladder_rank=2,
                         page_round=2, created_at=now - timedelta(minutes=22), next_page_at=now + timedelta(minutes=8)))
        s.add(Escalation(code="H9TR2C", enrollment_id=ids[7][0], tier="urgent", flags=NUMB.flags,
                         evidence=NUMB.evidence,
                         status="acknowledged", acknowledged_by="Dana Whitfield",
                         acknowledged_at=now - timedelta(minutes=30), created_at=now - timedelta(minutes=41)))
        question = Inbound(message_sid="SMseedq", from_phone=ids[2][2], body="Can I drive to my follow-up next week?",
                           enrollment_id=ids[2][0], received_at=now - timedelta(hours=3), handled_as="triage",
                           tier="routine")
        s.add(question)
        s.flush()
        s.add(ReviewItem(enrollment_id=ids[2][0], inbound_id=question.id, reason="routine_reply",
                         created_at=question.received_at, due_at=question.received_at + timedelta(hours=1)))
        for n in range(8):  # past items for the outcomes page: six on time, two late
            due = now - timedelta(days=2 + n)
            s.add(ReviewItem(enrollment_id=ids[n][0], reason="routine_reply", created_at=due - timedelta(hours=1),
                             due_at=due, resolved_at=due + timedelta(minutes=90 if n in (3, 6) else -20),
                             resolved_by="Nora Nurse"))
        for n, minutes in enumerate([3, 4, 9, 2]):  # acknowledged emergencies of the past weeks
            opened = now - timedelta(days=4 + 3 * n)
            s.add(Escalation(code=f"PAST{n}", enrollment_id=ids[n + 3][0], clinic_id=clinic_id, tier="emergency",
                             flags=["seed"], evidence=[], status="resolved", created_at=opened,
                             acknowledged_by="Paul Provider", acknowledged_at=opened + timedelta(minutes=minutes),
                             resolved_by="Paul Provider", resolved_at=opened + timedelta(hours=1),
                             resolution_note="Sent to the ER; seen and released"))
        s.add(OptOut(phone=ids[9][2], source="sms"))
        s.get(Enrollment, ids[11][0]).phone_problem = "Twilio 21614: number cannot receive texts"
    return {"patient": first[0], "escalation": chest.id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="postop-shots-")
    url = f"sqlite:///{folder}/shots.db"
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SIMULATOR": True, "SECRET_KEY": "screenshots-only-secret",
                      "CLINIC_NAME": "Riverside Spine Center", "DEFAULT_TIMEZONE": "America/Chicago"})
    rt = app.extensions["runtime"]
    ids = seed(rt)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
        shots = [("desktop", {"width": 1280, "height": 900}, 1, False),
                 ("phone", {"width": 375, "height": 812}, 2, True)]
        for label, viewport, scale, mobile in shots:
            context = browser.new_context(viewport=viewport, device_scale_factor=scale, is_mobile=mobile)
            page = context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill("dana.admin@riverside.example")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/dashboard/**")
            pages = [("roster", "/dashboard/patients"), ("patient", f"/dashboard/patients/{ids['patient']}"),
                     ("queue", "/dashboard/escalations"), ("escalation", f"/dashboard/escalations/{ids['escalation']}"),
                     ("oncall", "/dashboard/oncall"), ("outcomes", "/dashboard/outcomes")]
            if not mobile:
                pages += [("coordinators", "/dashboard/coordinators"), ("review", "/dashboard/review"),
                          ("simulator", f"/dashboard/simulator?patient={ids['patient']}#coordinators")]
            for name, path in pages:
                page.goto(base + path)
                target = out / f"{name}-{label}.png"
                page.screenshot(path=str(target), full_page=not mobile)
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()
        browser.close()
    httpd.shutdown()
    rt.engine.dispose()


if __name__ == "__main__":
    main()
