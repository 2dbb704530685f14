"""Security headers on every response the service gives: the dashboard's pages, the API, Twilio's webhooks."""
from __future__ import annotations

from bot.web import rt

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin",
                    "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response):
    """Each header unless the view set its own; one pass over the response's headers rather than a
    setdefault (a scan) per header, as this runs on every response, webhooks included."""
    present = {name.lower() for name in response.headers.keys()}
    response.headers.extend([(name, value) for name, value in SECURITY_HEADERS.items()
                             if name.lower() not in present])
    https = (rt().settings.public_url or "").startswith("https://")
    if https and "strict-transport-security" not in present:
        # Served over HTTPS: browsers must never fall back to plain HTTP for this host.
        response.headers["Strict-Transport-Security"] = HSTS
    return response
