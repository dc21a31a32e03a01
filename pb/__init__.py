"""pb: participatory budgeting for community organisations.

`create_app()` builds the Flask application. Flask and the web layer are imported
inside it, so `import pb.tally` (the counting engine) stays free of them.
"""
from __future__ import annotations

import os

__version__ = "0.1.0"

# Every user-facing area is one blueprint module exposing `bp`.
BLUEPRINT_MODULES = (
    "pb.main.views",
    "pb.auth.views",
    "pb.staff.views",
    "pb.staff.translation_views",
    "pb.residents.views",
    "pb.residents.register_views",
    "pb.residents.staff_views",
    "pb.residents.list_views",
    "pb.residents.letter_views",
    "pb.residents.letter_staff_views",
    "pb.residents.suspicious_views",
    "pb.proposals.views",
    "pb.proposals.staff_views",
    "pb.voting.views",
    "pb.voting.staff_views",
    "pb.results.views",
    "pb.results.staff_views",
)


def create_app(test_config: dict | None = None):
    """Build the pb application.

    `test_config` overrides settings (tests pass a database URL and TESTING=True).
    The config class is chosen by PB_ENV (development, testing, production).
    """
    # Imported here, not at the top, so that `import pb.tally` stays free of Flask and the web layer.
    from flask import Flask
    from pb import cli, content_text, database, i18n, templating, web

    project_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(project_root, "templates"),
    )
    web.configure(app, test_config)
    web.init_extensions(app)
    i18n.init_app(app)
    content_text.init_app(app)
    database.bind_engine_events(app)  # before the first connection, which the check makes
    database.check_database(app)
    web.register_blueprints(app, BLUEPRINT_MODULES)
    web.install_request_hooks(app)
    templating.install_security_headers(app)
    templating.install_error_handlers(app)
    templating.install_template_helpers(app)
    app.cli.add_command(cli.pb_cli)
    return app
