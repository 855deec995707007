"""Dossier pages: the completeness page (figure, tabs, scoping), a requirement's page with its
forms per person, upload/return/new version/approve through the forms, downloads as
attachments, the office's 新建材料要求, and the streamed zip export (folders by indicator code,
目录.xlsx with checksums, only approved files, memory-flat chunks)."""

import hashlib
import io
import zipfile

import pytest
from django.test import Client
from openpyxl import load_workbook

from dossiers import export, services
from dossiers.models import Material, Requirement
from tests.dossiers.conftest import docx, html_as_pdf, pdf, pdf_bytes

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_completeness_page_shows_the_figure_over_what_the_person_sees(people, dossier):
    services.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(), title="纪要")
    material = Material.objects.get()
    services.material_approve(actor=people.supervisor, material_id=material.pk)

    office = _client(people.supervisor).get("/dossiers/")
    assert office.status_code == 200
    html = office.content.decode()
    assert 'data-testid="completion-rate">50.0%' in html
    assert "新建材料要求" in html and "导出档案（zip）" in html

    staff = _client(people.staff).get("/dossiers/").content.decode()
    assert 'data-testid="completion-rate">100.0%' in staff  # 甲一街道办 sees its own requirement only
    assert "导出档案（zip）" not in staff
    missing = _client(people.supervisor).get("/dossiers/?tab=missing").content.decode()
    assert "爱国卫生工作制度文件" in missing and "爱卫会会议纪要" not in missing


def test_completeness_page_query_budget(people, dossier, django_assert_max_num_queries):
    for n in range(10):
        services.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(text=str(n)), title=f"{n}")
    client = _client(people.supervisor)
    for tab in ("indicator", "unit", "pending"):
        with django_assert_max_num_queries(25):
            assert client.get(f"/dossiers/?tab={tab}").status_code == 200


def test_the_journey_through_the_forms(people, dossier):
    staff, office = _client(people.staff), _client(people.supervisor)
    page = staff.get(f"/dossiers/requirements/{dossier.jia.pk}/").content.decode()
    assert 'data-testid="form-upload"' in page

    refused = staff.post(f"/dossiers/requirements/{dossier.jia.pk}/upload/", {"file": html_as_pdf(), "title": "通知"})
    assert refused.status_code == 400
    assert "不是允许的类型" in refused.content.decode()
    # On a phone the form is far down the page: the refusal is also said at the top.
    assert 'data-testid="form-errors"' in refused.content.decode()
    assert not Material.objects.exists()

    for name, file in (("2025年纪要", pdf()), ("2024年纪要", docx())):
        response = staff.post(f"/dossiers/requirements/{dossier.jia.pk}/upload/", {"file": file, "title": name})
        assert response.status_code == 302
    first, second = Material.objects.order_by("pk")

    page = office.get(f"/dossiers/requirements/{dossier.jia.pk}/").content.decode()
    assert 'data-testid="form-upload"' not in page and 'data-testid="form-approve"' in page
    no_reason = office.post(f"/dossiers/materials/{first.pk}/return/", {"reason": ""})
    assert no_reason.status_code == 400
    assert office.post(f"/dossiers/materials/{first.pk}/return/", {"reason": "缺少签字页"}).status_code == 302
    page = staff.get(f"/dossiers/requirements/{dossier.jia.pk}/").content.decode()
    assert "缺少签字页" in page and 'data-testid="form-new_version"' in page

    # The unit may not review its own material (403, nothing changes).
    assert staff.post(f"/dossiers/materials/{second.pk}/approve/", {}).status_code == 403
    second.refresh_from_db()
    assert second.status == "pending"
    again = staff.post(f"/dossiers/materials/{first.pk}/new-version/", {"file": pdf(text="有签字页")})
    assert again.status_code == 302
    for material in (first, second):
        assert office.post(f"/dossiers/materials/{material.pk}/approve/", {"comment": ""}).status_code == 302
    dossier.jia.refresh_from_db()
    assert dossier.jia.status == "approved"
    # An out-of-scope person does not see it at all.
    assert _client(people.staff_b).get(f"/dossiers/requirements/{dossier.jia.pk}/").status_code == 404


def test_downloads_are_attachments_and_scoped(people, dossier):
    version = services.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(), title="纪要")
    url = f"/dossiers/materials/{version.material_id}/files/{version.pk}/"
    response = _client(people.supervisor).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert _client(people.staff_b).get(url).status_code == 404


