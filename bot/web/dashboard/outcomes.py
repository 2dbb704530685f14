"""The clinic's outcomes page: charts drawn here as SVG (numbers only, no script, no CDN) and a CSV
of the same numbers (bot/outcomes.py computes them)."""
from __future__ import annotations

import csv
import io

from flask import Response, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from bot import outcomes
from bot.timeutil import utcnow
from bot.web import db, rt
from bot.web.dashboard.common import bp

W, H, LEFT, BOTTOM, TOP = 640, 220, 36, 28, 12


def _frame(label: str, top_value: float, ticks: list[float], unit: str = "") -> list[str]:
    inner = H - TOP - BOTTOM
    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{label}">']
    for tick in ticks:
        y = round(TOP + inner * (1 - tick / top_value), 1)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{W - 8}" y1="{y}" y2="{y}"/>'
                     f'<text class="axis" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{tick:g}{unit}</text>')
    return parts


def _x(index: int, count: int) -> float:
    return round(LEFT + (W - LEFT - 8) * (index + 0.5) / max(count, 1), 1)


def response_chart(data: dict[int, tuple[int, int]]) -> Markup:
    if not data:
        return Markup('<p class="muted">No check-in questions sent yet.</p>')
    weeks = sorted(data)
    inner, width = H - TOP - BOTTOM, max((W - LEFT - 8) / len(weeks) * 0.6, 4)
    parts = _frame(f"response rate to check-ins by post-operative week, weeks {weeks[0]}-{weeks[-1]}", 100,
                   [0, 50, 100], "%")
    for i, week in enumerate(weeks):
        answered, asked = data[week]
        rate = 100 * answered / asked if asked else 0
        x, height = _x(i, len(weeks)), inner * rate / 100
        parts.append(f'<rect class="bar" x="{round(x - width / 2, 1)}" y="{round(TOP + inner - height, 1)}" '
                     f'width="{round(width, 1)}" height="{round(height, 1)}"><title>week {week}: {rate:.0f}% '
                     f'({answered} of {asked})</title></rect>'
                     f'<text class="axis" x="{x}" y="{H - 8}" text-anchor="middle">{week}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def pain_chart(data: dict[int, tuple[float, float, float, int]]) -> Markup:
    if not data:
        return Markup('<p class="muted">No pain scores yet.</p>')
    weeks = sorted(data)
    inner = H - TOP - BOTTOM
    parts = _frame(f"median pain by post-operative week with the middle half, weeks {weeks[0]}-{weeks[-1]}", 10,
                   [0, 5, 10])

    def y(v: float) -> float:
        return round(TOP + inner * (1 - v / 10), 1)

    line = []
    for i, week in enumerate(weeks):
        p25, median, p75, n = data[week]
        x = _x(i, len(weeks))
        parts.append(f'<rect class="spread" x="{x - 5}" y="{y(p75)}" width="10" height="{round(y(p25) - y(p75), 1)}">'
                     f'<title>week {week}: median {median:g}, middle half {p25:g}-{p75:g} ({n} scores)</title></rect>'
                     f'<text class="axis" x="{x}" y="{H - 8}" text-anchor="middle">{week}</text>')
        line.append(f"{x},{y(median)}")
    parts.append(f'<polyline class="line" fill="none" points="{" ".join(line)}"/>')
    parts += [f'<circle class="dot" cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3"/>' for p in line]
    parts.append("</svg>")
    return Markup("".join(parts))


def _numbers():
    return outcomes.compute(db(), current_user.clinic_id, utcnow())


@bp.get("/outcomes")
@login_required
def outcomes_page():
    o = _numbers()
    return render_template("outcomes.html", o=o, response_svg=response_chart(o.response),
                           pain_svg=pain_chart(o.pain), simulated=rt().transport.simulated)


@bp.get("/outcomes.csv")
@login_required
def outcomes_csv():
    out = io.StringIO()
    csv.writer(out).writerows(outcomes.csv_rows(_numbers()))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=outcomes.csv"})
