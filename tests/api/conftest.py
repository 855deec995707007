"""Fixtures for the API-wide checks: issues and tasks made through the services; for the route
walk also a 档案资料 requirement and a 模拟测评 checklist."""

from tests.dossiers.conftest import dossier, standard  # noqa: F401  (fixtures)
from tests.evaluations.conftest import checklist  # noqa: F401  (fixture)
from tests.inspections.conftest import categories, make_issue, media_root  # noqa: F401  (fixtures)
from tests.tasks.conftest import task  # noqa: F401  (fixture)
