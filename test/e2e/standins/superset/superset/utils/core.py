"""Mail as Superset 6.1 sends it for alerts and reports (superset/utils/core.py: send_email_smtp
and send_mime_email). The behaviour follows those functions (facts read from apache/superset);
the code is the stand-in's own, reduced to an HTML body without attachments or images.

What matters for the platform is that the connection is made exactly from app.config:
- SMTP_SSL: implicit TLS (smtplib.SMTP_SSL) on SMTP_PORT, else a plain smtplib.SMTP connection;
- SMTP_STARTTLS: STARTTLS on that connection;
- SMTP_SSL_SERVER_AUTH: the TLS of either uses ssl.create_default_context() (the system trust
  store, host name checked); when False no context is passed (smtplib's own: nothing checked);
- a login only when both SMTP_USER and SMTP_PASSWORD are non-empty;
- the envelope sender and the From header are SMTP_MAIL_FROM; no timeout is set (Superset 6.1
  passes none), so a connection a firewall drops waits for the kernel's connect timeout.
"""

import smtplib
import ssl
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate


def send_email_smtp(to: list, subject: str, html_content: str, config) -> dict:
    """Builds the message (multipart/mixed, Subject, From, To, Date, an HTML part) and sends it;
    returns what was done, never a credential."""
    sender = config["SMTP_MAIL_FROM"]
    message = MIMEMultipart("mixed")
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message.attach(MIMEText(html_content, "html"))
    return send_mime_email(sender, list(to), message, config)


def send_mime_email(sender: str, recipients: list, message, config) -> dict:
    context = ssl.create_default_context() if config["SMTP_SSL_SERVER_AUTH"] else None
    if config["SMTP_SSL"]:
        connection = smtplib.SMTP_SSL(config["SMTP_HOST"], config["SMTP_PORT"], context=context)
    else:
        connection = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"])
    if config["SMTP_STARTTLS"]:
        connection.starttls(context=context)
    logged_in = bool(config["SMTP_USER"] and config["SMTP_PASSWORD"])
    if logged_in:
        connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    connection.sendmail(sender, recipients, message.as_string())
    connection.quit()
    return {
        "smtp_host": config["SMTP_HOST"],
        "smtp_port": config["SMTP_PORT"],
        "starttls": bool(config["SMTP_STARTTLS"]),
        "ssl": bool(config["SMTP_SSL"]),
        "ssl_server_auth": bool(config["SMTP_SSL_SERVER_AUTH"]),
        "logged_in": logged_in,
        "mail_from": sender,
        "recipients": recipients,
        "subject": message["Subject"],
    }
