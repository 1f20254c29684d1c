"""Peringatan dini (issue 19): forecast_runs, village_forecasts, backtest_scores, village_hotspots.

They hold nothing but derived rows, written by `manage.py forecast`; created here only when absent (a
database adopted from the create-on-connect code already has every table of the metadata).

Revision ID: 0005_forecasts
Revises: 0004_activities_submitted_index
Create Date: 2026-11-30 18:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005_forecasts'
down_revision: Union[str, Sequence[str], None] = '0004_activities_submitted_index'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def code(length: int) -> sa.String:
    """A machine identifier, COLLATE "C" on PostgreSQL (queries/schema.py code_column, as of this revision)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def run_key() -> sa.Column:
    return sa.Column('run_id', sa.Integer(), sa.ForeignKey('forecast_runs.run_id', ondelete='CASCADE'),
                     nullable=False)


def upgrade() -> None:
    """Upgrade schema."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'forecast_runs' not in existing:
        op.create_table('forecast_runs',
                        sa.Column('run_id', sa.Integer(), autoincrement=True, nullable=False),
                        sa.Column('as_of', sa.Date(), nullable=False),
                        sa.Column('horizon_days', sa.Integer(), nullable=False),
                        sa.Column('computed_at', sa.DateTime(), nullable=False),
                        sa.Column('method_shown', sa.String(20), nullable=False),
                        sa.Column('origins', sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint('run_id'))
        op.create_index('ix_forecast_runs_as_of', 'forecast_runs', ['as_of'], unique=False)
    if 'village_forecasts' not in existing:
        op.create_table('village_forecasts', run_key(),
                        sa.Column('method', sa.String(20), nullable=False),
                        sa.Column('village_code', code(40), nullable=False),
                        sa.Column('unit_code', code(40), nullable=False),
                        sa.Column('expected_crimes', sa.Float(), nullable=False),
                        sa.Column('lower', sa.Float(), nullable=False),
                        sa.Column('upper', sa.Float(), nullable=False),
                        sa.Column('risk_rank', sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint('run_id', 'method', 'village_code'))
    if 'backtest_scores' not in existing:
        op.create_table('backtest_scores', run_key(),
                        sa.Column('scope_code', code(40), nullable=False),
                        sa.Column('method', sa.String(20), nullable=False),
                        *(sa.Column(name, sa.Float()) for name in ('pai_5', 'pai_10', 'pai_20', 'hit_rate_5',
                                                                   'hit_rate_10', 'hit_rate_20', 'deviance')),
                        sa.Column('crimes', sa.Integer(), nullable=False),
                        sa.Column('villages', sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint('run_id', 'scope_code', 'method'))
    if 'village_hotspots' not in existing:
        op.create_table('village_hotspots', run_key(),
                        sa.Column('village_code', code(40), nullable=False),
                        sa.Column('unit_code', code(40), nullable=False),
                        sa.Column('hotspot_class', sa.String(20), nullable=False),
                        sa.Column('gi_z', sa.Float()),
                        sa.Column('trend_z', sa.Float()),
                        sa.Column('trend_p', sa.Float()),
                        sa.Column('hot_months', sa.Integer(), nullable=False),
                        sa.Column('months', sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint('run_id', 'village_code'))


def downgrade() -> None:
    """Downgrade schema."""
    for table in ('village_hotspots', 'backtest_scores', 'village_forecasts'):
        op.drop_table(table, if_exists=True)
    op.drop_index('ix_forecast_runs_as_of', table_name='forecast_runs', if_exists=True)
    op.drop_table('forecast_runs', if_exists=True)
