"""The runtime a `postop` command works with, or a clear message when it cannot be built. Shared by
the command modules (cli, coordinator_cli, users), which bot.cli then gathers into one command."""
from __future__ import annotations

import click
from sqlalchemy import inspect

from bot import config as settings
from bot import pathways
from bot.boot import build
from bot.runtime import Runtime


def command_runtime(check_schema: bool = True) -> Runtime:
    try:
        rt = build()
    except settings.ConfigError as e:
        raise click.ClickException(str(e)) from None
    except pathways.PathwayError as e:
        raise click.ClickException(f"content problems (run `postop content check`):\n{e}") from None
    if check_schema and not inspect(rt.engine).has_table("outbox"):
        raise click.ClickException("the database has no tables yet: run `postop db upgrade` first")
    return rt
