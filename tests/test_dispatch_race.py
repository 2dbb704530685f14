"""Three dispatchers with their own database connections race over the same due rows."""
import threading
from datetime import datetime

from bot import boot
from bot.dispatch import dispatch_due
from bot.models import Outbox
from tests.helpers import outbox

NOW = datetime(2026, 11, 21, 14, 0)


def test_three_dispatchers_racing_send_every_row_exactly_once(app, config, fake_twilio):
    rt = app.extensions["runtime"]
    with rt.session() as s:
        s.add_all(Outbox(key=f"race{i}", to_phone=f"+1202555{i % 100:04d}", kind="oneoff", body=f"text {i}",
                         due_at=NOW) for i in range(300))
    fake_twilio.latency = 0.002  # keeps the three in flight together
    start = threading.Barrier(3)
    errors = []

    def dispatcher(name: str) -> None:
        own = boot.build(overrides=config)  # separate engine and connections, like another process
        own.sleep = lambda _s: None
        try:
            start.wait()
            while dispatch_due(own, NOW, limit=7).claimed:
                pass
        except Exception as e:  # surfaced below
            errors.append(e)
        finally:
            own.engine.dispose()

    threads = [threading.Thread(target=dispatcher, args=(f"d{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    bodies = [m.body for m in fake_twilio.messages]
    assert len(bodies) == 300 and len(set(bodies)) == 300
    rows = outbox(rt)
    assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
