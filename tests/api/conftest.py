"""Fixtures for the API-wide checks: issues and tasks made through the services."""

from tests.inspections.conftest import categories, make_issue, media_root  # noqa: F401  (fixtures)
from tests.tasks.conftest import task  # noqa: F401  (fixture)
