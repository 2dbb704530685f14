"""Post-operative recovery texting service. The web app is built by `bot.app.create_app`; this package
file stays light so that `import bot.triage` (or any other part) loads no web framework."""


def __getattr__(name: str):
    if name == "create_app":
        # `from bot import create_app` (the app factory's promised address) loads Flask only when it
        # is asked for, so that importing any other part of the package does not.
        from bot.app import create_app

        return create_app
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
