"""The declarative base every table derives from; its metadata is what Alembic compares."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
