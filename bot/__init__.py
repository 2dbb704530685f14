"""Post-operative recovery texting service. The web app is built by `bot.app.create_app`; this package
file stays empty so that `import bot.triage` (or any other part) loads no web framework."""
