"""Users and roles the way Flask-AppBuilder keeps them (ab_user, ab_role, ...): the part the CLI
and the login endpoint need."""

from werkzeug.security import check_password_hash, generate_password_hash

from superset.models import Permission, PermissionView, PermissionViewRole, Role, User, ViewMenu

# What `superset init` creates: Superset's built-in roles, and a few of its permissions on views.
BUILTIN_ROLES = ("Admin", "Alpha", "Gamma", "granter", "sql_lab", "Public")
BUILTIN_PERMISSIONS = (
    ("can_read", "Dashboard"),
    ("can_write", "Dashboard"),
    ("can_read", "Chart"),
    ("can_write", "Chart"),
    ("can_read", "Dataset"),
    ("can_write", "Dataset"),
    ("can_read", "Database"),
    ("can_write", "Database"),
    ("can_sqllab", "Superset"),
    ("can_export", "Dashboard"),
    ("all_database_access", "all_database_access"),
    ("all_datasource_access", "all_datasource_access"),
)
# Which roles get which permissions (Admin: all of them).
ROLE_PERMISSIONS = {
    "Admin": BUILTIN_PERMISSIONS,
    "Alpha": tuple(p for p in BUILTIN_PERMISSIONS if p[1] != "Database" or p[0] == "can_read"),
    "Gamma": tuple(p for p in BUILTIN_PERMISSIONS if p[0] == "can_read"),
    "sql_lab": (("can_sqllab", "Superset"),),
}


def _get_or_create(session, model, **fields):
    row = session.query(model).filter_by(**fields).one_or_none()
    if row is None:
        row = model(**fields)
        session.add(row)
        session.flush()
    return row


def sync_role_definitions(session) -> None:
    """Idempotent: every built-in role, permission and grant exists afterwards."""
    views = {}
    for perm, view in BUILTIN_PERMISSIONS:
        p = _get_or_create(session, Permission, name=perm)
        v = _get_or_create(session, ViewMenu, name=view)
        views[(perm, view)] = _get_or_create(session, PermissionView, permission_id=p.id, view_menu_id=v.id)
    for name in BUILTIN_ROLES:
        role = _get_or_create(session, Role, name=name)
        for key in ROLE_PERMISSIONS.get(name, ()):
            _get_or_create(session, PermissionViewRole, permission_view_id=views[key].id, role_id=role.id)


def find_user(session, username=None, email=None):
    query = session.query(User)
    if username is not None:
        return query.filter(User.username == username).one_or_none()
    return query.filter(User.email == email).one_or_none()


def add_user(session, username, first_name, last_name, email, role, password) -> User:
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        active=True,
        password=generate_password_hash(password),
        roles=[role],
    )
    session.add(user)
    session.flush()
    return user


def check_password(user: User, password: str) -> bool:
    return bool(user.password) and check_password_hash(user.password, password)
