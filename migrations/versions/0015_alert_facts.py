"""polda_submission_hours: reports per Polda and UTC hour, so the submission-dip alert of a Polda or the nation
reads ~2,100 rows per Polda for its 12 weeks instead of every Polsek's hours (PD-35: 329,504 rows of
submission_hours, 0.15-0.39 s on PostgreSQL; the nation's 91 days: most of its 596 MB). Filled from
submission_hours; the import keeps both from then on (ingest/rollups.py).

Revision ID: 0015_alert_facts
Revises: 0014_narrative_repeats
Create Date: 2026-12-01 03:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0015_alert_facts'
down_revision: Union[str, Sequence[str], None] = '0014_narrative_repeats'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The definition as of this revision (ingest/rollups.py _insert_polda_hours): each Polsek's hours summed into
# its ancestor at the Polda level.
BACKFILL = """
INSERT INTO polda_submission_hours (unit_code, hour, reports)
SELECT unit_tree.ancestor_code, submission_hours.hour, sum(submission_hours.reports)
FROM submission_hours
JOIN unit_tree ON unit_tree.unit_code = submission_hours.unit_code
JOIN units ON units.code = unit_tree.ancestor_code AND units.level = 'polda'
GROUP BY unit_tree.ancestor_code, submission_hours.hour
"""


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('polda_submission_hours',
                    sa.Column('unit_code', code(40), nullable=False),
                    sa.Column('hour', code(13), nullable=False),
                    sa.Column('reports', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('unit_code', 'hour'))
    op.execute(BACKFILL)
    op.execute('ANALYZE polda_submission_hours')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('polda_submission_hours')
