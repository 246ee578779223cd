"""The stand-in's schema: every table of superset.models.

Revision ID: e2e610000001
Revises:
"""

from alembic import op

from superset.models import Base

revision = "e2e610000001"
down_revision = None


def upgrade():
    Base.metadata.create_all(bind=op.get_bind())


def downgrade():
    Base.metadata.drop_all(bind=op.get_bind())
