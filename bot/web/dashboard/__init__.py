"""The coordinator dashboard: server-rendered pages under /dashboard, plus /login and /logout.

`init_app` wires everything the pages need into the app: accounts (Flask-Login), CSRF on every
form except Twilio's and the bearer-token API's, cookie settings, and security headers on every
response (with no-store on the pages). Pages live in one module per screen: roster, patient,
escalations, admin, simulator.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.web import api, auth, twilio
from bot.web.dashboard import (  # noqa: F401  (each module adds its pages to bp)
    admin,
    coordinators,
    escalations,
    oncall,
    outcomes,
    patient,
    roster,
    sim_coordinators,
    simulator,
)
from bot.web.dashboard.common import bp
from bot.web.headers import add_security_headers

csrf = CSRFProtect()


def _security_headers(response):
    add_security_headers(response)
    if request.blueprint in ("dashboard", "auth") and not request.path.startswith("/dashboard/static/"):
        # Patient data must not linger in shared browser or proxy caches.
        response.headers["Cache-Control"] = "no-store"
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions. A request without the session cookie (every API call) gets
    its new empty session straight away: Flask would build the cookie signer first."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    runtime = app.extensions["runtime"]
    plain_http_ok = runtime.settings.testing or runtime.transport.simulated
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=not plain_http_ok,
        SESSION_COOKIE_NAME="postop_session",
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=not plain_http_ok,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # A queue page left open through a shift must still acknowledge: the token is bound to the
        # session (which expires) rather than to the hour the page was loaded.
        WTF_CSRF_TIME_LIMIT=None,
        # Behind TLS the referrer check adds nothing the SameSite cookie and token do not already give,
        # and it breaks when a proxy rewrites the host.
        WTF_CSRF_SSL_STRICT=False,
    )
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    csrf.exempt(twilio.bp)  # Twilio signs its requests
    csrf.exempt(api.bp)     # bearer tokens, never cookies
    auth.login_manager.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(bp)
    app.after_request(_security_headers)

    @app.get("/")
    def index():
        return redirect(url_for("dashboard.roster"))

    @app.errorhandler(CSRFError)
    def _csrf_error(e):
        return render_template("error.html", title="Form expired",
                               message="This form was out of date. Go back, reload the page and try again."), 400
