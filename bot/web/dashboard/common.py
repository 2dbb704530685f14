"""What every dashboard page shares: the blueprint, clinic scoping, time formatting, SVG charts."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, g
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from bot.clinic_hours import for_clinic
from bot.clinics import in_clinic
from bot.escalation import on_call_for
from bot.models import Clinic, Enrollment, Escalation
from bot.phones import mask_phone
from bot.timeutil import utc_to_local, utcnow
from bot.web import db, rt

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="../templates",
               static_folder="../static", static_url_path="/static")

def clinic_filter(model=Enrollment):
    """Every query about patients, escalations, users or tokens goes through this: a user sees their
    own clinic's only (bot.clinics.in_clinic; admins included, an admin of two clinics has two accounts)."""
    return in_clinic(model, current_user.clinic_id)


def visible_enrollments():
    return select(Enrollment).where(clinic_filter())


def get_patient(enrollment_id: int) -> Enrollment:
    """The patient, or 404 whether it does not exist or belongs to another clinic (no oracle)."""
    found = db().scalars(visible_enrollments().where(Enrollment.id == enrollment_id)).first()
    if found is None:
        abort(404)
    return found


def escalation_scope():
    """This clinic's escalations (the API's rule too), each with its patient if there is one. One
    from an unknown number belongs to the default clinic, whose coordinators it pages: another
    clinic's users neither read that stranger's text nor acknowledge it, which would stop the paging
    of a team they are not part of."""
    return (select(Escalation, Enrollment).outerjoin(Enrollment, Enrollment.id == Escalation.enrollment_id)
            .where(clinic_filter(Escalation)))


def get_escalation(escalation_id: int) -> tuple[Escalation, Enrollment | None]:
    row = db().execute(escalation_scope().where(Escalation.id == escalation_id)).first()
    if row is None:
        abort(404)
    return row[0], row[1]


def clinic_zone_name(clinic_id: int | None = None) -> str:
    """The time zone the user's clinic reads times in: its own `timezone` setting, else
    CLINIC_TIMEZONE, else DEFAULT_TIMEZONE (bot.clinic_hours). Asked once per request."""
    cached = getattr(g, "clinic_zone", None)
    if cached is not None and clinic_id is None:
        return cached
    wanted = clinic_id if clinic_id is not None else getattr(current_user, "clinic_id", None)
    clinic = db().get(Clinic, wanted) if wanted is not None else None
    zone = for_clinic(clinic, rt().settings.clinic_hours).timezone
    if clinic_id is None:
        g.clinic_zone = zone
    return zone


def display_zone() -> ZoneInfo:
    return ZoneInfo(clinic_zone_name())


def when(moment: datetime | None, fmt: str = "%b %d %H:%M", patient_zone: str | None = None) -> str:
    """UTC (naive) -> the clinic's local time with its zone named ("Dec 01 13:22 CST"); with a
    patient's zone that reads differently at that moment, their own time beside it, because "I took
    it at 2" on the phone means the patient's 2 o'clock."""
    if moment is None:
        return "-"
    local = utc_to_local(moment, clinic_zone_name())
    shown = f"{local.strftime(fmt)} {local.tzname()}"
    if patient_zone and patient_zone != clinic_zone_name():
        theirs = utc_to_local(moment, patient_zone)
        if theirs.utcoffset() != local.utcoffset() or theirs.tzname() != local.tzname():
            shown += f" (patient {theirs.strftime('%H:%M')} {theirs.tzname()})"
    return shown


def _day(moment: datetime) -> str:
    return utc_to_local(moment, clinic_zone_name()).strftime("%b %d")


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "never"
    return duration((now or utcnow()) - moment) + " ago"


def duration(delta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 0:
        seconds = 0
    if seconds < 90:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min" if hours < 6 else f"{hours} h"
    return f"{hours // 24} d"


def sparkline(points: list[int], width: int = 90, height: int = 24) -> Markup:
    """A tiny pain trend (0-10, oldest first) as inline SVG. Numbers only: nothing user-typed goes in."""
    if not points:
        return Markup('<span class="muted">-</span>')
    step = width / max(len(points) - 1, 1)
    coords = [(round(i * step, 1), round(height - 2 - (p / 10) * (height - 4), 1)) for i, p in enumerate(points)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    last_x, last_y = coords[-1]
    label = f"pain trend, last {len(points)}: " + ", ".join(str(p) for p in points)
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
        f'points="{line}"/><circle cx="{last_x}" cy="{last_y}" r="2.5" fill="currentColor"/></svg>')


def pain_chart(points: Sequence[tuple[datetime, float]], width: int = 640, height: int = 200) -> Markup:
    """Pain over time with axes, for the patient page. Server-rendered SVG; scales to its container."""
    if not points:
        return Markup('<p class="muted">No pain scores yet.</p>')
    left, right, top, bottom = 28, 10, 10, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    t0, t1 = points[0][0], points[-1][0]
    span = max((t1 - t0).total_seconds(), 1)

    def xy(at: datetime, value: float) -> tuple[float, float]:
        x = left + (inner_w * ((at - t0).total_seconds() / span) if len(points) > 1 else inner_w / 2)
        return round(x, 1), round(top + inner_h * (1 - value / 10), 1)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="pain score over time, {len(points)} answers">']
    for level in (0, 5, 10):
        y = top + inner_h * (1 - level / 10)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y}" y2="{y}"/>'
                     f'<text class="axis" x="{left - 6}" y="{y + 4}" text-anchor="end">{level}</text>')
    coords = [xy(at, v) for at, v in points]
    parts.append('<polyline class="line" fill="none" points="' + " ".join(f"{x},{y}" for x, y in coords) + '"/>')
    for (x, y), (at, v) in zip(coords, points, strict=True):
        parts.append(f'<circle class="dot" cx="{x}" cy="{y}" r="3"><title>{escape(when(at))}: {v}</title></circle>')
    parts.append(f'<text class="axis" x="{left}" y="{height - 6}">{escape(_day(t0))}</text>')
    if len(points) > 1:
        parts.append(f'<text class="axis" x="{width - right}" y="{height - 6}" text-anchor="end">'
                     f'{escape(_day(t1))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def pain_value(raw: str) -> int | None:
    try:
        value = int(float(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 10 else None


@bp.app_template_global()
def simulator_enabled() -> bool:
    return bool(rt().transport.simulated)


@bp.app_template_global()
def invented_clinic() -> list[tuple[str, str]]:
    """The clinic name and number the simulator made up (setting name, value), for its banner."""
    settings = rt().settings
    return [(name, getattr(settings, name.lower())) for name in settings.clinic_invented]


@bp.app_template_global()
def nobody_on_call() -> bool:
    """The red banner on every page: a red flag from this user's clinic would page no one."""
    return not on_call_for(db(), current_user.clinic_id, rt().settings)


@bp.app_context_processor
def _helpers() -> dict:
    return {"when": when, "clinic_zone": clinic_zone_name, "ago": ago, "duration": duration,
            "mask_phone": mask_phone, "now": utcnow}
