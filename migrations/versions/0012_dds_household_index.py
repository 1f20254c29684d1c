"""ix_activities_dds_household: DDS activities per (village, household, date), so that a daily import finds
each household's last visit before the new days in one index step instead of computing LAG over every
touched village's whole history (issue 18: a daily Polda file spent ~12 s there). ix_activities_dds stays:
the windowed coverage reads (series, the definition) need its (village, date) order.

Revision ID: 0012_dds_household_index
Revises: 0011_village_households
Create Date: 2026-11-30 22:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012_dds_household_index'
down_revision: Union[str, Sequence[str], None] = '0011_village_households'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # A database adopted from the create-on-connect code may have it already.
    op.create_index('ix_activities_dds_household', 'activities', ['village_code', 'household_id', 'local_date'],
                    unique=False, if_not_exists=True,
                    postgresql_where=sa.text("activity_type = 'dds'"), sqlite_where=sa.text("activity_type = 'dds'"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_activities_dds_household', table_name='activities',
                  postgresql_where=sa.text("activity_type = 'dds'"), sqlite_where=sa.text("activity_type = 'dds'"))
