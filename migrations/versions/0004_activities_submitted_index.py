"""An index on activities.submitted_at: the daily import recomputes submission_hours of a few UTC hours
(ingest/rollups.py update_submission_hours) and without it scans the whole activities table.

A database adopted from the create-on-connect code gets the baseline metadata's indexes, this one
included, before it is stamped (queries/migrations.py adopt_legacy): created here only when absent.

Revision ID: 0004_activities_submitted_index
Revises: 0003_unit_day_aggregates
Create Date: 2026-11-30 16:15:00
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004_activities_submitted_index'
down_revision: Union[str, Sequence[str], None] = '0003_unit_day_aggregates'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_activities_submitted', 'activities', ['submitted_at'], unique=False, if_not_exists=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_activities_submitted', table_name='activities', if_exists=True)
