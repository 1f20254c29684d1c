"""Per-unit and per-village aggregates kept by the import (issue 18): unit_day_facts, unit_delay_hours,
village_day_facts.

A database adopted from the create-on-connect code gets every table of the metadata before it is stamped
as the baseline (queries/migrations.py adopt_legacy), these three included: they are created here only
when absent. They hold nothing but derived rows; the next import (or refresh-flags) fills them.

Revision ID: 0003_unit_day_aggregates
Revises: 0002_outlines
Create Date: 2026-11-30 15:05:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003_unit_day_aggregates'
down_revision: Union[str, Sequence[str], None] = '0002_outlines'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FLAGS = ('late', 'time_inconsistent', 'gps_missing', 'gps_outside', 'duplicate_photo', 'duplicate_narrative',
         'impossible_travel')


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    """Upgrade schema."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'unit_day_facts' not in existing:
        op.create_table('unit_day_facts',
                        sa.Column('unit_code', code(40), nullable=False),
                        sa.Column('local_date', sa.Date(), nullable=False),
                        *(count(name) for name in ('expected_days', 'reported_days', 'on_time_days', 'reports',
                                                   'late_reports', 'officer_dds_visits', 'flagged_reports',
                                                   'village_reports', 'dds_visits', *FLAGS)),
                        sa.PrimaryKeyConstraint('unit_code', 'local_date'))
        op.create_index('ix_unit_day_facts_date', 'unit_day_facts', ['local_date'], unique=False)
    if 'unit_delay_hours' not in existing:
        op.create_table('unit_delay_hours',
                        sa.Column('unit_code', code(40), nullable=False),
                        sa.Column('local_date', sa.Date(), nullable=False),
                        sa.Column('delay_hour', sa.Integer(), nullable=False),
                        count('reports'),
                        sa.PrimaryKeyConstraint('unit_code', 'local_date', 'delay_hour'))
    if 'village_day_facts' not in existing:
        op.create_table('village_day_facts',
                        sa.Column('village_code', code(40), nullable=False),
                        sa.Column('local_date', sa.Date(), nullable=False),
                        count('reports'),
                        count('dds_visits'),
                        sa.PrimaryKeyConstraint('village_code', 'local_date'))
        op.create_index('ix_village_day_facts_date', 'village_day_facts', ['local_date'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_village_day_facts_date', table_name='village_day_facts')
    op.drop_table('village_day_facts')
    op.drop_table('unit_delay_hours')
    op.drop_index('ix_unit_day_facts_date', table_name='unit_day_facts')
    op.drop_table('unit_day_facts')
