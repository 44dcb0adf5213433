"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, and helpers to read what it got.

Import the fixture into a test module: `from .mailserver import smtp_server`.
"""
from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from rq import SimpleWorker

from panel.jobs import get_queue, redis_connection


class Inbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.messages, self.recipients) if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    before = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield inbox
    finally:
        app.config["SMTP_URL"] = before
        controller.stop()


def deliver_mail(app) -> None:
    """Run the queued jobs (the mails) as the worker would."""
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)


def body(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


def link_path(msg: EmailMessage) -> str:
    """The path of the one link in a mail (the test client speaks to the app, not to a host)."""
    url = re.search(r"https?://\S+", body(msg)).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
