"""A local HTTP server that speaks enough of Twilio's Messages and Calls APIs for the real `twilio` client.

Tests and benchmarks point TWILIO_API_BASE_URL at it. Each POSTed message is recorded; failures are
scripted per recipient or as a queue of next responses; a latency can be set to behave like the
real API over the internet; 429s are returned when more requests run at once than `max_concurrent`.

`slow` is the fault a probe of the service found duplicates with: Twilio answers only after the
client has given up, and creates the message some seconds later (on Twilio's clock, `time.time`,
which time-machine moves); until then the message is not in the message log either.

Calls (paging that wakes someone) are recorded with their TwiML; `answer` plays the phone: it
picks up, presses a key on the TwiML's <Gather> action and reports the status, as Twilio would.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Sent:
    sid: str
    to: str
    sender: str | None
    body: str
    status_callback: str | None
    at: float
    date_sent: datetime
    # When it appears in the message log (time.time()); a slow create is invisible until then.
    visible_at: float = 0.0


@dataclass
class Call:
    """A call placed through the Calls API: its TwiML, and where Twilio would report its outcome."""
    sid: str
    to: str
    sender: str | None
    twiml: str
    status_callback: str | None


@dataclass
class SlowCreates:
    """Answer after `respond_after` real seconds (or, with `hang`, once it is set), and create the
    message `create_after` seconds of Twilio's clock after the request arrived."""
    respond_after: float = 0.5
    create_after: float = 25.0
    hang: threading.Event | None = None


@dataclass
class FakeTwilio:
    latency: float = 0.0
    max_concurrent: int | None = None
    messages: list[Sent] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    # To-number -> (http status, twilio code) answered for every send to it.
    fail_for: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Answers for the next sends regardless of recipient: (http status, code), or "drop" to close the socket.
    script: deque = field(default_factory=deque)
    # Messages created on Twilio's side but whose response never reached us (a crash or timeout).
    create_then_fail: bool = False
    slow: SlowCreates | None = None
    requests: int = 0
    lookups: int = 0
    hanging: int = 0
    rejected_429: int = 0
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _recorded: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._recorded = threading.Condition(self._lock)

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (a timeout): Twilio does not care either
                    self.close_connection = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path.endswith("/Calls.json"):
                    fake._handle_call(self, form)
                else:
                    fake._handle_create(self, form)

            def do_GET(self) -> None:
                fake._handle_list(self, {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # shutdown() waits for the loop's next poll: 0.5 s by default, paid by every test that starts one
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, phone: str) -> list[Sent]:
        return [m for m in self.messages if m.to == phone]

    def _handle_create(self, handler, form: dict) -> None:
        with self._lock:
            self.requests += 1
            self._active += 1
            over = self.max_concurrent is not None and self._active > self.max_concurrent
            scripted = self.script.popleft() if self.script else None
            slow = self.slow
        try:
            if slow is not None and not over and not scripted:
                self._slow_create(handler, form, slow)
                return
            if over:
                with self._lock:
                    self.rejected_429 += 1
                handler._reply(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
                return
            if self.latency:
                time.sleep(self.latency)
            failure = scripted or self.fail_for.get(form.get("To", ""))
            if failure == "drop":
                handler.close_connection = True
                handler.connection.shutdown(2)
                return
            if failure:
                status, code, *headers = failure
                handler._reply(status, {"code": code, "message": f"fake error {code}", "status": status,
                                        "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                               headers[0] if headers else None)
                return
            sent = self._record(form)
            if self.create_then_fail:
                handler.close_connection = True
                handler.connection.shutdown(2)
                return
            handler._reply(201, self._resource(sent, form.get("MessagingServiceSid")))
        finally:
            with self._lock:
                self._active -= 1

    def _handle_call(self, handler, form: dict) -> None:
        failure = self.fail_for.get(form.get("To", ""))
        if failure:
            status, code, *_ = failure
            handler._reply(status, {"code": code, "message": f"fake error {code}", "status": status})
            return
        call = Call(sid="CA" + uuid.uuid4().hex, to=form["To"], sender=form.get("From"), twiml=form.get("Twiml", ""),
                    status_callback=form.get("StatusCallback"))
        with self._lock:
            self.calls.append(call)
        handler._reply(201, {"sid": call.sid, "account_sid": "AC" + "0" * 32, "to": call.to, "from": call.sender,
                             "status": "queued", "direction": "outbound-api"})

    def calls_to(self, phone: str) -> list[Call]:
        return [c for c in self.calls if c.to == phone]

    def answer(self, call: Call, post, digits: str | None = "1", status: str = "completed") -> list:
        """Play Twilio's part once the phone rings: the person answers and presses `digits` (None:
        answers and presses nothing; status "no-answer": nobody picks up), then the status callback.
        `post(url, form)` delivers a signed webhook to the service; returns its responses."""
        import re

        answers = []
        action = re.search(r'action="([^"]+)"', call.twiml)
        if status == "completed" and digits is not None and action:
            answers.append(post(action.group(1).replace("&amp;", "&"), {
                "CallSid": call.sid, "From": call.sender or "", "To": call.to, "Digits": digits}))
        if call.status_callback:
            answers.append(post(call.status_callback, {"CallSid": call.sid, "CallStatus": status,
                                                       "CallDuration": "20" if status == "completed" else "0"}))
        return answers

    def _slow_create(self, handler, form: dict, slow: SlowCreates) -> None:
        sent = self._record(form, delay=slow.create_after)
        if slow.hang is not None:
            with self._lock:
                self.hanging += 1
            slow.hang.wait(60)
        else:
            time.sleep(slow.respond_after)  # real seconds: past the client's timeout
        handler._reply(201, self._resource(sent, form.get("MessagingServiceSid")))

    def _record(self, form: dict, delay: float = 0.0) -> Sent:
        created = time.time() + delay
        sent = Sent(sid="SM" + uuid.uuid4().hex, to=form["To"], sender=form.get("From") or form.get(
            "MessagingServiceSid"), body=form.get("Body", ""), status_callback=form.get("StatusCallback"),
            at=time.monotonic(), date_sent=datetime.fromtimestamp(created, UTC), visible_at=created)
        with self._lock:
            self.messages.append(sent)
            self._recorded.notify_all()
        return sent

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> bool:
        """Block until `count` messages exist on the fake's side (created or still invisible): the
        server's threads may lag behind a client that already gave up on a slow answer, and a message
        recorded after the test moves the clock would be dated in the new time."""
        with self._recorded:
            return self._recorded.wait_for(lambda: len(self.messages) >= count, timeout)

    @staticmethod
    def _resource(sent: Sent, service: str | None = None) -> dict:
        return {"sid": sent.sid, "account_sid": "AC" + "0" * 32, "to": sent.to, "from": sent.sender,
                "messaging_service_sid": service, "body": sent.body, "status": "queued",
                "num_segments": "1", "direction": "outbound-api", "error_code": None, "error_message": None,
                "date_sent": format_datetime(sent.date_sent), "date_created": format_datetime(sent.date_sent)}

    def _handle_list(self, handler, query: dict) -> None:
        with self._lock:
            self.lookups += 1
        now = time.time()
        found = [m for m in reversed(self.messages)
                 if (not query.get("To") or m.to == query["To"]) and m.visible_at <= now]
        handler._reply(200, {"messages": [self._resource(m) for m in found], "end": len(found),
                             "first_page_uri": None, "next_page_uri": None, "page": 0,
                             "page_size": 50, "previous_page_uri": None, "start": 0, "uri": handler.path})
