"""ix_crimes_date: crimes by local date and village, so a window's crimes per Polsek (effectiveness, ringkasan,
perbandingan) are read from the index alone instead of every crime of the data: 31 national days out of three
years' 1.1 M crimes, 0.20 -> 0.05 s; a year 0.46 -> 0.29 s (PostgreSQL, an import running).

Revision ID: 0017_crime_dates
Revises: 0016_officer_months
Create Date: 2026-12-01 13:00:00
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0017_crime_dates'
down_revision: Union[str, Sequence[str], None] = '0016_officer_months'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_crimes_date', 'crimes', ['local_date', 'village_code'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_crimes_date', table_name='crimes')
