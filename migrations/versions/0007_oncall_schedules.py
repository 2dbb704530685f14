"""per-clinic on-call schedules: weekly shifts with their ladders, one-off overrides

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oncall_shifts',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('clinic_id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=100), nullable=False),
                    sa.Column('days', sa.String(length=7), nullable=False),
                    sa.Column('starts', sa.String(length=5), nullable=False),
                    sa.Column('ends', sa.String(length=5), nullable=False),
                    sa.Column('ladder', sa.JSON(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name='fk_oncall_shifts_clinic_id'),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_oncall_shifts_clinic_id', 'oncall_shifts', ['clinic_id'])
    op.create_table('oncall_overrides',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('clinic_id', sa.Integer(), nullable=False),
                    sa.Column('starts_at', sa.DateTime(), nullable=False),
                    sa.Column('ends_at', sa.DateTime(), nullable=False),
                    sa.Column('ladder', sa.JSON(), nullable=False),
                    sa.Column('note', sa.String(length=200), nullable=True),
                    sa.Column('created_by', sa.String(length=200), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name='fk_oncall_overrides_clinic_id'),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_oncall_overrides_clinic_id', 'oncall_overrides', ['clinic_id'])


def downgrade() -> None:
    op.drop_table('oncall_overrides')
    op.drop_table('oncall_shifts')
