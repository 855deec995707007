"""Two reviewers decide one material at the same moment — one approves, the other returns: one
wins, the other is told it already changed (409), exactly one review event is written and the
requirement's status follows the winner. Needs PostgreSQL row locks."""

import threading

import pytest
from django.db import connection

from chuangcheng.exceptions import ApplicationError
from dossiers import services
from dossiers.models import DossierEvent, Material, Requirement
from tests.dossiers.conftest import pdf


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_return_leave_one_winner(people, dossier):
    version = services.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(), title="纪要")
    barrier = threading.Barrier(2)
    results = {}

    def act(name, fn, actor, **kwargs):
        try:
            barrier.wait()
            fn(actor=actor, material_id=version.material_id, **kwargs)
            results[name] = "ok"
        except ApplicationError as exc:
            results[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("approve", services.material_approve, people.supervisor)),
        threading.Thread(
            target=act, args=("return", services.material_return, people.admin), kwargs={"reason": "缺签字页"}
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == ["conflict", "ok"], results
    decided = DossierEvent.objects.filter(material_id=version.material_id, action__in=["approve", "return"])
    assert decided.count() == 1
    winner = decided.get().action
    material = Material.objects.get(pk=version.material_id)
    assert material.status == {"approve": "approved", "return": "returned"}[winner]
    assert Requirement.objects.get(pk=dossier.jia.pk).status == {"approve": "approved", "return": "returned"}[winner]