def test_only_the_office_creates_requirements_on_the_page(people, campaign, units, dossier):
    assert _client(people.staff).get(f"/dossiers/requirements/new/?campaign={campaign.pk}").status_code == 403
    assert _client(people.district_supervisor).get("/dossiers/requirements/new/").status_code == 403
    client = _client(people.supervisor)
    form = client.get(f"/dossiers/requirements/new/?campaign={campaign.pk}").content.decode()
    assert "爱国卫生组织机构健全" in form and "背街小巷整洁" not in form  # document-evaluated indicators only
    response = client.post(
        "/dossiers/requirements/new/",
        {
            "campaign": campaign.pk,
            "indicator": dossier.standard.committee.pk,
            "name": "爱卫会成员名单",
            "units": [units.street_a1.pk],
            "year_from": 2025,
        },
    )
    assert response.status_code == 302
    assert Requirement.objects.filter(name="爱卫会成员名单", created_by=people.supervisor).exists()


def _zip(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_export_is_a_zip_by_indicator_with_an_index_of_approved_files(people, dossier, campaign):
    approved = services.material_upload(
        actor=people.staff,
        requirement_id=dossier.jia.pk,
        file=pdf(),
        title="2025年爱卫会全体会议纪要",
        document_number="甲爱卫〔2025〕3号",
        document_date="2025-03-02",
    )
    services.material_approve(actor=people.supervisor, material_id=approved.material_id)
    services.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=docx(), title="待审的方案")

    assert _client(people.staff).get("/dossiers/export/").status_code == 403
    response = _client(people.supervisor).get(f"/dossiers/export/?campaign={campaign.pk}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    archive = _zip(response)
    names = archive.namelist()
    assert names == ["1.1 爱国卫生组织机构健全/2025/2025年爱卫会全体会议纪要.pdf", "目录.xlsx"]
    assert archive.read(names[0]) == pdf_bytes()
    rows = list(load_workbook(io.BytesIO(archive.read("目录.xlsx"))).active.values)
    assert rows[0] == ("编号", "指标", "材料", "文件名", "文号", "日期", "审核状态", "SHA-256")
    assert rows[1] == (
        "1.1",
        "爱国卫生组织机构健全",
        "爱卫会会议纪要",
        names[0],
        "甲爱卫〔2025〕3号",
        "2025-03-02",
        "已通过",
        hashlib.sha256(pdf_bytes()).hexdigest(),
    )
    assert rows[2][:4] == ("1.1", "爱国卫生组织机构健全", "爱卫会会议纪要", None) and rows[2][6] == "待审核"
    assert rows[3][2] == "爱国卫生工作制度文件" and rows[3][6] == "缺项"

    # One branch: 1.2 only has a missing requirement, so the zip holds just the index.
    branch = _client(people.supervisor).get(
        f"/dossiers/export/?campaign={campaign.pk}&indicator={dossier.standard.system.pk}"
    )
    assert _zip(branch).namelist() == ["目录.xlsx"]


def test_export_streams_in_chunks(people, dossier, campaign):
    big = b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024)
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = services.material_upload(
        actor=people.staff,
        requirement_id=dossier.jia.pk,
        file=SimpleUploadedFile("大.pdf", big),
        title="大文件",
    )
    services.material_approve(actor=people.supervisor, material_id=version.material_id)
    entries = export.plan(campaign, dossier.standard.standard)
    chunks = [c for c in export.zip_chunks(entries, chunk_size=256 * 1024) if c]
    assert len(chunks) > 10
    assert max(len(c) for c in chunks) < 300 * 1024  # never the whole file at once
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).read(entries[0].path) == big


def test_no_local_paths_uploads_and_export_work_on_any_storage(people, dossier, campaign, settings):
    """With Django's in-memory storage nothing reaches the disk, yet upload, download and export
    work: everything goes through the storage API, as an S3-compatible bucket needs."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    version = services.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(), title="纪要")
    services.material_approve(actor=people.supervisor, material_id=version.material_id)
    from django.core.files.storage import InMemoryStorage, default_storage

    assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert not (settings.MEDIA_ROOT / "dossiers").exists()
    response = _client(people.supervisor).get(f"/dossiers/materials/{version.material_id}/files/{version.pk}/")
    assert b"".join(response.streaming_content) == pdf_bytes()
    archive = _zip(_client(people.supervisor).get(f"/dossiers/export/?campaign={campaign.pk}"))
    assert archive.read(f"1.1 爱国卫生组织机构健全/{version.year}/纪要.pdf") == pdf_bytes()


def test_s3_storage_setting(tmp_path):
    """``FILE_STORAGE=s3`` points the default storage at django-storages' S3 backend with the
    bucket, endpoint (MinIO) and keys from the environment, private and never overwriting."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "1",
        "FILE_STORAGE": "s3",
        "S3_BUCKET": "cc-media",
        "S3_ENDPOINT_URL": "http://minio:9000",
        "S3_ACCESS_KEY": "key",
        "S3_SECRET_KEY": "secret",
        "VAR_DIR": str(tmp_path),
    }
    code = "import json; from chuangcheng import settings; print(json.dumps(settings.STORAGES['default']))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    default = json.loads(out.strip().splitlines()[-1])
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "cc-media"
    assert default["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert (default["OPTIONS"]["default_acl"], default["OPTIONS"]["file_overwrite"]) == ("private", False)
