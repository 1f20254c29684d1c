"""The settings object: the policy file checked key by key, the environment over secrets.toml, errors at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from conftest import PROJECT_DIR
from queries.db import resolve_read_url, resolve_url
from queries.policy import Policy, PolicyError, load_policy
from queries.scope import settings_policy
from queries.settings import POLICY_FILE, Settings, SettingsError, read_settings, settings

VALID = """\
[policy]
reporting_weekdays = ["mon", "tue", "wed", "thu", "fri"]
late_after_hours = 12
dds_target_per_day = 1.5
outage_excuse_hours = 3
gps_tolerance_m = 150
max_travel_kmh = 60
blind_spot_days = 14
complaint_response_sla_hours = 48
backlog_old_days = 10
"""


def write(tmp_path, text: str):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_gives_every_value_as_written(tmp_path):
    assert load_policy(write(tmp_path, VALID)) == Policy(
        reporting_weekdays=(0, 1, 2, 3, 4), late_after_hours=12, dds_target_per_day=1.5, outage_excuse_hours=3,
        gps_tolerance_m=150, max_travel_kmh=60, blind_spot_days=14, complaint_response_sla_hours=48,
        backlog_old_days=10)


def test_the_shipped_policy_file_is_the_documented_default():
    assert load_policy(POLICY_FILE) == Policy()


def test_a_missing_file_gives_the_defaults_and_a_partial_file_keeps_the_rest(tmp_path):
    assert load_policy(tmp_path / "absent.toml") == Policy()
    assert load_policy(write(tmp_path, "[policy]\nblind_spot_days = 45\n")) == Policy(blind_spot_days=45)


@pytest.mark.parametrize("line, message", [
    ("late_afer_hours = 24", "[policy] late_afer_hours: unknown setting (did you mean 'late_after_hours'?)"),
    ("colour = 'red'", "[policy] colour: unknown setting"),
    ("late_after_hours = '24'", "[policy] late_after_hours: expected a number, got '24'"),
    ("late_after_hours = true", "[policy] late_after_hours: expected a number, got True"),
    ("late_after_hours = -1", "[policy] late_after_hours: -1 is impossible; it must be at least 0"),
    ("late_after_hours = nan", "[policy] late_after_hours: expected a finite number, got nan"),
    ("max_travel_kmh = inf", "[policy] max_travel_kmh: expected a finite number, got inf"),
    ("max_travel_kmh = 0", "[policy] max_travel_kmh: 0 is impossible; it must be above 0"),
    ("blind_spot_days = 2.5", "[policy] blind_spot_days: expected a whole number, got 2.5"),
    ("blind_spot_days = 0", "[policy] blind_spot_days: 0 is impossible; it must be at least 1"),
    ("reporting_weekdays = ['mon', 'funday']", "[policy] reporting_weekdays: not a weekday: 'funday'"),
    ("reporting_weekdays = []", "[policy] reporting_weekdays: expected at least one weekday (mon … sun), got ()"),
    ("reporting_weekdays = 'mon'",
     "[policy] reporting_weekdays: expected a list of weekdays like [\"mon\", \"tue\"], got 'mon'"),
])
def test_a_bad_setting_is_named_with_its_file(tmp_path, line, message):
    path = write(tmp_path, f"[policy]\n{line}\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value) == f"{path}: {message}"


def test_a_misspelt_table_or_a_key_outside_it_is_not_ignored(tmp_path):
    path = write(tmp_path, "[polcy]\nlate_after_hours = 48\n")
    with pytest.raises(PolicyError, match="^" + str(path).replace("\\", "\\\\") + ": unknown table or key 'polcy';"):
        load_policy(path)
    path = write(tmp_path, "late_after_hours = 48\n[policy]\n")
    with pytest.raises(PolicyError, match="unknown table or key 'late_after_hours'; the settings go under"):
        load_policy(path)


def test_a_file_that_is_not_toml_is_named_with_its_line(tmp_path):
    path = write(tmp_path, "[policy]\nlate_after_hours = = 3\n")
    with pytest.raises(PolicyError, match=r"not valid TOML: .*line 2"):
        load_policy(path)


def test_an_override_in_code_is_checked_too():
    with pytest.raises(PolicyError, match="^gps_tolerance_m: -5 is impossible"):
        Policy().replace(gps_tolerance_m=-5)


def test_the_environment_wins_over_secrets_and_secrets_over_the_embedded_database(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[connections.bos]\nurl = "postgresql://from-secrets/bos"\n', encoding="utf-8")
    both = read_settings({"BOS_DATABASE_URL": "postgresql://from-env/bos"}, secrets)
    assert both.database_url == "postgresql://from-env/bos"
    assert read_settings({}, secrets).database_url == "postgresql://from-secrets/bos"
    assert read_settings({"BOS_DATABASE_URL": ""}, secrets).database_url == "postgresql://from-secrets/bos"
    assert read_settings({}, tmp_path / "absent.toml") == Settings(
        database_url=None, read_database_url=None, policy_file=POLICY_FILE, demo=False, rls=False,
        client_ip_header=None)


def test_every_variable_lands_in_its_field(tmp_path):
    environ = {"BOS_READ_DATABASE_URL": "postgresql://replica/bos", "BOS_POLICY_FILE": str(tmp_path / "p.toml"),
               "BOS_DEMO": "1", "BOS_RLS": "on", "BOS_CLIENT_IP_HEADER": "X-Forwarded-For"}
    assert read_settings(environ, tmp_path / "absent.toml") == Settings(
        database_url=None, read_database_url="postgresql://replica/bos", policy_file=tmp_path / "p.toml",
        demo=True, rls=True, client_ip_header="X-Forwarded-For")
    assert read_settings({"BOS_RLS": "0", "BOS_DEMO": ""}, tmp_path / "absent.toml").rls is False


def test_a_bad_variable_or_secret_is_named(tmp_path):
    with pytest.raises(SettingsError) as raised:
        read_settings({"BOS_RLS": "maybe"}, tmp_path / "absent.toml")
    assert str(raised.value) == "BOS_RLS='maybe': expected 1 or 0 (true/false, on/off, yes/no)"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[connections.bos]\nurl = 5432\n", encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        read_settings({}, secrets)
    assert str(raised.value) == f"{secrets}: [connections.bos] url: expected a text, got 5432"


def test_the_urls_follow_the_environment_of_the_moment(monkeypatch):
    monkeypatch.setenv("BOS_DATABASE_URL", "postgresql://primary/bos")
    monkeypatch.delenv("BOS_READ_DATABASE_URL", raising=False)
    assert resolve_url() == resolve_read_url() == "postgresql+psycopg://primary/bos"
    monkeypatch.setenv("BOS_READ_DATABASE_URL", "postgres://replica/bos")
    assert resolve_read_url() == "postgresql+psycopg://replica/bos"
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"  # an explicit --db wins over everything
    assert settings().read_database_url == "postgres://replica/bos"


def test_manage_stops_at_start_up_naming_the_bad_key(tmp_path, monkeypatch, capsys):
    import manage

    path = write(tmp_path, "[policy]\nlate_afer_hours = 24\n")
    monkeypatch.setenv("BOS_POLICY_FILE", str(path))
    assert manage.main(["rls-sql"]) == 2
    error = capsys.readouterr().err
    assert error == f"error: {path}: [policy] late_afer_hours: unknown setting (did you mean 'late_after_hours'?)\n"


def test_the_dashboard_shows_the_bad_key_instead_of_any_page(tmp_path, monkeypatch):
    path = write(tmp_path, "[policy]\nlate_after_hours = -1\n")
    monkeypatch.setenv("BOS_POLICY_FILE", str(path))
    monkeypatch.setenv("BOS_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    settings_policy.cache_clear()
    try:
        at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60).run()
    finally:
        settings_policy.cache_clear()
    assert not at.exception
    assert [error.value.replace("\\", "") for error in at.error] == [
        f"Pengaturan tidak dapat dipakai: {path}: [policy] late_after_hours: -1 is impossible; it must be at "
        "least 0. Perbaiki, lalu mulai ulang dasbor."]


def test_the_upload_limit_is_the_one_set_in_the_streamlit_config(tmp_path):
    """Streamlit's default is 200 MB too, so another value shows that the page reads the config."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text("[server]\nmaxUploadSize = 7\n", encoding="utf-8")
    script = "from components.import_view import MAX_UPLOAD_MB; print(MAX_UPLOAD_MB)"
    shown = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           env={"PYTHONPATH": str(PROJECT_DIR), "HOME": str(tmp_path)})
    assert shown.stdout.strip().splitlines()[-1] == "7", shown.stderr
