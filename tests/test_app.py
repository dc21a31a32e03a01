"""The application factory and its configurations."""
from __future__ import annotations

import pytest
from flask import request

from pb import create_app
from tests.conftest import make_app


def test_testing_config_is_applied(app):
    assert app.config["TESTING"] is True
    assert app.config["PB_ENV"] == "testing"


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import config

    monkeypatch.setattr(config.Config, "SQLALCHEMY_DATABASE_URI", None)
    app = create_app({"PB_ENV": "development", "PB_SKIP_DB_CHECK": True})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///")
    assert uri.endswith("pb.sqlite")
    assert app.instance_path in uri


def test_database_url_selects_postgresql_driver():
    app = create_app({"PB_ENV": "development", "SQLALCHEMY_DATABASE_URI": "postgresql://u@localhost/x", "PB_SKIP_DB_CHECK": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/x"


def test_production_refuses_default_secret_key(migrated_database):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app(migrated_database, PB_ENV="production", SECRET_KEY="dev-only-secret-key-change-me")


def test_production_refuses_short_secret_key(migrated_database):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app(migrated_database, PB_ENV="production", SECRET_KEY="short")


def test_production_starts_with_real_secret_key(migrated_database):
    app = make_app(migrated_database, PB_ENV="production", SECRET_KEY="x" * 64)
    assert app.config["DEBUG"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["ALLOW_DEMO"] is False


def test_development_cookies_not_secure_but_httponly_lax():
    app = create_app({"PB_ENV": "development", "PB_SKIP_DB_CHECK": True})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_environment_is_refused():
    with pytest.raises(SystemExit, match="PB_ENV"):
        create_app({"PB_ENV": "staging", "PB_SKIP_DB_CHECK": True})


def test_request_size_limit_is_set(app):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 2 * 1024 * 1024


def test_trusted_proxy_gives_the_visitors_address(migrated_database):
    from flask import request

    app = make_app(migrated_database, PB_TRUSTED_PROXIES=1)

    @app.route("/whoami")
    def whoami():
        return request.remote_addr or ""

    client = app.test_client()
    response = client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_without_trusted_proxy_forwarded_header_is_ignored(migrated_database):
    from flask import request

    app = make_app(migrated_database)

    @app.route("/whoami")
    def whoami():
        return request.remote_addr or ""

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "10.0.0.1"


def test_production_starts_with_secret_key_from_environment(migrated_database, tmp_path):
    """The real way production is configured: SECRET_KEY in the environment."""
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    env = {**os.environ, "PB_ENV": "production", "SECRET_KEY": "k" * 64, "DATABASE_URL": migrated_database}
    code = "from pb import create_app; app = create_app(); print(app.config['PB_ENV'], app.config['DEBUG'])"
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "production False"
    env["SECRET_KEY"] = ""
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "SECRET_KEY must be set" in proc.stderr


def test_every_area_is_registered(app):
    from pb import BLUEPRINT_MODULES

    assert len(app.blueprints) == len(BLUEPRINT_MODULES) == 17
    assert {"main", "auth", "staff", "residents", "register", "residents_staff", "resident_lists", "letters", "letters_staff",
            "suspicious_staff", "proposals", "proposals_staff", "voting", "voting_staff", "results",
            "results_staff", "translations_staff"} == set(app.blueprints)


def _app_with_keys(key: str, fallbacks: list[str] | None = None):
    return create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://", "PB_SKIP_DB_CHECK": True,
                       "SECRET_KEY": key, "SECRET_KEY_FALLBACKS": fallbacks or []})


def _session_cookie(app, data: dict) -> str:
    with app.test_request_context("/"):
        return app.session_interface.get_signing_serializer(app).dumps(data)


def _opened_session(app, cookie: str) -> dict:
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        return dict(app.session_interface.open_session(app, request))


def test_session_signing_is_built_once_per_secret_key():
    app = _app_with_keys("k" * 32)
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    app.secret_key = "other" * 8
    assert interface.get_signing_serializer(app) is not first
    assert _opened_session(app, _session_cookie(_app_with_keys("k" * 32), {"a": 1})) == {}


def test_a_session_signed_with_a_retired_key_opens_while_the_key_is_a_fallback():
    cookie = _session_cookie(_app_with_keys("old" * 11), {"_user_id": "7:abc", "voting_receipt": {"round_id": 1}})
    assert _opened_session(_app_with_keys("new" * 11, fallbacks=["old" * 11]), cookie) == {
        "_user_id": "7:abc", "voting_receipt": {"round_id": 1}}
    assert _opened_session(_app_with_keys("new" * 11), cookie) == {}


def test_an_unknown_ballot_store_stops_start_up_with_its_name(tmp_path):
    import pytest

    from pb import create_app

    with pytest.raises(SystemExit) as stopped:
        create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
                    "PB_BALLOT_STORE": "quick"})
    assert "PB_BALLOT_STORE must be one of fast, orm, not 'quick'" in str(stopped.value)
