"""Loads a generated superset_config.py as Superset does and sends one mail with its SMTP_*
settings through smtplib exactly as Superset 6.1's superset.utils.core.send_mime_email does:
SMTP_SSL or SMTP, STARTTLS with a default SSL context when SMTP_SSL_SERVER_AUTH, login when
user and password are set, sendmail from SMTP_MAIL_FROM. Prints "sent" or the error."""
import importlib.util
import smtplib
import socket
import ssl
import sys
from email.mime.text import MIMEText

# Superset sets no timeout; the test does, so that a stuck relay fails the test instead of hanging it.
socket.setdefaulttimeout(30)

spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)

msg = MIMEText("the weekly report", "plain")
msg["Subject"] = "[Report] weekly"
msg["From"] = config.SMTP_MAIL_FROM
msg["To"] = sys.argv[2]
context = ssl.create_default_context() if config.SMTP_SSL_SERVER_AUTH else None
try:
    smtp = smtplib.SMTP_SSL(config.SMTP_HOST, config.SMTP_PORT, context=context) if config.SMTP_SSL else smtplib.SMTP(config.SMTP_HOST, config.SMTP_PORT)
    if config.SMTP_STARTTLS:
        smtp.starttls(context=context)
    if config.SMTP_USER and config.SMTP_PASSWORD:
        smtp.login(config.SMTP_USER, config.SMTP_PASSWORD)
    smtp.sendmail(config.SMTP_MAIL_FROM, [sys.argv[2]], msg.as_string())
    smtp.quit()
    print("sent")
except Exception as error:  # reported to the test
    print(f"{type(error).__name__}: {error}")
