"""The narrative clusters' candidates stored: activities.narrative_repeats marks a report whose narrative_key
equals that of an earlier report of any officer (by submitted_at, report_id), with a partial index over the marked
reports. A key with two reports in a window has its later one marked in it, so the kualitas page groups only the
marked keys' rows instead of every report of the window (issue 18). ix_activities_narrative_order (key,
submitted_at, report_id) lets an import find a touched key's first report by index, so it updates only the few
reports whose mark can change. Filled here; meta records that it is kept.

Revision ID: 0014_narrative_repeats
Revises: 0013_quality_lists
Create Date: 2026-12-01 03:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0014_narrative_repeats'
down_revision: Union[str, Sequence[str], None] = '0013_quality_lists'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The tables as this revision knows them (the application's schema may move on).
activities = sa.table('activities', sa.column('report_id'), sa.column('narrative_key'), sa.column('submitted_at'),
                      sa.column('narrative_repeats', sa.Boolean))
meta = sa.table('meta', sa.column('key'), sa.column('value'))
MARK_KEPT = 'narrative_repeats'  # the meta key queries/quality_lists.py trusts the mark by


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('activities', sa.Column('narrative_repeats', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    a = activities.c
    position = sa.func.row_number().over(partition_by=a.narrative_key, order_by=(a.submitted_at, a.report_id))
    ranked = (sa.select(a.report_id, position.label('position')).where(a.narrative_key.is_not(None))
              .subquery('ranked'))
    later = sa.select(ranked.c.report_id).where(ranked.c.position > 1)
    op.execute(activities.update().where(a.report_id.in_(later)).values(narrative_repeats=sa.true()))
    op.execute(meta.delete().where(meta.c.key == MARK_KEPT))
    op.execute(meta.insert().values(key=MARK_KEPT, value='0014_narrative_repeats'))
    # The mark a column too: SQLite scans the index alone (covering) only when it holds every column read.
    op.create_index('ix_activities_narrative_repeats', 'activities',
                    ['local_date', 'village_code', 'narrative_key', 'narrative_repeats'], unique=False,
                    postgresql_where=sa.text('narrative_repeats'), sqlite_where=sa.text('narrative_repeats = 1'))
    op.create_index('ix_activities_narrative_order', 'activities', ['narrative_key', 'submitted_at', 'report_id'],
                    unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_activities_narrative_order', table_name='activities')
    op.drop_index('ix_activities_narrative_repeats', table_name='activities', if_exists=True)
    op.execute(meta.delete().where(meta.c.key == MARK_KEPT))
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_column('narrative_repeats')
