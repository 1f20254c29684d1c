"""Tindak lanjut (issue 20): follow_ups (an action on an alert item) and follow_up_history (its every change).

Created here only when absent (a database adopted from the create-on-connect code already has every table of
the metadata).

Revision ID: 0007_follow_up
Revises: 0006_activity_texts
Create Date: 2026-11-30 18:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007_follow_up'
down_revision: Union[str, Sequence[str], None] = '0006_activity_texts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN_ITEMS = sa.text("status IN ('baru', 'ditangani')")


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'follow_ups' not in existing:
        op.create_table('follow_ups',
                        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                        sa.Column('kind', sa.String(20), nullable=False),
                        sa.Column('subject', code(40), nullable=False),
                        sa.Column('unit_code', code(40), sa.ForeignKey('units.code')),
                        sa.Column('opened_on', sa.Date(), nullable=False),
                        sa.Column('opened_at', sa.DateTime(), nullable=False),
                        sa.Column('opened_by', sa.String(80), nullable=False),
                        sa.Column('assignee', sa.String(80), sa.ForeignKey('users.username')),
                        sa.Column('due_on', sa.Date()),
                        sa.Column('note', sa.Text()),
                        sa.Column('status', sa.String(20), nullable=False),
                        sa.Column('reason', sa.Text()),
                        sa.Column('closed_at', sa.DateTime()),
                        sa.Column('closed_by', sa.String(80)),
                        sa.Column('evidence_at', sa.DateTime()),
                        sa.Column('evidence_ref', code(40)),
                        sa.PrimaryKeyConstraint('id'))
        op.create_index('ix_follow_ups_unit', 'follow_ups', ['unit_code'], unique=False)
        op.create_index('ux_follow_ups_open', 'follow_ups', ['kind', 'subject'], unique=True,
                        postgresql_where=OPEN_ITEMS, sqlite_where=OPEN_ITEMS)
    if 'follow_up_history' not in existing:
        op.create_table('follow_up_history',
                        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                        sa.Column('item_id', sa.Integer(), sa.ForeignKey('follow_ups.id', ondelete='CASCADE'),
                                  nullable=False),
                        sa.Column('at', sa.DateTime(), nullable=False),
                        sa.Column('actor', sa.String(80), nullable=False),
                        sa.Column('change', sa.String(20), nullable=False),
                        sa.Column('old_value', sa.Text()),
                        sa.Column('new_value', sa.Text()),
                        sa.Column('note', sa.Text()),
                        sa.PrimaryKeyConstraint('id'))
        op.create_index('ix_follow_up_history_item', 'follow_up_history', ['item_id', 'at'], unique=False)
        op.create_index('ix_follow_up_history_at', 'follow_up_history', ['at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('follow_up_history', if_exists=True)
    op.drop_table('follow_ups', if_exists=True)
