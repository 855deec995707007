"""Dossier services: uploads checked by content (an HTML page renamed .pdf is refused, nothing
written), sha256 and the duplicate flag, versions, the review workflow's every refusal, the
requirement's derived status, events and notices, reminders once per window, and the
completeness selector's figure."""

import datetime as dt
import hashlib

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.models import Delivery, Notice
from dossiers import selectors, services
from dossiers.models import DossierEvent, Material, MaterialStatus, MaterialVersion, RequirementStatus
from tests.dossiers.conftest import docx, html_as_pdf, pdf, pdf_bytes, png, zip_file

pytestmark = pytest.mark.django_db


def _upload(people, requirement, file=None, title="2025年爱卫会全体会议纪要", **kw):
    return services.material_upload(
        actor=kw.pop("actor", people.staff), requirement_id=requirement.pk, file=file or pdf(), title=title, **kw
    )


def test_upload_keeps_the_bytes_their_type_and_sha256(people, dossier):
    version = _upload(people, dossier.jia, document_number="甲爱卫〔2025〕3号", document_date=dt.date(2025, 3, 2))

    assert (version.number, version.extension, version.content_type) == (1, "pdf", "application/pdf")
    assert version.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert version.original_name == "纪要.pdf" and version.stored_name != "纪要.pdf"
    with default_storage.open(version.file.name, "rb") as stored:
        assert stored.read() == pdf_bytes()
    material = version.material
    assert material.status == MaterialStatus.PENDING and material.current_version == version
    dossier.jia.refresh_from_db()
    assert dossier.jia.status == RequirementStatus.PENDING
    event = DossierEvent.objects.filter(requirement=dossier.jia).latest("id")
    assert (event.action, event.actor, event.version) == ("upload", people.staff, version)
    # The office's supervisor hears of it; the uploader's unit does not.
    assert Notice.objects.filter(recipient=people.supervisor, title__contains="待审核材料").exists()


@pytest.mark.parametrize("make", [docx, png, zip_file], ids=["docx", "png", "zip"])
def test_word_images_and_zip_are_accepted(people, dossier, make):
    version = _upload(people, dossier.jia, file=make())
    assert version.extension in {"docx", "png", "zip"}


def test_an_html_page_renamed_pdf_is_refused_and_nothing_is_written(people, dossier, settings):
    with pytest.raises(ApplicationError) as error:
        _upload(people, dossier.jia, file=html_as_pdf())
    assert error.value.field == "file" and "不是允许的类型" in error.value.message
    assert not Material.objects.exists() and not MaterialVersion.objects.exists()
    assert not (settings.MEDIA_ROOT / "dossiers").exists()
    dossier.jia.refresh_from_db()
    assert dossier.jia.status == RequirementStatus.MISSING


def test_too_large_and_empty_files_are_refused(people, dossier, settings):
    settings.DOSSIER_MAX_UPLOAD_MB = 1
    big = pdf()
    big.size = 2 * 1024 * 1024
    with pytest.raises(ApplicationError, match="超过 1 MB"):
        _upload(people, dossier.jia, file=big)
    empty = pdf()
    empty.size = 0
    with pytest.raises(ApplicationError, match="是空的"):
        _upload(people, dossier.jia, file=empty)
    assert not MaterialVersion.objects.exists()


def test_the_same_bytes_twice_are_flagged_not_refused(people, dossier):
    first = _upload(people, dossier.jia)
    second = _upload(people, dossier.jia, title="另一份纪要", actor=people.head)
    other = _upload(people, dossier.jia, file=pdf(text="不同的内容"), title="第三份")

    assert first.duplicate_of is None and other.duplicate_of is None
    assert second.duplicate_of == first and second.sha256 == first.sha256
    assert DossierEvent.objects.filter(version=second).get().changes["duplicate_of"] == first.pk


def test_only_the_responsible_units_upload(people, dossier):
    for actor, code in [(people.staff_b, "not_found"), (people.supervisor, "forbidden"), (people.leader, "forbidden")]:
        with pytest.raises(ApplicationError) as error:
            _upload(people, dossier.jia, actor=actor)
        assert error.value.code == code, actor
    assert _upload(people, dossier.jia, actor=people.head).material.unit_id == dossier.jia.units.get().pk


