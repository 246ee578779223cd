"""The outside world's mail relay (e2e harness): a real SMTP server (aiosmtpd, Debian's
python3-aiosmtpd) that offers STARTTLS with the certificate it is given, requires TLS before AUTH
and AUTH before MAIL, checks one user and password, and records each message it accepts.

Usage: smtp-server.py ADDRESS PORT HOSTNAME CERT KEY USER PASSWORD_FILE MAILBOX

The password is read from a file (never a command line); MAILBOX is a file to which one JSON
object per line is appended: each accepted message (envelope, headers, whether TLS was on and
which user logged in) and each refused login (the login name only). No password is ever written.
Prints "listening ADDRESS:PORT" once it accepts connections.
"""

import asyncio
import json
import ssl
import sys
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main() -> None:
    address, port, hostname, cert, key, user, password_file, mailbox = sys.argv[1:9]
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()

    def record(entry: dict) -> None:
        with open(mailbox, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        if login == user and auth_data.password.decode("utf-8", "replace") == password:
            return AuthResult(success=True, auth_data=login)
        record({"event": "auth-refused", "login": login, "peer": session.peer[0], "mechanism": mechanism})
        return AuthResult(success=False, handled=False)

    class Recorder:
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.content, policy=default_policy)
            tls = session.ssl or {}
            cipher = tls.get("cipher") if isinstance(tls, dict) else None
            record({
                "event": "message",
                "peer": session.peer[0],
                "tls": session.ssl is not None,
                "tls_version": cipher[1] if cipher else None,
                "auth_user": session.auth_data if session.authenticated else None,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "subject": str(message.get("Subject", "")),
                "from": str(message.get("From", "")),
                "to": str(message.get("To", "")),
                "content_type": message.get_content_type(),
                "bytes": len(envelope.content),
            })
            return "250 Message accepted for delivery"

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Recorder()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def protocol() -> SMTP:
        return SMTP(handler, hostname=hostname, tls_context=context, require_starttls=True,
                    auth_required=True, auth_require_tls=True, authenticator=authenticate, loop=loop)

    server = loop.run_until_complete(loop.create_server(protocol, host=address, port=int(port)))
    print(f"listening {address}:{port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
