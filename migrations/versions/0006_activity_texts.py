"""The narrative moves from activities to activity_texts (issue 18 item 4): the window scans of flags and
delays read every activity row of a window, and the narrative was more than a third of each row.

A report without a narrative gets no row. The downgrade puts the narratives back into activities.

PostgreSQL: DROP COLUMN only hides the column, the heap keeps its size until it is rewritten. Run
`CLUSTER activities USING ix_activities_date` then `VACUUM (ANALYZE) activities` in a maintenance window
(not from here: it locks the table for a minute or more at a Polda), or re-import into a fresh database;
docs/scale.md has the figures.

Revision ID: 0006_activity_texts
Revises: 0005_forecasts
Create Date: 2026-11-30 18:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006_activity_texts'
down_revision: Union[str, Sequence[str], None] = '0005_forecasts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('activity_texts',
                    sa.Column('report_id', code(40), nullable=False),
                    sa.Column('narrative', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('report_id'))
    op.execute("INSERT INTO activity_texts (report_id, narrative) "
               "SELECT report_id, narrative FROM activities WHERE narrative IS NOT NULL")
    # SQLite 3.35+ drops a column in place (it is in no index or constraint): no batch copy of the table.
    op.drop_column('activities', 'narrative')


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column('activities', sa.Column('narrative', sa.Text(), nullable=True))
    op.execute("UPDATE activities SET narrative = (SELECT narrative FROM activity_texts "
               "WHERE activity_texts.report_id = activities.report_id)")
    op.drop_table('activity_texts')
