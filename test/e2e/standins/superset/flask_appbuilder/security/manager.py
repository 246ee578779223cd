"""NOT Flask-AppBuilder (see the package docstring): its authentication type constants, with
Flask-AppBuilder's values."""

AUTH_OID = 0
AUTH_DB = 1
AUTH_LDAP = 2
AUTH_REMOTE_USER = 3
AUTH_OAUTH = 4
