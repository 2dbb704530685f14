"""outbox: the kind of a planned care-pathway text is 'pathway' (was 'programme'): one name for the
care pathway in folder, code, CLI, database and docs

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE outbox SET kind = 'pathway' WHERE kind = 'programme'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET kind = 'programme' WHERE kind = 'pathway'")
