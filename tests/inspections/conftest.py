"""Fixtures for inspections: categories, images made on the fly, a clock, and issues in any
state of the lifecycle (made through the services)."""

import datetime as dt
import io
import random
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from PIL import ExifTags, Image, ImageDraw

from inspections import services
from inspections.models import Issue
from tests.inspections.factories import IssueCategoryFactory

SHANGHAI = timezone.get_default_timezone()


def plan(queryset, *off):
    """PostgreSQL's plan (EXPLAIN text) for ``queryset`` with the planner's ``enable_<off>``
    methods off — on a test's small table, how it would reach the rows without reading them all."""
    with transaction.atomic(), connection.cursor() as cursor:
        for method in off:
            cursor.execute(f"SET LOCAL enable_{method} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def local(*args):
    """An aware datetime in Asia/Shanghai."""
    return timezone.make_aware(dt.datetime(*args), SHANGHAI)


def picture(seed, size=(160, 120)):
    """A distinct picture per seed: random coloured blocks (their dHashes differ widely)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(10, 80), y0 + rng.randrange(10, 60)
        draw.rectangle([x0, y0, x1, y1], fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def encode(image, fmt="JPEG", *, taken_at=None, orientation=None, **save):
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if taken_at:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = f"{taken_at:%Y:%m:%d %H:%M:%S}"
    out = io.BytesIO()
    if fmt in ("JPEG", "WEBP", "PNG") and (taken_at or orientation):
        save["exif"] = exif
    image.save(out, fmt, **save)
    return out.getvalue()


def upload(seed=1, name="photo.jpg", fmt="JPEG", **kw):
    return SimpleUploadedFile(name, encode(picture(seed), fmt, **kw), content_type="image/jpeg")


def raw_upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def categories(db):
    return SimpleNamespace(
        garbage=IssueCategoryFactory(
            code="200102",
            name="暴露垃圾",
            time_limit_hours=4,
            area_class_limits={"A": {"hours": 2}, "C": {"hours": 8}},
        ),
        green=IssueCategoryFactory(
            code="CC06",
            kind="campaign",
            major="创建专项",
            name="绿地养护",
            time_limit_hours=None,
            time_limit_days=5,
            default_unit_kind="functional",
            unit_hint="园林",
        ),
        ads=IssueCategoryFactory(code="CC03", name="门前三包", time_limit_hours=None, time_limit_days=1),
    )


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(moment)`` fixes ``timezone.now()`` for the services."""

    class Clock:
        def set(self, moment):
            monkeypatch.setattr(timezone, "now", lambda: moment)
            return moment

    return Clock()


# Zhengzhou-like coordinates; 0.00045° of latitude ≈ 50 m.
LAT, LNG = 34.757975, 113.665412


@pytest.fixture
def make_issue(campaign, city, categories, people):
    """``make_issue(state, **fields)``: an issue in 甲一社区 brought to ``state`` through the
    services (reported → assigned to 甲一街道办 → rectifying → submitted → closed)."""

    def make(state="reported", *, actor=None, category=None, seed=None, **fields):
        fields.setdefault("latitude", LAT)
        fields.setdefault("longitude", LNG)
        issue = services.issue_create(
            actor=actor or people.supervisor,
            campaign=campaign,
            category=category or categories.garbage,
            region=fields.pop("region", city.a1v),
            description=fields.pop("description", "路口暴露垃圾"),
            **fields,
        )
        order = ["reported", "assigned", "rectifying", "submitted", "closed"]
        target = order.index(state)
        if target >= 1:
            services.issue_accept(actor=people.supervisor, issue_id=issue.pk)
        if target >= 2:
            services.issue_sign(actor=people.staff, issue_id=issue.pk)
        if target >= 3:
            photo = upload(seed if seed is not None else 1000 + issue.pk)
            services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[photo])
        if target >= 4:
            services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
        return Issue.objects.get(pk=issue.pk)

    return make
