"""Settings from the environment, parsed strictly at start-up.

Every value is checked once here so a typo in a deployment fails the process at boot with the
variable's name, instead of failing a patient's text at 3 a.m.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path

import phonenumbers

from bot import clinic_hours
from bot.phones import parse_phone
from bot.settings import Settings
from bot.timeutil import known_zone

TWILIO_DEFAULT_API = "https://api.twilio.com"


class ConfigError(ValueError):
    """One or more settings are missing or malformed; the message names each of them."""


def _parse_quiet_hours(value: str) -> tuple[time, time]:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not m:
        raise ValueError("expected HH:MM-HH:MM, e.g. 21:00-08:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    return time(h1, m1), time(h2, m2)  # time() itself rejects 25:00 or 08:61


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("must be a positive number")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or more")
    return number


def _region(value: str) -> str:
    value = value.upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError("not a known two-letter region code such as US")
    return value


def _url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _timezone(value: str) -> str:
    if not known_zone(value):
        raise ValueError("unknown IANA time zone")
    return value


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _content_dir(value: str) -> Path:
    path = Path(value)
    if not (path / "schedules").is_dir() or not (path / "content").is_dir():
        raise ValueError("must be a folder containing schedules/ and content/")
    return path


def _clinic_hours(value: str) -> str:
    clinic_hours.parse(value, "UTC")  # the format; the time zone is CLINIC_TIMEZONE, joined in below
    return value


def _shared_keys(value: str) -> dict[str, str]:
    keys = {}
    for entry in value.split(","):
        key_id, _, secret = (part.strip() for part in entry.partition("="))
        if not key_id or not secret:
            raise ValueError("expected KEY_ID=SECRET, several separated by commas")
        keys[key_id] = secret
    return keys


# name -> (parser, default). A default of None means "not set"; checks between settings follow below.
SETTINGS: dict[str, tuple] = {
    "DATABASE_URL": (str, None),
    "SECRET_KEY": (str, None),
    "TWILIO_ACCOUNT_SID": (str, None),
    "TWILIO_AUTH_TOKEN": (str, None),
    # Twilio SharedKeys for webhooks signed with one (X-Twilio-Webhooks-Signature-Settings), by key id.
    "TWILIO_WEBHOOK_SHARED_KEYS": (_shared_keys, None),
    "TWILIO_FROM_NUMBER": (str, None),  # phone numbers: read in DEFAULT_PHONE_REGION (PHONE_SETTINGS)
    "TWILIO_MESSAGING_SERVICE_SID": (str, None),
    "TWILIO_API_BASE_URL": (_url, TWILIO_DEFAULT_API),
    "PUBLIC_URL": (_url, None),
    "PROXY_COUNT": (_non_negative_int, 0),
    "SEND_RATE": (_positive_float, 1.0),
    "QUIET_HOURS": (_parse_quiet_hours, "21:00-08:00"),
    "DEFAULT_PHONE_REGION": (_region, "US"),
    "DEFAULT_TIMEZONE": (_timezone, "America/New_York"),
    "API_TOKEN": (str, None),
    # Bearer token for GET /metrics; without it /metrics is off (it tells anyone how busy the clinic is).
    "METRICS_TOKEN": (str, None),
    # Both go into patients' texts ("call {clinic_phone}", HELP): required when sending through Twilio;
    # the simulator fills in invented values (SIMULATOR_CLINIC) and says so.
    "CLINIC_NAME": (str, None),
    "CLINIC_PHONE": (str, None),
    # When the clinic reads texts (the review queue's deadlines, the patients' safety line), in
    # CLINIC_TIMEZONE (DEFAULT_TIMEZONE when unset). A clinic's own `hours` setting overrides it.
    "CLINIC_HOURS": (_clinic_hours, "Mon-Fri 08:00-17:00"),
    "CLINIC_TIMEZONE": (_timezone, None),
    "PLAN_HORIZON_DAYS": (_positive_int, 2),
    "DISPATCH_BATCH": (_positive_int, 500),
    "DISPATCH_THREADS": (_positive_int, 8),
    "SENDING_LEASE_SECONDS": (_positive_int, 600),
    # Every process that claims texts beats this often; one silent for HEARTBEAT_STALE_SECONDS is
    # taken for dead and its claims are recovered by the others (the lease covers a stuck one).
    "HEARTBEAT_SECONDS": (_positive_float, 2.0),
    "HEARTBEAT_STALE_SECONDS": (_positive_float, 10.0),
    # The clock's dispatch loop keeps about this many seconds of sends (at SEND_RATE) claimed ahead,
    # and looks for new due texts (urgent ones above all) at least this often when idle.
    "DISPATCH_QUEUE_SECONDS": (_positive_float, 2.0),
    "DISPATCH_IDLE_SECONDS": (_positive_float, 0.5),
    # How long one request to Twilio may take before it counts as in doubt.
    "TWILIO_TIMEOUT_SECONDS": (_positive_float, 10.0),
    # An in-doubt send is tried again no sooner than this, so that a message Twilio creates late
    # is in its log by the time we look.
    "IN_DOUBT_RECHECK_SECONDS": (_positive_int, 60),
    "MAX_SEND_ATTEMPTS": (_positive_int, 6),
    "ROUTINE_STALE_HOURS": (_positive_int, 4),
    # How often the clock acts on replies the web process left unprocessed (a crash, a failed attempt).
    "INBOUND_SWEEP_SECONDS": (_positive_int, 5),
    "ESCALATION_EMERGENCY_MINUTES": (_positive_int, 5),
    "ESCALATION_URGENT_MINUTES": (_positive_int, 15),
    # How long a check-in may go without any reply before the silence check counts it as unanswered
    # (a question itself stays open until answered or asked again: bot/conversation.py).
    "ANSWER_WINDOW_HOURS": (_positive_int, 12),
    "SIMULATOR": (_bool, None),
    # Under tests: no heartbeat thread (tests beat by hand with a controlled clock); Flask's TESTING too.
    "TESTING": (_bool, False),
    # Folder holding schedules/ and content/ (the shipped pathway unless a clinic keeps its own).
    "CONTENT_DIR": (_content_dir, str(Path(__file__).resolve().parent.parent)),
}


# Read after the others, in DEFAULT_PHONE_REGION; landlines allowed (patients call the clinic's number).
PHONE_SETTINGS = ("TWILIO_FROM_NUMBER", "CLINIC_PHONE")
# Never echoed in an error message.
SECRETS = {"SECRET_KEY", "TWILIO_AUTH_TOKEN", "TWILIO_WEBHOOK_SHARED_KEYS", "API_TOKEN", "METRICS_TOKEN"}
MIN_SECRET_KEY = 32  # signs dashboard sessions: guessable keys forge a coordinator's login
# Invented, and labelled as such wherever they show (start-up line, dashboard banner): a try-out
# must never text a real-looking clinic, nor a placeholder such as "your surgeon's office". The name
# is the one earlier versions defaulted to (and migration 0003 uses), so a try-out database keeps its
# default clinic, its accounts and its patients together.
SIMULATOR_CLINIC = {"CLINIC_NAME": "Your spine surgery team", "CLINIC_PHONE": "+12025550199"}


def _clinic_identity(config: dict, errors: list[str], sending: bool) -> None:
    """Every patient text that names the clinic or its number needs both. Sending through Twilio
    without them used to text "call your surgeon's office now at your surgeon's office"."""
    config["CLINIC_INVENTED"] = []
    for name in ("CLINIC_NAME", "CLINIC_PHONE"):
        if config.get(name):
            continue
        if sending:
            errors.append(f"{name}: required when texts are sent through Twilio (patients are told to call "
                          "the clinic by name and number)")
        else:
            config[name] = SIMULATOR_CLINIC[name]
            config["CLINIC_INVENTED"].append(name)


def load(environ: Mapping[str, str] | None = None, overrides: dict | None = None,
         instance_path: str | None = None) -> Settings:
    """Parse every setting; raise ConfigError naming each bad one. `overrides` (tests) win."""
    env = os.environ if environ is None else environ
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(SETTINGS))
    if unknown:
        raise ConfigError(f"Bad configuration: not settings: {', '.join(unknown)}")
    config: dict = {}
    errors: list[str] = []
    for name, (parse, default) in SETTINGS.items():
        if name in overrides:
            raw = overrides[name]
            if not isinstance(raw, str) or parse is str:
                config[name] = raw
                continue
        else:
            raw = env.get(name)
        if raw is None or raw == "":
            raw = default
            if raw is None or not isinstance(raw, str):
                config[name] = raw
                continue
        try:
            config[name] = parse(raw)
        except ValueError as e:
            errors.append(f"{name}: {e}" if name in SECRETS else f"{name}={raw!r}: {e}")
    for name in PHONE_SETTINGS:
        raw = config[name]
        if isinstance(raw, str) and raw:
            try:  # with a bad region (reported above) only a number with its country code reads
                config[name] = parse_phone(raw, config.get("DEFAULT_PHONE_REGION"), mobile=False)
            except ValueError as e:
                errors.append(f"{name}={raw!r}: {e}")

    if not config["DATABASE_URL"]:
        folder = Path(instance_path or "instance")
        folder.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{folder.resolve() / 'postop.db'}"
    elif not re.match(r"^(sqlite|postgresql)(\+\w+)?://", config["DATABASE_URL"]):
        errors.append("DATABASE_URL: must start with sqlite:// or postgresql://")
    twilio_parts = [config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]]
    if any(twilio_parts) and not all(twilio_parts):
        errors.append("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both or neither")
    if all(twilio_parts) and not (config["TWILIO_FROM_NUMBER"] or config["TWILIO_MESSAGING_SERVICE_SID"]):
        errors.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID: one is needed to send through Twilio")
    if config["SIMULATOR"] is None:
        config["SIMULATOR"] = not all(twilio_parts)
    _clinic_identity(config, errors, sending=all(twilio_parts) and not config["SIMULATOR"])
    if not config["SECRET_KEY"]:
        if config["SIMULATOR"]:
            # A local try-out needs no secret; a real deployment must bring its own.
            config["SECRET_KEY"] = "insecure-simulator-only-key"
        else:
            errors.append("SECRET_KEY: required when texts are sent through Twilio")
    elif all(twilio_parts) and len(config["SECRET_KEY"]) < MIN_SECRET_KEY:
        errors.append(f"SECRET_KEY: at least {MIN_SECRET_KEY} random characters when texts are sent through Twilio "
                      "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if config["TWILIO_MESSAGING_SERVICE_SID"] and not config["TWILIO_MESSAGING_SERVICE_SID"].startswith("MG"):
        errors.append("TWILIO_MESSAGING_SERVICE_SID: must start with MG")
    if isinstance(config.get("CLINIC_HOURS"), str):
        config["CLINIC_HOURS"] = clinic_hours.parse(config["CLINIC_HOURS"], config.get("CLINIC_TIMEZONE")
                                                    or config.get("DEFAULT_TIMEZONE") or "America/New_York")
    if errors:
        raise ConfigError("Bad configuration:\n  " + "\n  ".join(errors))
    config["CONTENT_DIR"] = Path(config["CONTENT_DIR"])
    config["CLINIC_INVENTED"] = tuple(config["CLINIC_INVENTED"])
    return Settings(**{name.lower(): value for name, value in config.items()})
