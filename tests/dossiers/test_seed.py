"""The demo (seed_demo runs seed_demo_dossiers and seed_demo_accountability): a dossier half
complete — approved, returned with a reason, waiting, missing —, a 约谈 with its follow-up task,
a 问责 decision with its document, commendations; running the two commands again adds nothing."""

import io

import pytest
from django.core.management import call_command

from accountability.models import Commendation, Decision, Interview
from chuangcheng.campaigns.models import Campaign
from dossiers import selectors
from dossiers.models import Material, MaterialVersion, Requirement

pytestmark = pytest.mark.django_db


def test_demo_dossier_and_accountability(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(status="active")

    totals = selectors.completeness(campaign).totals
    assert totals.approved and totals.returned and totals.pending and totals.missing
    assert 0 < totals.rate < 100
    returned = Material.objects.get(status="returned")
    assert returned.review_comment and returned.reviewed_by.username == "duchayuan"
    street = Requirement.objects.get(units__memberships__user__username="jingbanren")
    assert street.materials.exists()  # the demo clerk's office has a dossier of its own

    interview = Interview.objects.get(campaign=campaign)
    task = interview.follow_up_task
    assert task.owner_unit == interview.unit and task.completion_standard == interview.commitment
    assert task.indicators.exists() and interview.issues.exists()
    decision = Decision.objects.get(campaign=campaign)
    assert decision.kind == "deduction" and decision.points and decision.document
    assert Commendation.objects.filter(campaign=campaign).count() == 2

    counts = (Requirement.objects.count(), MaterialVersion.objects.count(), Interview.objects.count())
    call_command("seed_demo_dossiers", stdout=io.StringIO())
    call_command("seed_demo_accountability", stdout=io.StringIO())
    assert (Requirement.objects.count(), MaterialVersion.objects.count(), Interview.objects.count()) == counts
    assert (Decision.objects.count(), Commendation.objects.count()) == (1, 2)
