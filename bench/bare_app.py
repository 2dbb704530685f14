"""The baselines for bench/webhook.py.

`app`: a bare Flask endpoint answering an empty TwiML, nothing else.
`stored_app`: the same plus the service's own durable write of the reply (`inbound.store_now` on an
autocommit engine), and nothing else: no signature, no triage decision. Beside the other two it shows
how much of the gap between the bare endpoint and the service is the database's."""
import os

from flask import Flask, request

app = Flask(__name__)
stored_app = Flask(__name__ + ".stored")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@app.post("/twilio/sms")
def sms():
    return EMPTY_TWIML, 200, {"Content-Type": "text/xml"}


@stored_app.post("/twilio/sms")
def sms_stored():
    from bot import db, inbound
    from bot.timeutil import utcnow

    engine = stored_app.extensions.get("engine")
    if engine is None:
        engine = stored_app.extensions["engine"] = db.make_engine(os.environ["DATABASE_URL"], autocommit=True)
    form = request.form
    inbound.store_now(engine, form["MessageSid"], form["From"], form.get("Body", ""), form.get("To"), utcnow())
    return EMPTY_TWIML, 200, {"Content-Type": "text/xml"}
