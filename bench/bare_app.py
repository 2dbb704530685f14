"""The baseline for bench/webhook.py: a bare Flask endpoint answering an empty TwiML, nothing else."""
from flask import Flask

app = Flask(__name__)


@app.post("/twilio/sms")
def sms():
    return '<?xml version="1.0" encoding="UTF-8"?><Response />', 200, {"Content-Type": "text/xml"}
