"""A real SMTP server for the delivery test (Debian's python3-aiosmtpd): STARTTLS with the given
certificate, AUTH required after it, every accepted message appended as JSON to a file. Prints
"ready <port>" once it listens on 127.0.0.1 at the given port. AUTH PLAIN only (what smtplib
tries first)."""
import json
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

cert, key, user, password, out, port = sys.argv[1:7]


class Store:
    async def handle_DATA(self, server, session, envelope):
        with open(out, "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "login": session.authenticated and user, "tls": session.ssl is not None, "data": envelope.content.decode()}) + "\n")
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(Store(), hostname="127.0.0.1", port=int(port), tls_context=context, require_starttls=True, authenticator=authenticate, auth_required=True, auth_require_tls=True, auth_exclude_mechanism=["LOGIN"])
controller.start()
print(f"ready {controller.port}", flush=True)
try:
    while True:
        time.sleep(1)
finally:
    controller.stop()
