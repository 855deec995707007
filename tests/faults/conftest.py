"""The fault suite's fixtures: its own Redis, SMTP servers and app processes (never the shared
5432/6379), and the small city of ``tests/conftest.py`` with issues made through the services.

Every module here is marked ``faults`` and ``postgres``: the app's processes share the test
database (so those tests commit: ``transaction=True``); CI runs them on its PostgreSQL."""

import shutil
import tempfile

import pytest
from rest_framework.authtoken.models import Token

from tests.inspections.conftest import categories, make_issue, media_root  # noqa: F401  (fixtures)

from .servers import HangingSMTPServer, Mailbox, RedisServer, SMTPServer


@pytest.fixture(scope="module")
def var_dir():
    path = tempfile.mkdtemp(prefix="faults-var-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def smtp():
    """``smtp(mode, **options)`` → a started SMTP server (see :class:`Mailbox`)."""
    servers = []

    def start(mode="accept", **options):
        server = SMTPServer(Mailbox(mode, **options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def hanging_smtp():
    server = HangingSMTPServer().start()
    yield server
    server.close()


@pytest.fixture
def tokens(people):
    """API tokens by role name (the HTTP clients of the suite sign in with them)."""
    return {name: Token.objects.create(user=getattr(people, name)).key for name in ("supervisor", "staff", "admin")}


def auth(token):
    return {"Authorization": f"Token {token}"}
