"""outbox claims with owner and lease, in-doubt sends, pages linked to escalations; inbound
idempotency token and processing claim

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('in_doubt', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key('fk_outbox_escalation_id', 'escalations', ['escalation_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_outbox_escalation_id'), ['escalation_id'], unique=False)
        batch_op.drop_index('ix_outbox_sending', sqlite_where=sa.text("status = 'sending'"),
                            postgresql_where=sa.text("status = 'sending'"))
        batch_op.create_index('ix_outbox_sending', ['lease_until'], unique=False,
                              sqlite_where=sa.text("status = 'sending'"), postgresql_where=sa.text("status = 'sending'"))
    # Pages were tied to their escalation only by the key 'page:<escalation id>:<round>:<coordinator>'.
    op.execute("UPDATE outbox SET escalation_id = CAST(substr(key, 6, instr(substr(key, 6), ':') - 1) AS INTEGER) "
               "WHERE kind = 'page' AND key LIKE 'page:%'" if op.get_bind().dialect.name == "sqlite" else
               "UPDATE outbox SET escalation_id = CAST(split_part(key, ':', 2) AS INTEGER) "
               "WHERE kind = 'page' AND key LIKE 'page:%'")
    # A claim from before this release may be mid-send: expired at once, and in doubt, so the first
    # dispatch pass looks in Twilio's log before sending it again.
    op.execute("UPDATE outbox SET lease_until = claimed_at, first_attempt_at = claimed_at "
               "WHERE status = 'sending'")
    with op.batch_alter_table('inbound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.create_index('uq_inbound_idempotency_token', ['idempotency_token'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('inbound', schema=None) as batch_op:
        batch_op.drop_index('uq_inbound_idempotency_token')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('idempotency_token')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_sending', sqlite_where=sa.text("status = 'sending'"),
                            postgresql_where=sa.text("status = 'sending'"))
        batch_op.create_index('ix_outbox_sending', ['claimed_at'], unique=False,
                              sqlite_where=sa.text("status = 'sending'"), postgresql_where=sa.text("status = 'sending'"))
        batch_op.drop_index(batch_op.f('ix_outbox_escalation_id'))
        batch_op.drop_constraint('fk_outbox_escalation_id', type_='foreignkey')
        batch_op.drop_column('in_doubt')
        batch_op.drop_column('first_attempt_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('escalation_id')
