"""The metadata tables the stand-in uses, named as Superset's (ab_* from Flask-AppBuilder,
dbs, tables, slices, dashboards, logs): the restore check and the dashboard export read them.
Only a few columns of each: enough for what the stand-in does, not Superset's schema."""

import uuid as uuid_module
from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def _uuid() -> str:
    return str(uuid_module.uuid4())


class Permission(Base):
    __tablename__ = "ab_permission"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)


class ViewMenu(Base):
    __tablename__ = "ab_view_menu"
    id = Column(Integer, primary_key=True)
    name = Column(String(250), unique=True, nullable=False)


class PermissionView(Base):
    __tablename__ = "ab_permission_view"
    __table_args__ = (UniqueConstraint("permission_id", "view_menu_id"),)
    id = Column(Integer, primary_key=True)
    permission_id = Column(Integer, ForeignKey("ab_permission.id"))
    view_menu_id = Column(Integer, ForeignKey("ab_view_menu.id"))


class Role(Base):
    __tablename__ = "ab_role"
    id = Column(Integer, primary_key=True)
    name = Column(String(64), unique=True, nullable=False)


class PermissionViewRole(Base):
    __tablename__ = "ab_permission_view_role"
    __table_args__ = (UniqueConstraint("permission_view_id", "role_id"),)
    id = Column(Integer, primary_key=True)
    permission_view_id = Column(Integer, ForeignKey("ab_permission_view.id"))
    role_id = Column(Integer, ForeignKey("ab_role.id"))


class User(Base):
    __tablename__ = "ab_user"
    id = Column(Integer, primary_key=True)
    first_name = Column(String(64), nullable=False)
    last_name = Column(String(64), nullable=False)
    username = Column(String(64), unique=True, nullable=False)
    password = Column(String(256))
    active = Column(Boolean, default=True)
    email = Column(String(320), unique=True, nullable=False)
    created_on = Column(DateTime, default=datetime.now)
    roles = relationship("Role", secondary="ab_user_role")


class UserRole(Base):
    __tablename__ = "ab_user_role"
    __table_args__ = (UniqueConstraint("user_id", "role_id"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    role_id = Column(Integer, ForeignKey("ab_role.id"))


class Database(Base):
    """A registered data source (Superset's `dbs`): the URI without its password, which is kept
    encrypted with SECRET_KEY in `password`."""

    __tablename__ = "dbs"
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), default=_uuid, unique=True)
    database_name = Column(String(250), unique=True, nullable=False)
    sqlalchemy_uri = Column(String(1024), nullable=False)
    password = Column(Text)
    expose_in_sqllab = Column(Boolean, default=True)
    created_on = Column(DateTime, default=datetime.now)
    changed_on = Column(DateTime, default=datetime.now, onupdate=datetime.now)


class Dataset(Base):
    __tablename__ = "tables"
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), default=_uuid, unique=True)
    table_name = Column(String(250), nullable=False)
    schema = Column(String(255))
    sql = Column(Text)
    database_id = Column(Integer, ForeignKey("dbs.id"), nullable=False)
    database = relationship("Database")


class Slice(Base):
    __tablename__ = "slices"
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), default=_uuid, unique=True)
    slice_name = Column(String(250))
    datasource_id = Column(Integer)
    datasource_type = Column(String(200), default="table")
    viz_type = Column(String(250))
    params = Column(Text)
    query_context = Column(Text)


class Dashboard(Base):
    __tablename__ = "dashboards"
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), default=_uuid, unique=True)
    dashboard_title = Column(String(500))
    slug = Column(String(255), unique=True)
    position_json = Column(Text)
    json_metadata = Column(Text)
    published = Column(Boolean, default=False)
    slices = relationship("Slice", secondary="dashboard_slices")


class DashboardSlice(Base):
    __tablename__ = "dashboard_slices"
    __table_args__ = (UniqueConstraint("dashboard_id", "slice_id"),)
    id = Column(Integer, primary_key=True)
    dashboard_id = Column(Integer, ForeignKey("dashboards.id"))
    slice_id = Column(Integer, ForeignKey("slices.id"))


class Log(Base):
    """Superset's action log; the stand-in also records its scheduler runs and e2e checks here."""

    __tablename__ = "logs"
    id = Column(Integer, primary_key=True)
    action = Column(String(512))
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    json = Column(Text)
    dttm = Column(DateTime, default=datetime.now)
    dashboard_id = Column(Integer)
    slice_id = Column(Integer)
    duration_ms = Column(Integer)
    referrer = Column(String(1024))
