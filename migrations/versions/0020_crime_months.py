"""crime_month_facts: crimes per Polsek (of the crime's village) and calendar month, kept by the import
(ingest/crime_months.py), so a national crime trend of two years reads its whole months here instead of every crime
joined to its village (efektivitas, issue 18).

Revision ID: 0020_crime_months
Revises: 0019_gps_tab
Create Date: 2026-12-02 01:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0020_crime_months'
down_revision: Union[str, Sequence[str], None] = '0019_gps_tab'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The definition as of this revision (ingest/crime_months.py refresh): every crime counted under its village's Polsek.
BACKFILL = """
INSERT INTO crime_month_facts (unit_code, month, crimes)
SELECT villages.unit_code, {month}, count(*)
FROM crimes JOIN villages ON villages.code = crimes.village_code
GROUP BY villages.unit_code, {month}
"""
# On a timestamp, not a date: date_trunc of a date goes through timestamptz and the session's time zone.
MONTH_OF = {"postgresql": "CAST(date_trunc('month', CAST(crimes.local_date AS timestamp)) AS date)",
            "sqlite": "date(crimes.local_date, 'start of month')"}


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crime_month_facts',
                    sa.Column('unit_code', code(40), nullable=False),
                    sa.Column('month', sa.Date(), nullable=False),
                    sa.Column('crimes', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('unit_code', 'month'))
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(month=MONTH_OF[dialect]))
    if dialect == "postgresql":
        op.execute('ANALYZE crime_month_facts')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('crime_month_facts')
