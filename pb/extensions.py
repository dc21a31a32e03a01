"""Flask extensions, created once and bound to the app in create_app."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after a service commits (a view renders what it just saved);
# each request has its own session, so nothing stale outlives the request.
# hide_parameters: an SQL error's message (and so the error log) never holds the values
# sent with it (what someone typed, a password hash). These are the defaults of every
# engine, each bind's included (SQLALCHEMY_ENGINE_OPTIONS reaches only the default one).
ENGINE_OPTIONS = {"hide_parameters": True}
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False}, engine_options=ENGINE_OPTIONS)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
