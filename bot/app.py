"""The web app factory: every route, the dashboard and the webhooks, on one runtime."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import boot, logs
from bot.triage.lexicon import LANGUAGES, load
from bot.web import api, api_coordinators, close_db, inputs, ops, twilio, twilio_voice  # noqa: F401
from bot.web.dashboard import init_app as init_dashboard


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web app. Nothing starts here: the scheduler runs in its own process (`postop clock`)."""
    logs.install()  # web workers log through gunicorn's handlers: mask at the record, not the handler
    app = Flask(__name__, instance_relative_config=True)
    rt = boot.build(overrides=test_config, instance_path=app.instance_path)
    # Flask's own settings only; everything else reads rt.settings.
    app.config.update(SECRET_KEY=rt.settings.secret_key, TESTING=rt.settings.testing,
                      MAX_CONTENT_LENGTH=2 * 1024 * 1024)  # CSV uploads; the webhooks allow less
    app.extensions["runtime"] = rt

    # (api_coordinators and twilio_voice, imported above, add routes to api.bp and twilio.bp)
    for lang in LANGUAGES:  # each web worker compiles the lexicons now, not on its first reply (~0.7 s)
        load(lang)

    app.register_blueprint(twilio.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    init_dashboard(app)  # the coordinator dashboard: accounts, pages, CSRF, security headers

    app.teardown_appcontext(close_db)
    app.before_request(inputs.reject_unstorable_fields)
    app.register_error_handler(inputs.BadInput, inputs.bad_input)
    app.register_error_handler(413, inputs.too_large)

    if rt.settings.proxy_count:
        # Trust exactly this many proxies for the scheme and host Twilio signed.
        n = rt.settings.proxy_count
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # as above
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    return app
