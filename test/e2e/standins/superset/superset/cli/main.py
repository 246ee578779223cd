"""The `superset` command: a Flask CLI group over create_app(), with the commands the manifests
and the runbook use. Options and output follow Superset 6.1 (and Flask-Migrate, Flask-AppBuilder
for `db` and `fab`); underscores in command names work as dashes, as in Superset."""

import logging
import os
import sys
from datetime import datetime
from zipfile import ZipFile

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from superset import __version__, security
from superset.app import create_app
from superset.extensions import db

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def normalize_token(token_name: str) -> str:
    return token_name.replace("_", "-")


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False, context_settings={"token_normalize_func": normalize_token})
@with_appcontext
def superset() -> None:
    """This is a management script for the Superset application."""


@superset.command()
def version() -> None:
    """Prints the current version number."""
    click.echo(__version__)


# --- db (Flask-Migrate's commands, on alembic) ---------------------------------------------


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    config.attributes["engine"] = db.engine
    # Superset's migrations/alembic.ini: alembic at INFO on stderr, the rest at WARN.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-5.5s [%(name)s] %(message)s"))
    alembic_logger = logging.getLogger("alembic")
    alembic_logger.handlers = [handler]
    alembic_logger.setLevel(logging.INFO)
    alembic_logger.propagate = False
    return config


@superset.group(name="db")
def db_group() -> None:
    """Perform database migrations."""


@db_group.command()
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Upgrade to a later version."""
    alembic_command.upgrade(_alembic_config(), revision)


@db_group.command()
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(revision: str) -> None:
    """Revert to a previous version."""
    alembic_command.downgrade(_alembic_config(), revision)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@with_appcontext
def current(verbose: bool) -> None:
    """Display the current revision for each database."""
    alembic_command.current(_alembic_config(), verbose=verbose)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@with_appcontext
def heads(verbose: bool) -> None:
    """Show current available heads in the script directory."""
    alembic_command.heads(_alembic_config(), verbose=verbose)


# --- init, fab create-admin ----------------------------------------------------------------


@superset.command()
@with_appcontext
def init() -> None:
    """Inits the Superset application"""
    with db.session() as session:
        security.sync_role_definitions(session)


@superset.group()
def fab() -> None:
    """Flask-AppBuilder commands."""


@fab.command("create-admin")
@click.option("--username", default="admin", prompt="Username")
@click.option("--firstname", default="admin", prompt="User first name")
@click.option("--lastname", default="user", prompt="User last name")
@click.option("--email", default="admin@fab.org", prompt="Email")
@click.password_option()
@with_appcontext
def create_admin(username: str, firstname: str, lastname: str, email: str, password: str) -> None:
    """Creates an admin user"""
    with db.session() as session:
        if security.find_user(session, username=username) or security.find_user(session, email=email):
            # Flask-AppBuilder says so and exits 0: an existing admin is not an error.
            click.echo(click.style(f"Error! User already exists {username}", fg="red"))
            return
        role = session.query(security.Role).filter_by(name=current_app.config["AUTH_ROLE_ADMIN"]).one_or_none()
        if role is None:
            role = security.Role(name=current_app.config["AUTH_ROLE_ADMIN"])
            session.add(role)
            session.flush()
        security.add_user(session, username, firstname, lastname, email, role, password)
    click.echo(click.style(f"Admin User {username} created.", fg="green"))


# --- data sources and secrets --------------------------------------------------------------


@superset.command()
@click.option("--database_name", "-d", help="Database name to change")
@click.option("--uri", "-u", help="Database URI to change")
@click.option("--skip_create", "-s", is_flag=True, default=False, help="Create the DB if it doesn't exist")
@with_appcontext
def set_database_uri(database_name: str, uri: str, skip_create: bool) -> None:
    """Updates a database connection URI"""
    from superset import datasources

    with db.session() as session:
        datasources.get_or_create_db(session, database_name, uri, not skip_create)


@superset.command()
@click.option("--previous_secret_key", "-a", required=False, help="An optional previous secret key, if PREVIOUS_SECRET_KEY is not set on the config")
@with_appcontext
def re_encrypt_secrets(previous_secret_key=None) -> None:
    """Re-encrypts the stored secrets with SECRET_KEY after a key rotation."""
    from superset import encryption
    from superset.models import Database

    previous = previous_secret_key or current_app.config.get("PREVIOUS_SECRET_KEY")
    if previous is None:
        click.secho("A previous secret key must be provided", err=True)
        sys.exit(1)
    current_key = current_app.config["SECRET_KEY"]
    try:
        with db.session() as session:
            for row in session.query(Database).filter(Database.password.isnot(None)):
                row.password = encryption.encrypt(current_key, encryption.decrypt(previous, row.password))
    except ValueError as err:
        click.secho(f"{err}", err=True)
        sys.exit(1)


# --- export --------------------------------------------------------------------------------


@superset.command()
@click.option("--dashboard-file", "-f", help="Specify the file to export to")
@with_appcontext
def export_dashboards(dashboard_file=None) -> None:
    """Export dashboards to ZIP file"""
    from superset.dashboard_export import export_bundle

    timestamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    root = f"dashboard_export_{timestamp}"
    dashboard_file = dashboard_file or f"{root}.zip"
    try:
        with db.session() as session:
            # Superset exports as the user "admin": the export's permission checks need them.
            admin = security.find_user(session, username="admin")
            with ZipFile(dashboard_file, "w") as bundle:
                if admin is None:
                    raise PermissionError('no user "admin": the export runs as admin (superset fab create-admin)')
                for name, content in export_bundle(session):
                    with bundle.open(f"{root}/{name}", "w") as fp:
                        fp.write(content.encode())
    except Exception:  # pylint: disable=broad-except
        logger.exception("There was an error when exporting the dashboards, please check the exception traceback in the log")
        sys.exit(1)


def main() -> None:
    superset()


if __name__ == "__main__":
    main()
