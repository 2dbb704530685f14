"""The one seam between the service and the phone network.

`TwilioTransport` uses the official client pointed at TWILIO_API_BASE_URL (Twilio itself, a
Twilio-compatible provider, or a local fake in tests). `SimulatorTransport` sends nothing: it marks
texts as delivered to the local phone simulator and says so loudly.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.phones import mask_phone
from bot.settings import Settings

log = logging.getLogger(__name__)

# Twilio error codes after which sending again cannot help (reference: twilio-and-scheduling.md 2.2).
OPTED_OUT = 21610
BAD_NUMBER = {21211, 21614, 21635, 21612, 21408}
RETRYABLE_HTTP = {429, 500, 502, 503, 504}


class TransportError(Exception):
    """A send that did not go out. `permanent` means retrying will not help; `ambiguous` means the
    message may nevertheless have been created (a timeout or 5xx after the request left)."""

    def __init__(self, message: str, code: int | None = None, permanent: bool = False,
                 ambiguous: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.permanent = permanent
        self.ambiguous = ambiguous
        # Seconds Twilio asked us to wait (Retry-After on a 429 or 503).
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either seconds or an HTTP date (RFC 9110 10.2.3); anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class _HttpClient(TwilioHttpClient):
    """twilio's own HTTP client, keeping each thread's last response (its headers carry
    Retry-After, which TwilioRestException does not); dispatch sends from several threads."""

    def __init__(self, timeout: float, base_url: str):
        super().__init__(timeout=timeout)
        self._mine = threading.local()
        # requests reads the proxy and CA-bundle variables from the environment on every request
        # (two walks of os.environ, about a fifth of a text's CPU in the clock); they are read once
        # here instead, for the one host this client talks to.
        self.proxy = requests.utils.get_environ_proxies(base_url)
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.session.trust_env = False

    def request(self, *args, **kwargs):
        self._mine.response = None
        response = super().request(*args, **kwargs)
        self._mine.response = response
        return response

    def last_header(self, name: str) -> str | None:
        response = getattr(self._mine, "response", None)
        return response.headers.get(name) if response is not None and response.headers else None


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class Transport(Protocol):
    """What sends: texts (`send`), page calls (`call`), and the message log an in-doubt send is
    checked against (`find_sent`). Each raises TransportError, whose `permanent` says whether
    trying again can help. `sender` names the pacing bucket; `simulated` says nothing reaches a phone."""

    simulated: bool
    sender: str

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult: ...

    def call(self, to: str, twiml: str, status_callback: str | None = None) -> SendResult: ...

    def find_sent(self, to: str, body: str, since: datetime) -> list[SendResult]: ...


class TwilioTransport:
    simulated: bool = False

    def __init__(self, config: Settings):
        self.from_number = config.twilio_from_number
        self.service_sid = config.twilio_messaging_service_sid
        sender = self.service_sid or self.from_number
        assert sender, "config.load requires TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID with Twilio"
        self.sender: str = sender
        self.http = _HttpClient(config.twilio_timeout_seconds, config.twilio_api_base_url)
        self.client = Client(config.twilio_account_sid, config.twilio_auth_token, http_client=self.http)
        # Every v2010 resource (Messages included) is built on this base URL.
        self.client.api.base_url = config.twilio_api_base_url

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        sender = {"messaging_service_sid": self.service_sid} if self.service_sid else {"from_": self.from_number}
        kwargs = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **sender, **kwargs)
        except TwilioRestException as e:
            code = int(e.code) if e.code else None
            if e.status in RETRYABLE_HTTP or code == 20429:
                # 429 is never processed (safe to retry); a 5xx may have been.
                raise TransportError(f"Twilio HTTP {e.status} ({code})", code or e.status,
                                     ambiguous=e.status >= 500,
                                     retry_after=retry_after_seconds(self.http.last_header("Retry-After"))) from None
            raise TransportError(f"Twilio refused: {code} {e.msg}", code, permanent=True) from None
        except requests.exceptions.ConnectionError as e:
            # Refused or reset before a response: most likely never created, but not provably so.
            raise TransportError(f"cannot reach Twilio: {type(e).__name__}", ambiguous=True) from None
        except requests.exceptions.Timeout as e:
            raise TransportError(f"Twilio timed out: {type(e).__name__}", ambiguous=True) from None
        return SendResult(sid=message.sid, status=message.status)

    def call(self, to: str, twiml: str, status_callback: str | None = None) -> SendResult:
        """A phone call through the Calls API reading `twiml` (a page that must wake someone). Errors
        are classed as for messages: a 5xx or a lost connection may have placed the call."""
        kwargs = {"status_callback": status_callback} if status_callback else {}
        try:
            placed = self.client.calls.create(to=to, from_=self.from_number, twiml=twiml, **kwargs)
        except TwilioRestException as e:
            code = int(e.code) if e.code else None
            if e.status in RETRYABLE_HTTP or code == 20429:
                raise TransportError(f"Twilio HTTP {e.status} ({code})", code or e.status, ambiguous=e.status >= 500,
                                     retry_after=retry_after_seconds(self.http.last_header("Retry-After"))) from None
            raise TransportError(f"Twilio refused the call: {code} {e.msg}", code, permanent=True) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
            raise TransportError(f"cannot reach Twilio: {type(e).__name__}", ambiguous=True) from None
        return SendResult(sid=placed.sid, status=placed.status)

    def find_sent(self, to: str, body: str, since: datetime) -> list[SendResult]:
        """Messages in Twilio's log with this number and text created since `since` (naive UTC),
        newest first: was an in-doubt send created after all?

        Filtered on date_created here rather than with the API's DateSent filter: a message still
        queued at Twilio has no date_sent yet, and it is exactly the one we must not send again."""
        found = []
        for message in self.client.messages.list(to=to, limit=50):
            created = message.date_created
            if message.body == body and (created is None or created.astimezone(UTC).replace(tzinfo=None) >= since):
                found.append(SendResult(sid=message.sid, status=message.status))
        return found


class SimulatorTransport:
    """No Twilio credentials: texts go to the local phone simulator only. Nothing reaches a phone."""

    simulated: bool = True
    sender: str = "simulator"

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        # The words are on the dashboard's phone simulator page, not in the log.
        log.warning("SIMULATOR - NOT SENT to a real phone: text to %s (%d chars); read it at /dashboard/simulator",
                    mask_phone(to), len(body))
        return SendResult(sid="SIM" + uuid.uuid4().hex, status="delivered")

    def call(self, to: str, twiml: str, status_callback: str | None = None) -> SendResult:
        log.warning("SIMULATOR - NOT CALLED: phone call to %s; see its phone at /dashboard/simulator", mask_phone(to))
        return SendResult(sid="SIMCA" + uuid.uuid4().hex, status="ringing")

    def find_sent(self, to: str, body: str, since: datetime) -> list[SendResult]:
        return []


def make_transport(config: Settings) -> Transport:
    return SimulatorTransport() if config.simulator else TwilioTransport(config)
