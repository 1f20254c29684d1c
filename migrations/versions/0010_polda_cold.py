"""A covering index over a window's copy keys: the kualitas page's copied narratives and reused photos of a
Polda's month were read off the whole activities heap (2.4 GB for a Polda year: narratives and all), as
PostgreSQL found the window's rows scattered through it. The index holds the date, village, officer and
the two keys only, so a window's clusters are read from it alone (an index-only scan).

Revision ID: 0010_polda_cold
Revises: 0008_subscriptions
Create Date: 2026-11-30 18:35:00
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010_polda_cold'
down_revision: Union[str, Sequence[str], None] = '0008_subscriptions'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ['local_date', 'village_code', 'nrp', 'narrative_key', 'photo_sha256']


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_activities_window_copies', 'activities', COLUMNS, unique=False, if_not_exists=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_activities_window_copies', table_name='activities', if_exists=True)
