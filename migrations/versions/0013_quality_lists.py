"""A partial index over the flagged reports only: the kualitas page's flagged list of a Polda's month was
counted and sorted off the window's activity rows (411k buffers, 1.06 s on PostgreSQL at PD-35); its ~81k
entries (date, village, report, the seven stored flags) give the count and the worst-first page alone.

Revision ID: 0013_quality_lists
Revises: 0012_dds_household_index
Create Date: 2026-11-30 22:15:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013_quality_lists'
down_revision: Union[str, Sequence[str], None] = '0012_dds_household_index'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FLAGS = ['flag_late', 'flag_time_inconsistent', 'flag_gps_missing', 'flag_gps_outside', 'flag_duplicate_photo',
         'flag_duplicate_narrative', 'flag_impossible_travel']


def upgrade() -> None:
    """Upgrade schema."""
    # The predicates as queries/schema.py writes them (SQLAlchemy renders a boolean column "= 1" on SQLite).
    op.create_index('ix_activities_flagged', 'activities', ['local_date', 'village_code', 'report_id', *FLAGS],
                    unique=False, if_not_exists=True, postgresql_where=sa.text(' OR '.join(FLAGS)),
                    sqlite_where=sa.text(' OR '.join(f'{name} = 1' for name in FLAGS)))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_activities_flagged', table_name='activities', if_exists=True)
