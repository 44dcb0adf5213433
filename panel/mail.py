"""Outgoing e-mail: built in the request (in the reader's language), sent after the commit.

`send()` queues the message as a job that runs once the transaction commits, so a mail never
announces something that was rolled back, and a slow or failing SMTP server neither delays
nor breaks the page: the reset or invitation is already stored, RQ retries the delivery, and
the failure is logged. Without SMTP_URL (development, tests) a message is written to the log
and, when MAIL_OUTBOX is set, to one .eml file there, so the quick start works offline.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import time
import uuid
from contextlib import contextmanager
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from rq import Retry

from .jobs import enqueue_after_commit

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 20
RETRY = Retry(max=4, interval=[30, 120, 600, 1800])


def send(to: str, template: str, locale: str, **context) -> None:
    """Render `mail/<template>.txt` in `locale` (first line: the subject) and send it after commit."""
    with force_locale(locale):
        subject, _, body = render_template(f"mail/{template}.txt", **context).partition("\n")
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())  # a name with a line break must not break the header
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=msg["From"].addresses[0].domain or "localhost")
    msg.set_content(body.strip() + "\n")
    enqueue_after_commit(deliver, msg.as_string(), retry=RETRY, job_timeout=SMTP_TIMEOUT * 3)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail: from PUBLIC_URL when set, never trusting a forged Host header."""
    base = current_app.config.get("PUBLIC_URL")
    if not has_request_context():  # a CLI command or a test's setup
        return (base or "http://localhost") + current_app.url_map.bind("localhost").build(endpoint, values)
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def deliver(raw: str) -> None:
    """The job: hand one message to the SMTP server (raises so RQ retries), or to the outbox."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        _to_outbox(raw)
        return
    parts = urlsplit(url)
    starttls = parse_qs(parts.query).get("starttls", ["false"])[-1].lower() in ("1", "true", "yes", "on")
    with _connect(parts, starttls) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(_parse(raw))


@contextmanager
def _connect(parts, starttls: bool):
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(parts.hostname, parts.port or (587 if starttls else 25), timeout=SMTP_TIMEOUT)
    try:
        if starttls:
            smtp.starttls(context=context)
        yield smtp
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            smtp.close()


def _parse(raw: str) -> EmailMessage:
    return message_from_string(raw, policy=policy.default)


def _to_outbox(raw: str) -> None:
    outbox = current_app.config.get("MAIL_OUTBOX")
    if current_app.config.get("REGULARS_ENV") == "production" or not outbox:
        # Production without SMTP: the body holds a sign-in link, so it stays out of the log.
        msg = _parse(raw)
        log.warning("SMTP_URL is not set: mail %r to %s was not sent", msg["Subject"], msg["To"])
        return
    log.info("SMTP_URL is not set; this mail goes to %s instead:\n%s", outbox, raw)
    folder = Path(outbox)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
    (folder / name).write_text(raw, encoding="utf-8")
