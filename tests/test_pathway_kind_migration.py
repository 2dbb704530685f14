"""Migration 0010: texts planned before the care pathway got one name keep going out as pathway texts."""
from alembic import command
from sqlalchemy import text

from bot import db


def test_planned_programme_rows_become_pathway_rows(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(db.alembic_config(engine), "0009")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (key, to_phone, kind, status, urgent, attempts, in_doubt, "
                          "silence_checked, due_at, created_at, updated_at) VALUES ('e1:walk:d3', '+12025550143', "
                          "'programme', 'planned', 0, 0, 0, 0, '2026-12-03 14:00', '2026-12-01', '2026-12-01')"))
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM outbox")).scalar_one() == "pathway"
    engine.dispose()
