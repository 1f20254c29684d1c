"""The GPS tab's pages chosen from partial covering indexes: ix_activities_gps_outside (the reports carrying
gps_outside, with their distance, time and id) and ix_activities_impossible_travel (those carrying
impossible_travel, with the distance and time from the previous report), instead of the window's rows (issue 18:
the nation's GPS page read 1.4 GB of heap to keep 238,029 reports, its travel page the same to keep 23,952).

Revision ID: 0019_gps_tab
Revises: 0018_copies_covering
Create Date: 2026-12-01 22:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0019_gps_tab'
down_revision: Union[str, Sequence[str], None] = '0018_copies_covering'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_activities_gps_outside', 'activities',
                    ['local_date', 'village_code', 'gps_distance_m', 'activity_at', 'report_id', 'flag_gps_outside'],
                    unique=False, postgresql_where=sa.text('flag_gps_outside'),
                    sqlite_where=sa.text('flag_gps_outside = 1'))
    op.create_index('ix_activities_impossible_travel', 'activities',
                    ['local_date', 'village_code', 'travel_km', 'travel_seconds', 'activity_at', 'report_id',
                     'flag_impossible_travel'],
                    unique=False, postgresql_where=sa.text('flag_impossible_travel'),
                    sqlite_where=sa.text('flag_impossible_travel = 1'))
    if op.get_bind().dialect.name == 'sqlite':
        # Statistics of the new entries, or SQLite's planner passes them by until the next first load's ANALYZE
        # (PD-35's GPS page 0.26 s instead of 0.07 s). PostgreSQL plans a partial index from the table's statistics.
        op.execute('ANALYZE ix_activities_gps_outside')
        op.execute('ANALYZE ix_activities_impossible_travel')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_activities_impossible_travel', table_name='activities')
    op.drop_index('ix_activities_gps_outside', table_name='activities')
