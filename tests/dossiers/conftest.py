"""Dossier fixtures: a standard with document-evaluated and field-evaluated indicators used by
the shared ``campaign``, one requirement of 甲一街道办 and one of 乙一街道办, and files shaped
like what units really upload (a PDF, a Word document, a scanned image, a zip, and an HTML page
renamed .pdf)."""

import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from chuangcheng.campaigns.models import EvaluationMethod
from dossiers import services
from tests.factories import IndicatorFactory, StandardFactory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf_bytes(text="会议纪要"):
    body = f"BT /F1 12 Tf 72 720 Td ({text.encode('unicode_escape').decode()}) Tj ET".encode()
    head = b"%PDF-1.4\n1 0 obj << /Length " + str(len(body)).encode() + b" >> stream\n"
    return head + body + b"\nendstream endobj\n%%EOF\n"


def pdf(name="纪要.pdf", text="会议纪要"):
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def docx(name="工作方案.docx", text="工作方案"):
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def png(name="照片.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def zip_file(name="台账.zip"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("台账.txt", "2025 年台账")
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/zip")


def html_as_pdf(name="通知.pdf"):
    """An HTML page (with a script) renamed .pdf and sent as application/pdf."""
    return SimpleUploadedFile(
        name, b"<!doctype html><html><body><script>alert(1)</script></body></html>", content_type="application/pdf"
    )


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def standard(campaign):
    std = StandardFactory(name="国家卫生城市标准", version="测试版")
    org = IndicatorFactory(standard=std, code="1", name="爱国卫生组织管理")
    ind = SimpleNamespace(
        org=org,
        committee=IndicatorFactory(
            standard=std, code="1.1", parent=org, name="爱国卫生组织机构健全", method=EvaluationMethod.DOCUMENT
        ),
        system=IndicatorFactory(
            standard=std, code="1.2", parent=org, name="爱国卫生工作制度落实", method=EvaluationMethod.ONLINE
        ),
        street=IndicatorFactory(standard=std, code="3.2", name="背街小巷整洁", method=EvaluationMethod.FIELD),
    )
    campaign.standards.set([std])
    return SimpleNamespace(standard=std, **vars(ind))


@pytest.fixture
def dossier(campaign, units, people, standard):
    """``jia``: 1.1 爱卫会会议纪要 of 甲一街道办 (2023–2025); ``yi``: 1.2 制度文件 of 乙一街道办."""
    jia = services.requirement_create(
        actor=people.supervisor,
        campaign=campaign,
        indicator=standard.committee,
        name="爱卫会会议纪要",
        units=[units.street_a1],
        year_from=2023,
        year_to=2025,
    )
    yi = services.requirement_create(
        actor=people.supervisor,
        campaign=campaign,
        indicator=standard.system,
        name="爱国卫生工作制度文件",
        units=[units.street_b1],
    )
    return SimpleNamespace(jia=jia, yi=yi, standard=standard)
