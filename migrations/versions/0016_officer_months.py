"""officer_month_facts: officer_day_facts summed per officer and calendar month, so a year's per-officer
conditions at the nation (efektivitas: counted, adopted, at target) read some 0.5 M month rows and the window's
partial months instead of 16 M officer-days (1.5 s). Filled from officer_day_facts; the import keeps both from
then on (ingest/rollups.py refresh_months).

Revision ID: 0016_officer_months
Revises: 0015_alert_facts
Create Date: 2026-12-01 11:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0016_officer_months'
down_revision: Union[str, Sequence[str], None] = '0015_alert_facts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The definition as of this revision (queries/rollups.py day_sums): each officer's days summed per month.
BACKFILL = """
INSERT INTO officer_month_facts (nrp, month, expected_days, reported_days, on_time_days, reports, late_reports,
                                 dds_visits, flagged_reports)
SELECT nrp, {month},
       sum(CASE WHEN expected THEN 1 ELSE 0 END),
       sum(CASE WHEN expected AND reports > 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN expected AND on_time_reports > 0 THEN 1 ELSE 0 END),
       sum(reports), sum(late_reports), sum(dds_visits), sum(flagged_reports)
FROM officer_day_facts
GROUP BY nrp, {month}
"""
# On a timestamp, not a date: date_trunc of a date goes through timestamptz and the session's time zone.
MONTH_OF = {"postgresql": "CAST(date_trunc('month', CAST(local_date AS timestamp)) AS date)",
            "sqlite": "date(local_date, 'start of month')"}


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('officer_month_facts',
                    sa.Column('nrp', code(40), nullable=False),
                    sa.Column('month', sa.Date(), nullable=False),
                    *(sa.Column(name, sa.Integer(), nullable=False)
                      for name in ('expected_days', 'reported_days', 'on_time_days', 'reports', 'late_reports',
                                   'dds_visits', 'flagged_reports')),
                    sa.PrimaryKeyConstraint('nrp', 'month'))
    op.create_index('ix_officer_month_facts_month', 'officer_month_facts', ['month'])
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(month=MONTH_OF[dialect]))
    if dialect == "postgresql":
        op.execute('ANALYZE officer_month_facts')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_officer_month_facts_month', table_name='officer_month_facts')
    op.drop_table('officer_month_facts')
