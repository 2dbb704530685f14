"""patients: last name, date of birth, record number (identity on every screen)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: patients enrolled before this release have none; enrollment requires the first two.
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('record_number', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_enrollments_record_number', ['record_number'], unique=False)


def downgrade() -> None:
    # An earlier draft of this revision also made ix_enrollments_last_name_lower; a surname search is a
    # "contains", which no btree index serves, and SQLite's batch mode cannot reflect the expression.
    op.execute('DROP INDEX IF EXISTS ix_enrollments_last_name_lower')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_record_number')
        batch_op.drop_column('record_number')
        batch_op.drop_column('date_of_birth')
        batch_op.drop_column('last_name')
