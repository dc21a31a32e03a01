"""pb's connection settings go on each app's own engine, and the SQLite busy timeout comes from its config."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from pb import create_app
from pb.database import bind_engine_events
from pb.extensions import db


def _sqlite_app(path, **overrides):
    return create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", **overrides})


def _engine(app):
    with app.app_context():
        return db.engine


def _settings(engine) -> dict:
    """The settings a new connection of `engine` has (the pool is emptied first, so it is a fresh one)."""
    engine.dispose()
    with engine.connect() as conn:
        pragmas = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                   for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")}
        pragmas["isolation_level"] = conn.connection.driver_connection.isolation_level
    engine.dispose()
    return pragmas


def _listener_counts(engine) -> tuple[int, int, int]:
    return len(engine.pool.dispatch.connect), len(engine.dispatch.begin), len(engine.pool.dispatch.checkout)


def test_a_new_connection_has_the_sqlite_settings(tmp_path):
    engine = _engine(_sqlite_app(tmp_path / "a.sqlite", SQLITE_BUSY_TIMEOUT_MS=1234))
    assert _settings(engine) == {"journal_mode": "wal", "busy_timeout": 1234, "foreign_keys": 1,
                                 "synchronous": 1, "isolation_level": None}


def test_the_busy_timeout_is_the_configured_one_for_the_driver_and_the_pragma(tmp_path):
    app = _sqlite_app(tmp_path / "a.sqlite", SQLITE_BUSY_TIMEOUT_MS=1234)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["timeout"] == 1.234
    assert _settings(_engine(app))["busy_timeout"] == 1234


def test_the_environment_after_config_was_read_does_not_change_the_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("PB_SQLITE_BUSY_TIMEOUT_MS", "99")
    given = _sqlite_app(tmp_path / "a.sqlite", SQLITE_BUSY_TIMEOUT_MS=1234)
    assert _settings(_engine(given))["busy_timeout"] == 1234
    default = _sqlite_app(tmp_path / "b.sqlite")
    configured = default.config["SQLITE_BUSY_TIMEOUT_MS"]
    assert configured != 99
    assert _settings(_engine(default))["busy_timeout"] == configured


def test_a_second_app_adds_nothing_to_the_first_apps_engine(tmp_path):
    first = _engine(_sqlite_app(tmp_path / "first.sqlite", SQLITE_BUSY_TIMEOUT_MS=1111))
    before = _listener_counts(first)
    second = _engine(_sqlite_app(tmp_path / "second.sqlite", SQLITE_BUSY_TIMEOUT_MS=2222))
    assert second is not first
    assert _listener_counts(first) == before
    assert _listener_counts(second) == before  # the same settings, each on its own engine
    assert _settings(first)["busy_timeout"] == 1111
    assert _settings(second)["busy_timeout"] == 2222


def test_binding_twice_adds_nothing(tmp_path):
    app = _sqlite_app(tmp_path / "a.sqlite")
    engine = _engine(app)
    before = _listener_counts(engine)
    bind_engine_events(app)
    assert _listener_counts(engine) == before


def test_an_engine_made_outside_pb_gets_none_of_its_settings(tmp_path):
    _sqlite_app(tmp_path / "pb.sqlite")
    plain = create_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    bare = create_engine("sqlite://")
    try:
        assert _listener_counts(plain) == _listener_counts(bare)
        settings = _settings(plain)
        assert settings["journal_mode"] == "delete"
        assert settings["foreign_keys"] == 0
        assert settings["isolation_level"] == ""  # pysqlite's own, untouched
        with plain.connect() as conn:
            conn.execute(text("SELECT 1"))
            assert conn.connection.driver_connection.in_transaction is False  # no BEGIN from pb
    finally:
        plain.dispose()
        bare.dispose()


def test_a_database_server_engine_is_pinged_when_idle_and_gets_no_sqlite_settings():
    app = create_app({"PB_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "postgresql://u@localhost/x",
                      "PB_SKIP_DB_CHECK": True})
    engine = _engine(app)
    plain = create_engine("postgresql+psycopg://u@localhost/x")
    connect, begin, checkout = _listener_counts(engine)
    assert (connect, begin) == _listener_counts(plain)[:2]
    assert checkout == _listener_counts(plain)[2] + 1
    # A connection found dead has every older one replaced (pb.database.replace_dead_connections).
    assert len(engine.pool.dispatch.invalidate) == len(plain.pool.dispatch.invalidate) + 1
