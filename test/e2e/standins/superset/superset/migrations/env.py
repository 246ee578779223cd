"""Alembic environment of the stand-in's migrations: the engine comes from the Flask app
(superset.cli.db passes it in config.attributes), never from a URL in a file."""

from alembic import context

from superset.models import Base

connectable = context.config.attributes["engine"]
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
