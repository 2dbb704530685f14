"""`postop run`: the web app under waitress (a production WSGI server, pure Python, no fork) with the
clock in the same process, for a practice that runs on one machine.

Werkzeug's development server says itself not to be used in production; gunicorn forks workers,
and the clock must run exactly once, so one waitress process with threads carries both here.
SIGTERM or Ctrl-C: stop accepting, let running requests finish, hand queued send claims back,
let running jobs finish, remove the heartbeat row, exit 0.
"""
from __future__ import annotations

import logging
import signal

from waitress.server import create_server

from bot.clock import forget, start_background
from bot.runtime import Runtime

log = logging.getLogger("postop.serve")
THREADS = 8  # webhooks answer in milliseconds; dashboard pages are a few queries each


def serve(app, rt: Runtime, host: str, port: int) -> None:
    scheduler = start_background(rt)
    server = create_server(app, host=host, port=port, threads=THREADS, ident="postop")

    def stop(signum, _frame) -> None:
        log.info("postop run: signal %s, finishing requests and jobs, then exiting", signum)
        # waitress's loop ends on SystemExit/KeyboardInterrupt and waits for its running tasks.
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("serving on http://%s:%s with waitress (%d threads) and the clock", host, port, THREADS)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        rt.stopping.set()  # the dispatch loop hands its queued claims back
        scheduler.shutdown(wait=True)
        forget(rt)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("postop run: stopped")
