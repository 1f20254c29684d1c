"""Delivery of the briefing pack (issue 20): subscriptions, their recipients, and the deliveries log.

Accounts already carry an e-mail (the OpenID Connect identity), which is where a pack is sent.

Revision ID: 0008_subscriptions
Revises: 0007_follow_up
Create Date: 2026-11-30 18:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008_subscriptions'
down_revision: Union[str, Sequence[str], None] = '0007_follow_up'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'subscriptions' not in existing:
        op.create_table('subscriptions',
                        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                        sa.Column('unit_code', code(40), sa.ForeignKey('units.code'), nullable=False),
                        sa.Column('weekday', sa.Integer(), nullable=False),
                        sa.Column('hour', sa.Integer(), nullable=False),
                        sa.Column('days', sa.Integer(), nullable=False),
                        sa.Column('language', sa.String(2), nullable=False),
                        sa.Column('format', sa.String(4), nullable=False),
                        sa.Column('active', sa.Boolean(), nullable=False),
                        sa.Column('created_at', sa.DateTime(), nullable=False),
                        sa.Column('created_by', sa.String(80)),
                        sa.PrimaryKeyConstraint('id'))
    if 'subscription_recipients' not in existing:
        op.create_table('subscription_recipients',
                        sa.Column('subscription_id', sa.Integer(),
                                  sa.ForeignKey('subscriptions.id', ondelete='CASCADE'), nullable=False),
                        sa.Column('username', sa.String(80), sa.ForeignKey('users.username', ondelete='CASCADE'),
                                  nullable=False),
                        sa.PrimaryKeyConstraint('subscription_id', 'username'))
    if 'deliveries' not in existing:
        op.create_table('deliveries',
                        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                        sa.Column('subscription_id', sa.Integer(), nullable=False),
                        sa.Column('username', sa.String(80), nullable=False),
                        sa.Column('unit_code', code(40)),
                        sa.Column('slot_local', sa.DateTime(), nullable=False),
                        sa.Column('slot_utc', sa.DateTime(), nullable=False),
                        sa.Column('attempt', sa.Integer(), nullable=False),
                        sa.Column('status', sa.String(10), nullable=False),
                        sa.Column('error', sa.Text()),
                        sa.Column('sent_at', sa.DateTime()),
                        sa.Column('bytes', sa.Integer()),
                        sa.PrimaryKeyConstraint('id'))
        op.create_index('ix_deliveries_slot', 'deliveries', ['subscription_id', 'slot_utc', 'username'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_deliveries_slot', table_name='deliveries', if_exists=True)
    for table in ('deliveries', 'subscription_recipients', 'subscriptions'):
        op.drop_table(table, if_exists=True)