def test_review_cycle_return_new_version_approve(people, dossier):
    material = _upload(people, dossier.jia).material

    with pytest.raises(ApplicationError) as error:
        services.material_return(actor=people.supervisor, material_id=material.pk, reason="  ")
    assert error.value.field == "reason"
    services.material_return(actor=people.supervisor, material_id=material.pk, reason="缺少签字页")
    material.refresh_from_db()
    dossier.jia.refresh_from_db()
    assert (material.status, material.review_comment, dossier.jia.status) == ("returned", "缺少签字页", "returned")
    assert Notice.objects.filter(recipient=people.staff, title__contains="材料被退回", body="缺少签字页").exists()

    # Returned: the office cannot approve it until the unit answers.
    with pytest.raises(ApplicationError) as error:
        services.material_approve(actor=people.supervisor, material_id=material.pk)
    assert error.value.code == "conflict"

    v2 = services.material_add_version(actor=people.staff, material_id=material.pk, file=pdf(text="有签字页"))
    material.refresh_from_db()
    dossier.jia.refresh_from_db()
    assert (v2.number, v2.title, material.status, dossier.jia.status) == (
        2,
        "2025年爱卫会全体会议纪要",
        "pending",
        "pending",
    )
    assert material.versions.count() == 2  # the first version is kept

    services.material_approve(actor=people.supervisor, material_id=material.pk, comment="齐全")
    material.refresh_from_db()
    dossier.jia.refresh_from_db()
    assert (material.status, material.reviewed_by, dossier.jia.status) == ("approved", people.supervisor, "approved")
    actions = list(DossierEvent.objects.filter(material=material).values_list("action", flat=True))
    assert actions == ["upload", "return", "new_version", "approve"]

    # Approved is kept: no new version, no second review.
    with pytest.raises(ApplicationError) as error:
        services.material_add_version(actor=people.staff, material_id=material.pk, file=pdf(text="又一版"))
    assert error.value.code == "conflict"


@pytest.mark.parametrize("who", ["staff", "head", "district_supervisor", "leader"])
def test_only_the_office_reviews(people, dossier, who):
    material = _upload(people, dossier.jia).material
    with pytest.raises(ApplicationError) as error:
        services.material_approve(actor=getattr(people, who), material_id=material.pk)
    assert error.value.code == "forbidden"
    material.refresh_from_db()
    assert material.status == "pending"


def test_a_requirement_needs_a_document_indicator_of_the_campaign(people, campaign, units, standard):
    with pytest.raises(ApplicationError) as error:
        services.requirement_create(
            actor=people.supervisor, campaign=campaign, indicator=standard.street, name="照片", units=[units.street_a1]
        )
    assert error.value.field == "indicator"
    with pytest.raises(ApplicationError) as error:
        services.requirement_create(
            actor=people.district_supervisor,
            campaign=campaign,
            indicator=standard.committee,
            name="纪要",
            units=[units.street_a1],
        )
    assert error.value.code == "forbidden"
    with pytest.raises(ApplicationError) as error:
        services.requirement_create(
            actor=people.supervisor,
            campaign=campaign,
            indicator=standard.committee,
            name="纪要",
            units=[],
            year_from=2025,
        )
    assert error.value.field == "units"


def test_reminders_are_sent_once_per_window(people, dossier):
    today = timezone.localdate()
    services.requirement_update(
        actor=people.supervisor, requirement_id=dossier.jia.pk, data={"deadline": today + dt.timedelta(days=1)}
    )
    first = services.dossier_send_reminders(today=today)
    again = services.dossier_send_reminders(today=today)

    assert {d.recipient for d in first} == {people.staff, people.head}
    assert again == []
    assert {d.title for d in first} == {"档案资料即将到期（剩余 1 天）：1.1 爱卫会会议纪要"}
    # Once handed in, the requirement is no longer owed: a later window sends nothing.
    _upload(people, dossier.jia)
    assert services.dossier_send_reminders(today=today + dt.timedelta(days=2)) == []
    assert Delivery.objects.filter(subject_key=f"dossier:{dossier.jia.pk}", kind="overdue").count() == 0


def test_completeness_counts_by_status_indicator_and_unit(people, units, city, dossier):
    material = _upload(people, dossier.jia).material
    result = selectors.completeness(dossier.jia.campaign)
    assert (result.totals.total, result.totals.pending, result.totals.missing, result.totals.rate) == (2, 1, 1, 0.0)

    services.material_approve(actor=people.supervisor, material_id=material.pk)
    result = selectors.completeness(dossier.jia.campaign)
    assert (result.totals.approved, result.totals.rate) == (1, 50.0)
    assert [(r.code, r.counts.rate) for r in result.by_indicator] == [("1.1", 100.0), ("1.2", 0.0)]
    assert [(r.name, r.counts.rate) for r in result.by_unit] == [("乙一街道办事处", 0.0), ("甲一街道办事处", 100.0)]

    jia_only = selectors.completeness(dossier.jia.campaign, city.a)
    assert (jia_only.totals.total, jia_only.totals.rate) == (1, 100.0)
    assert [r.name for r in jia_only.by_unit] == ["甲一街道办事处"]
    assert selectors.completeness(dossier.jia.campaign, units.street_b1).totals.as_dict()["rate"] == 0.0
