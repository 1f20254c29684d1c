"""Optional PostgreSQL Row-Level Security: the database itself keeps a dashboard role inside a home unit.

The application already limits every query to the user's home unit (Scope.boundary). With RLS,
a database role the dashboard connects as also sees only the rows below the unit named in the
transaction setting `bos.home_unit` (empty = national), so a bug in the application cannot leak
another Polres. `python manage.py rls-sql` prints these statements for a database administrator.
"""

from __future__ import annotations

SETTING = "bos.home_unit"

OUTLINE_SCOPE_VISIBLE = (f"scope_code IN (SELECT bos_visible_units()) "
                         f"OR (scope_code = '' AND COALESCE(current_setting('{SETTING}', true), '') = '')")
# table -> the condition (over the table's own columns) that keeps a row visible
POLICIES = {
    "villages": "unit_code IN (SELECT bos_visible_units())",
    "officers": "unit_code IN (SELECT bos_visible_units())",
    "assignments": "village_code IN (SELECT code FROM villages)",
    "leaves": "nrp IN (SELECT nrp FROM officers)",
    "officer_day_facts": "nrp IN (SELECT nrp FROM officers)",
    "officer_month_facts": "nrp IN (SELECT nrp FROM officers)",
    "submission_hours": "unit_code IN (SELECT bos_visible_units())",
    "polda_submission_hours": "unit_code IN (SELECT bos_visible_units())",
    "activities": "village_code IN (SELECT code FROM villages)",
    # A text is visible with its report; EXISTS plans as a key probe per text read, not a list of every report.
    "activity_texts": "EXISTS (SELECT 1 FROM activities WHERE activities.report_id = activity_texts.report_id)",
    "complaints": "village_code IN (SELECT code FROM villages)",
    # The aggregates and forecasts the pages read at a Polda or the nation: the rows of visible units and villages.
    "unit_day_facts": "unit_code IN (SELECT bos_visible_units())",
    "unit_delay_hours": "unit_code IN (SELECT bos_visible_units())",
    "village_day_facts": "village_code IN (SELECT code FROM villages)",
    "village_dds_days": "village_code IN (SELECT code FROM villages)",
    "village_forecasts": "village_code IN (SELECT code FROM villages)",
    "village_hotspots": "village_code IN (SELECT code FROM villages)",
    # A unit's hit rates and crime counts with the unit; the whole country's ('') for everyone.
    "backtest_scores": "scope_code = '' OR scope_code IN (SELECT bos_visible_units())",
    "crimes": "village_code IN (SELECT code FROM villages)",
    "crime_month_facts": "unit_code IN (SELECT bos_visible_units())",
    # Outlines of a visible unit's scope hold only what lies below it; "" (everything) is for national users.
    "outline_scopes": OUTLINE_SCOPE_VISIBLE,
    "outlines": OUTLINE_SCOPE_VISIBLE,
}
# Follow-up items are written from the dashboard too (queries/follow_up.py decides who may act): a role reads and
# writes only the items of its subtree; national items (no unit) only with no home unit.
WRITABLE_POLICIES = {
    "follow_ups": (f"unit_code IN (SELECT bos_visible_units()) "
                   f"OR (unit_code IS NULL AND COALESCE(current_setting('{SETTING}', true), '') = '')"),
    "follow_up_history": "item_id IN (SELECT id FROM follow_ups)",
}
# alembic_version: the dashboard checks the database is at the newest migration before it runs a page.
# forecast_runs: a run's date and method (no unit, no village, no person).
READ_ONLY = ("units", "unit_tree", "outages", "import_batches", "meta", "alembic_version", "forecast_runs",
             *POLICIES)


def rls_statements(role: str = "bos_reader") -> list[str]:
    """SQL that creates the reader role's grants, the visibility function and the policies (idempotent)."""
    if not role.replace("_", "").isalnum():
        raise ValueError(f"not a plain role name: {role!r}")
    statements = [
        f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        # The units below the transaction's home unit; every unit when it is empty (national users).
        "CREATE OR REPLACE FUNCTION bos_visible_units() RETURNS SETOF varchar LANGUAGE sql STABLE AS $$ "
        f"SELECT unit_code FROM unit_tree WHERE ancestor_code = NULLIF(current_setting('{SETTING}', true), '') "
        f"UNION ALL SELECT code FROM units WHERE COALESCE(current_setting('{SETTING}', true), '') = '' $$",
        f"GRANT SELECT ON {', '.join(READ_ONLY)} TO {role}",
        # Signing in counts failures and opens, reads and ends sessions; the audit log only grows.
        f"GRANT SELECT, UPDATE ON users TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_failures, user_sessions TO {role}",
        f"GRANT INSERT ON audit_log TO {role}",
        f"GRANT USAGE ON SEQUENCE audit_log_id_seq TO {role}",
        # The admin's Langganan page manages subscriptions and reads the deliveries the scheduler logged.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions, subscription_recipients TO {role}",
        f"GRANT USAGE ON SEQUENCE subscriptions_id_seq TO {role}",
        f"GRANT SELECT ON deliveries TO {role}",
        f"GRANT SELECT, INSERT, UPDATE ON {', '.join(WRITABLE_POLICIES)} TO {role}",
        f"GRANT USAGE ON SEQUENCE follow_ups_id_seq, follow_up_history_id_seq TO {role}",
    ]
    for table, condition in WRITABLE_POLICIES.items():
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS bos_home_unit ON {table}",
            f"CREATE POLICY bos_home_unit ON {table} FOR ALL TO {role} USING ({condition}) WITH CHECK ({condition})",
        ]
    for table, condition in POLICIES.items():
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS bos_home_unit ON {table}",
            f"CREATE POLICY bos_home_unit ON {table} FOR SELECT TO {role} USING ({condition})",
        ]
    return statements
