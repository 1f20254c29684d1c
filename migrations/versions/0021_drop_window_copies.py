"""Drop ix_activities_window_copies: since the copies tab reads its marked entries (0014, 0018) no statement plans
with it (EXPLAIN QUERY PLAN of every page's statements on the sample's SQLite file, idx_scan 0 on the national
PostgreSQL database after the bench), while every import kept its 754 MB at the nation up to date.

Revision ID: 0021_drop_window_copies
Revises: 0020_crime_months
Create Date: 2026-12-02 01:00:00
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0021_drop_window_copies'
down_revision: Union[str, Sequence[str], None] = '0020_crime_months'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ['local_date', 'village_code', 'nrp', 'narrative_key', 'photo_sha256']  # 0010_polda_cold's


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_index('ix_activities_window_copies', table_name='activities', if_exists=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.create_index('ix_activities_window_copies', 'activities', COLUMNS, unique=False, if_not_exists=True)
