"""manage.py: exit codes and messages of init-db, import and load-sample."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, inspect, select

import manage
from builders import activity, base_export
from queries.db import make_engine
from queries.schema import activities, metadata


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_init_db_creates_every_table(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert manage.main(["init-db", "--db", url]) == 0
    assert set(inspect(make_engine(url)).get_table_names()) == set(metadata.tables) | {"alembic_version"}


def test_import_with_bad_rows_names_them_and_exits_non_zero(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    rows = [activity("R1"), activity("R2", nrp="404"), activity("R3", activity_type="dds", household_id="")]
    export = base_export(tmp_path / "export", activities=rows)
    assert manage.main(["import", str(export), "--db", url]) == 1
    err = capsys.readouterr().err
    assert "activities.csv:3: nrp: unknown officer '404'" in err
    assert "activities.csv:4: household_id: required value missing" in err
    assert "Nothing was written: 2 row(s) rejected" in err
    with make_engine(url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar_one() == 0


def test_dry_run_and_keep_valid(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    export = base_export(tmp_path / "export", activities=[activity("R1"), activity("R2", nrp="404")])
    assert manage.main(["import", str(export), "--db", url, "--dry-run"]) == 1
    assert "Dry run: nothing was written. 1 row(s) would be rejected." in capsys.readouterr().err
    assert manage.main(["import", str(export), "--db", url, "--keep-valid"]) == 2
    rejects = tmp_path / "rejects.csv"
    assert manage.main(["import", str(export), "--db", url, "--keep-valid", "--rejects", str(rejects)]) == 0
    assert [row["line"] for row in csv.DictReader(rejects.open())] == ["3"]
    with make_engine(url).connect() as conn:
        assert conn.execute(select(activities.c.report_id)).scalars().all() == ["R1"]


def test_clean_import_twice_reports_unchanged(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    export = base_export(tmp_path / "export", activities=[activity("R1")])
    assert manage.main(["import", str(export), "--db", url]) == 0
    capsys.readouterr()
    assert manage.main(["import", str(export), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "activities.csv" in out and "1 unchanged" in " ".join(out.split())


def test_unreadable_export_is_a_clear_error(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert manage.main(["import", str(tmp_path / "missing"), "--db", url]) == 1
    assert "no such file or directory" in capsys.readouterr().err


def test_load_sample_refuses_a_database_with_real_imports(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert manage.main(["import", str(base_export(tmp_path / "export", activities=[activity("R1")])),
                        "--db", url]) == 0
    assert manage.main(["load-sample", "--db", url]) == 1
    assert "refusing to mix sample data" in capsys.readouterr().err


def test_user_commands(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert manage.main(["import", str(base_export(tmp_path / "export")), "--db", url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a strong password\n"))
    assert manage.main(["user", "add", "kasat", "--role", "polres", "--unit", "PR-35.21", "--name", "Kasat",
                        "--password-stdin", "--db", url]) == 0
    assert manage.main(["user", "add", "eval", "--role", "national", "--no-password", "--email", "e@x.id",
                        "--db", url]) == 0
    assert manage.main(["user", "add", "bad", "--role", "polsek", "--unit", "PR-35.21", "--no-password",
                        "--email", "b@x.id", "--db", url]) == 2
    assert "needs a polsek as home unit" in capsys.readouterr().err
    assert manage.main(["user", "set-role", "kasat", "polsek", "--unit", "PS-A", "--db", url]) == 0
    assert manage.main(["user", "disable", "eval", "--db", url]) == 0
    capsys.readouterr()
    assert manage.main(["user", "list", "--db", url]) == 0
    listing = capsys.readouterr().out
    assert "kasat" in listing and "PS-A" in listing and "a strong password" not in listing
    with make_engine(url).connect() as conn:
        from queries.accounts import authenticate, load_user

        assert load_user(conn, "eval") is None
        assert authenticate(conn, "kasat", "a strong password")[1] == "ok"


def test_rls_sql_is_printed(capsys):
    assert manage.main(["rls-sql", "--role", "dash_reader"]) == 0
    out = capsys.readouterr().out
    assert "CREATE POLICY bos_home_unit ON activities FOR SELECT TO dash_reader" in out
