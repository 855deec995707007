"""Two supervisors act on one submitted issue at the same moment: one wins, the other is told
it already changed (409), and exactly one event is written. Needs PostgreSQL row locks."""

import threading

import pytest
from django.db import connection

from chuangcheng.exceptions import ApplicationError
from inspections import services
from inspections.models import Issue, IssueEvent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_verify_and_reject_leave_one_winner(make_issue, people):
    issue = make_issue("submitted")
    barrier = threading.Barrier(2)
    results = {}

    def act(name, fn, actor, **kwargs):
        try:
            barrier.wait()
            fn(actor=actor, issue_id=issue.pk, **kwargs)
            results[name] = "ok"
        except ApplicationError as exc:
            results[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("verify", services.issue_verify, people.supervisor)),
        threading.Thread(
            target=act,
            args=("reject", services.issue_reject, people.district_supervisor),
            kwargs={"reason": "未整改到位"},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == ["conflict", "ok"], results
    issue = Issue.objects.get(pk=issue.pk)
    decided = IssueEvent.objects.filter(issue=issue, action__in=["verify", "reject"])
    assert decided.count() == 1
    winner = decided.get().action
    assert results[winner] == "ok"
    assert issue.state == {"verify": "closed", "reject": "rectifying"}[winner]
    assert issue.rework_count == (1 if winner == "reject" else 0)
