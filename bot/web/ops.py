"""Operator endpoints: health for load balancers, Prometheus metrics for dashboards and alerts."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, jsonify, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot import page_calls
from bot.escalation import on_call_for
from bot.models import Clinic, Heartbeat, Outbox
from bot.outbox.states import Status
from bot.timeutil import utcnow
from bot.web import db, rt

bp = Blueprint("ops", __name__)
HEARTBEAT_MAX_AGE = 180  # seconds: the clock beats at least once a minute


@bp.get("/healthz")
def healthz():
    try:
        beat = db().get(Heartbeat, "clock")
    except SQLAlchemyError as e:
        return jsonify(status="error", database=f"unreachable: {type(e).__name__}"), 503
    age = (utcnow() - beat.at).total_seconds() if beat else None
    clock_ok = age is not None and age <= HEARTBEAT_MAX_AGE
    body = {"status": "ok" if clock_ok else "degraded", "database": "ok",
            "clock_heartbeat_age_seconds": round(age, 1) if age is not None else None,
            "transport": "simulator" if rt().transport.simulated else "twilio"}
    clinics = db().scalars(select(Clinic).order_by(Clinic.id)).all()
    body["on_call"] = {c.name: len(on_call_for(db(), c.id, rt().settings)) for c in clinics}
    uncovered = [name for name, count in body["on_call"].items() if not count] or ([] if clinics else ["-"])
    # Reported, not a failed check: the process is healthy, the roster or the paging is not; a load
    # balancer must keep sending replies here, and monitoring should alert a person on a warning.
    warnings = [f"nobody on call for {', '.join(uncovered)}: red flags page no one"
                " (postop coordinator add ... --on-call-rank 1)"] if uncovered else []
    warnings += page_calls.unavailable(rt().settings)
    if warnings:
        body["warnings"] = warnings
    return jsonify(body), 200 if clock_ok else 503


class _OutboxCollector:
    def __init__(self, session):
        self.session = session

    def collect(self):
        texts = GaugeMetricFamily("postop_texts", "Outbox texts by status", labels=["status"])
        for status, count in self.session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)):
            texts.add_metric([status], count)
        yield texts
        oldest = self.session.scalar(select(func.min(Outbox.due_at)).where(
            Outbox.status == Status.PLANNED, Outbox.due_at <= utcnow()))
        lag = GaugeMetricFamily("postop_dispatch_lag_seconds", "Age of the oldest due text not yet sent")
        lag.add_metric([], (utcnow() - oldest).total_seconds() if oldest else 0.0)
        yield lag
        beat = self.session.get(Heartbeat, "clock")
        age = GaugeMetricFamily("postop_clock_heartbeat_age_seconds", "Seconds since the clock last ran")
        age.add_metric([], (utcnow() - beat.at).total_seconds() if beat else float("inf"))
        yield age


@bp.get("/metrics")
def metrics():
    """Bearer METRICS_TOKEN; without that setting, off (404)."""
    configured = rt().settings.metrics_token
    if not configured:
        return Response("metrics are off: set METRICS_TOKEN\n", status=404, mimetype="text/plain")
    header = request.headers.get("Authorization", "")
    if not hmac.compare_digest(header.encode(), f"Bearer {configured}".encode()):
        return Response("Authorization: Bearer <METRICS_TOKEN> required\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    registry = CollectorRegistry()
    registry.register(_OutboxCollector(db()))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
