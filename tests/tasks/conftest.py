import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import TaskFactory

# The smallest valid PNG (1×1): a real image by content.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def fake_jpg(name="evil.jpg"):
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 100, content_type="image/jpeg")


@pytest.fixture
def task(campaign, units, city, people):
    """A task owned by 甲一街道办事处, led by 甲区人民政府, in 甲一街道."""
    return TaskFactory(
        campaign=campaign, owner_unit=units.street_a1, lead_unit=units.gov_a, region=city.a1, title="背街小巷环境整治"
    )


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


__all__ = ["png", "fake_jpg", "io"]
