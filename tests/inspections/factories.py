"""Factories for inspections. Issues in a given state are made through the services
(:func:`tests.inspections.conftest.issue_in_state`), so their history is real."""

import factory

from inspections.models import CategoryKind, IssueCategory


class IssueCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssueCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:04d}")
    kind = CategoryKind.EVENT
    major = "市容环境"
    name = factory.Sequence(lambda n: f"类别{n}")
    time_limit_hours = 4
    time_limit_days = None
