"""coordinators and escalations belong to a clinic; existing ones join the default clinic

Revision ID: 0003
Revises: 0002
"""
import os
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The same default as bot/config.py: the clinic patients join when none is named.
DEFAULT_CLINIC_NAME = "Your spine surgery team"


def _default_clinic_id(conn) -> int:
    name = (os.environ.get("CLINIC_NAME") or DEFAULT_CLINIC_NAME).strip()
    found = conn.execute(sa.text("SELECT id FROM clinics WHERE lower(name) = lower(:name) ORDER BY id"),
                         {"name": name}).first()
    if found is not None:
        return found[0]
    conn.execute(sa.text("INSERT INTO clinics (name, phone, settings, created_at) VALUES (:name, NULL, '{}', :at)"),
                 {"name": name, "at": datetime.now(timezone.utc).replace(tzinfo=None)})
    return conn.execute(sa.text("SELECT id FROM clinics WHERE name = :name ORDER BY id DESC"), {"name": name}).first()[0]


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clinic_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_escalations_clinic_id', 'clinics', ['clinic_id'], ['id'])
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE escalations SET clinic_id = (SELECT clinic_id FROM enrollments "
                         "WHERE enrollments.id = escalations.enrollment_id) WHERE enrollment_id IS NOT NULL"))
    orphans = conn.execute(sa.text("SELECT (SELECT count(*) FROM coordinators WHERE clinic_id IS NULL)"
                                   " + (SELECT count(*) FROM escalations WHERE clinic_id IS NULL)")).scalar()
    if orphans:
        clinic_id = _default_clinic_id(conn)
        conn.execute(sa.text("UPDATE coordinators SET clinic_id = :c WHERE clinic_id IS NULL"), {"c": clinic_id})
        conn.execute(sa.text("UPDATE escalations SET clinic_id = :c WHERE clinic_id IS NULL"), {"c": clinic_id})


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scopes')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_escalations_clinic_id', type_='foreignkey')
        batch_op.drop_column('clinic_id')
