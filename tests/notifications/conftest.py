"""Servers for the channels, on localhost in the test: a real SMTP server (aiosmtpd) and an HTTP
server for the webhook; and the inspections fixtures (issues made through the services)."""

import asyncio
import email
import email.policy
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.inspections.conftest import categories, make_issue, media_root  # noqa: F401  (fixtures)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps every message it accepted (250). With ``hold_first`` set, the
    first transaction waits until ``release`` and is then refused with 451 — the server never
    accepted it, as when its sender dies mid-transaction. ``hold_in`` says where it waits:
    ``"DATA"`` (the client has handed the message over) or ``"RCPT"`` (before the message)."""

    def __init__(self):
        self.accepted = []
        self.hold_first = False
        self.hold_in = "DATA"
        self.holding = threading.Event()  # set when the held transaction has arrived
        self.release = threading.Event()
        self._held = False

    async def _hold(self, phase):
        if self.hold_first and self.hold_in == phase and not self._held:
            self._held = True
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Sender went away, not accepted"
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = await self._hold("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = await self._hold("DATA")
        if refusal:
            return refusal
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.accepted.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        return [m for rcpts, m in self.accepted if address in rcpts]


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost; ``.url`` for the email channel, ``.mailbox.accepted``."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    controller.url = f"smtp://127.0.0.1:{port}"
    controller.mailbox = mailbox
    try:
        yield controller
    finally:
        mailbox.release.set()
        controller.stop()


@pytest.fixture
def email_to(settings):
    """``email_to(url)``: the email channel sends through the SMTP server at ``url``."""

    def use(url):
        channels = {name: dict(config) for name, config in settings.NOTIFICATION_CHANNELS.items()}
        channels["email"]["url"] = url
        settings.NOTIFICATION_CHANNELS = channels

    return use


@pytest.fixture
def webhook_server():
    """A local HTTP server recording JSON POSTs (headers, query, body); ``.status`` and
    ``.reply`` are what it answers (default 200 and ``{}``); ``.base`` its root URL."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            body = json.loads(self.rfile.read(length))
            received.append({"headers": dict(self.headers), "query": query, "json": body})
            self.send_response(server.status)
            self.end_headers()
            self.wfile.write(server.reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.status, server.reply = 200, b"{}"
    server.received = received
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.url = f"{server.base}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def with_webhook(settings):
    def use(url, **options):
        channels = {name: dict(config) for name, config in settings.NOTIFICATION_CHANNELS.items()}
        channels["webhook"] = {"class": "chuangcheng.notifications.channels.WebhookChannel", "url": url, **options}
        settings.NOTIFICATION_CHANNELS = channels

    return use
