"""village_dds_days: per village, local date and date of the household's previous DDS visit there, the DDS
visits, so that the households visited over any window are a sum instead of a DISTINCT over the window's
visits (village_coverage at a Polda: 0.8 s for 30 days, 3.1 s for a year on PostgreSQL). Backfilled from the
stored activities; the import keeps it from then on (ingest/aggregates.py).

Revision ID: 0011_village_households
Revises: 0010_polda_cold
Create Date: 2026-11-30 21:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011_village_households'
down_revision: Union[str, Sequence[str], None] = '0010_polda_cold'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The definition as of this revision (ingest/aggregates.py store_households): window functions run on
# PostgreSQL and on SQLite >= 3.25.
BACKFILL = """
INSERT INTO village_dds_days (village_code, local_date, prev_date, visits)
SELECT village_code, local_date, prev_date, count(*) FROM (
    SELECT village_code, local_date,
           lag(local_date) OVER (PARTITION BY village_code, household_id ORDER BY local_date) AS prev_date
    FROM activities WHERE activity_type = 'dds') AS visits
GROUP BY village_code, local_date, prev_date
"""


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    # A database adopted from the create-on-connect code has the table already, empty: filled here too.
    if 'village_dds_days' not in set(sa.inspect(op.get_bind()).get_table_names()):
        op.create_table('village_dds_days',
                        sa.Column('village_code', code(40), nullable=False),
                        sa.Column('local_date', sa.Date(), nullable=False),
                        sa.Column('prev_date', sa.Date(), nullable=True),
                        sa.Column('visits', sa.Integer(), nullable=False))
    op.execute('DELETE FROM village_dds_days')
    op.execute(BACKFILL)
    op.create_index('ix_village_dds_days_village', 'village_dds_days', ['village_code', 'local_date'], unique=False,
                    if_not_exists=True)
    op.create_index('ix_village_dds_days_date', 'village_dds_days',
                    ['local_date', 'village_code', 'prev_date', 'visits'], unique=False, if_not_exists=True)
    # Planner statistics (VACUUM, for the visibility map of index-only scans, cannot run inside the migration's
    # transaction: autovacuum, the next import or refresh-flags does it).
    op.execute('ANALYZE village_dds_days')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_village_dds_days_date', table_name='village_dds_days')
    op.drop_index('ix_village_dds_days_village', table_name='village_dds_days')
    op.drop_table('village_dds_days')
