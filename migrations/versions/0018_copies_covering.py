"""The copies tab read from covering entries: ix_activities_narrative_repeats gains the officer and report id, and
ix_activities_photo_repeats holds the reports carrying duplicate_photo the same way, so a window's repeated
narratives and reused photos are grouped from those entries and each key's first report (found in one step by
ix_activities_narrative_order, and by ix_activities_photo_order, which replaces ix_activities_photo) instead of the
window's rows (issue 18: a nation's copies tab read 3.9 M reports).

Revision ID: 0018_copies_covering
Revises: 0017_crime_dates
Create Date: 2026-12-01 22:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0018_copies_covering'
down_revision: Union[str, Sequence[str], None] = '0017_crime_dates'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NARRATIVE_MARK = {'postgresql_where': sa.text('narrative_repeats'), 'sqlite_where': sa.text('narrative_repeats = 1')}
PHOTO_MARK = {'postgresql_where': sa.text('flag_duplicate_photo'), 'sqlite_where': sa.text('flag_duplicate_photo = 1')}


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_index('ix_activities_narrative_repeats', table_name='activities')
    op.create_index('ix_activities_narrative_repeats', 'activities',
                    ['local_date', 'village_code', 'narrative_key', 'nrp', 'report_id', 'narrative_repeats'],
                    unique=False, **NARRATIVE_MARK)
    op.create_index('ix_activities_photo_repeats', 'activities',
                    ['local_date', 'village_code', 'photo_sha256', 'nrp', 'report_id', 'flag_duplicate_photo'],
                    unique=False, **PHOTO_MARK)
    op.create_index('ix_activities_photo_order', 'activities', ['photo_sha256', 'submitted_at', 'report_id'],
                    unique=False)
    op.drop_index('ix_activities_photo', table_name='activities')
    if op.get_bind().dialect.name == 'sqlite':
        # Statistics of the new entries, or SQLite's planner may pass them by until the next first load's ANALYZE.
        # PostgreSQL plans a partial index from the table's statistics.
        op.execute('ANALYZE ix_activities_narrative_repeats')
        op.execute('ANALYZE ix_activities_photo_repeats')
        op.execute('ANALYZE ix_activities_photo_order')


def downgrade() -> None:
    """Downgrade schema."""
    op.create_index('ix_activities_photo', 'activities', ['photo_sha256'], unique=False)
    op.drop_index('ix_activities_photo_order', table_name='activities')
    op.drop_index('ix_activities_photo_repeats', table_name='activities')
    op.drop_index('ix_activities_narrative_repeats', table_name='activities')
    op.create_index('ix_activities_narrative_repeats', 'activities',
                    ['local_date', 'village_code', 'narrative_key', 'narrative_repeats'], unique=False,
                    **NARRATIVE_MARK)
