"""review items: due time and the escalation opened when past due

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_review_items_escalation_id', 'escalations', ['escalation_id'], ['id'])
    op.create_index('ix_review_items_due', 'review_items', ['due_at'], unique=False,
                    sqlite_where=sa.text('resolved_at IS NULL AND escalation_id IS NULL'),
                    postgresql_where=sa.text('resolved_at IS NULL AND escalation_id IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_review_items_due', table_name='review_items')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_review_items_escalation_id', type_='foreignkey')
        batch_op.drop_column('escalation_id')
        batch_op.drop_column('due_at')
