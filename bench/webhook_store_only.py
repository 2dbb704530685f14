"""bench/webhook.py --store-only: the service's app with the processing of replies left out (each
worker's background pass after a stored reply), so that the webhook's own latency shows apart from
the work of acting on every reply, which shares the workers' CPU with it."""
from bot.app import create_app

app = create_app()
app.extensions["runtime"].kick_inbound = lambda: None
