"""NOT Flask-AppBuilder: Debian does not package it. The e2e Superset stand-in provides only
flask_appbuilder.security.manager's AUTH_* constants, which superset_config.py imports."""
