"""Registered data sources (`dbs`): stored as Superset stores them, the URI with its password
masked and the password encrypted with SECRET_KEY; queried with SQLAlchemy."""

import datetime
import decimal

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from superset import encryption
from superset.models import Database

PASSWORD_MASK = "XXXXXXXXXX"


def get_or_create_db(session, database_name: str, uri: str, always_create: bool = True):
    """Like superset.utils.database.get_or_create_db: creates the row (unless told not to) and
    sets its URI."""
    row = session.query(Database).filter_by(database_name=database_name).one_or_none()
    if row is None:
        if not always_create:
            return None
        row = Database(database_name=database_name, sqlalchemy_uri="")
        session.add(row)
    url = make_url(uri)
    row.password = encryption.encrypt(current_app.config["SECRET_KEY"], url.password) if url.password else None
    row.sqlalchemy_uri = url.set(password=PASSWORD_MASK).render_as_string(hide_password=False) if url.password else uri
    session.flush()
    return row


def uri_of(row: Database) -> str:
    url = make_url(row.sqlalchemy_uri)
    if row.password:
        url = url.set(password=encryption.decrypt(current_app.config["SECRET_KEY"], row.password))
    return url.render_as_string(hide_password=False)


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def run_query(row: Database, sql: str, limit: int) -> dict:
    """Runs `sql` on the data source (a fresh connection, as a worker would) and returns
    {"columns": [...], "data": [[...], ...]} with at most `limit` rows."""
    engine = create_engine(uri_of(row), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql))
            columns = list(result.keys())
            data = [[_plain(v) for v in r] for r in result.fetchmany(limit)]
    finally:
        engine.dispose()
    return {"columns": columns, "data": data}
