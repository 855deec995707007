"""Photo uploads: images only (by content), size and pixel limits, re-encoding, hashes."""

import io

import pytest
from PIL import Image

from chuangcheng.exceptions import ApplicationError
from inspections.photos import DUPLICATE_MAX_DISTANCE, MAX_PHOTO_BYTES, NO_DHASH, hamming, process_photo
from tests.inspections.conftest import encode, picture, raw_upload, upload

ALL_FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]


def refused(upload_file):
    with pytest.raises(ApplicationError) as exc:
        process_photo(upload_file)
    assert exc.value.code == "invalid" and exc.value.field == "photos"
    return exc.value.message


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_accepted_format_becomes_a_clean_jpeg(fmt):
    original = encode(picture(3), fmt)
    result = process_photo(raw_upload(original, f"x.{fmt.lower()}"))
    stored = Image.open(io.BytesIO(result.content))
    assert stored.format == "JPEG" and stored.size == (160, 120)
    assert not stored.getexif()  # metadata stripped
    assert Image.open(io.BytesIO(result.thumbnail)).size == (160, 120)  # never upscaled
    assert len(result.sha256) == len(result.original_sha256) == 64 and len(result.dhash) == 16
    assert result.sha256 != result.original_sha256  # re-encoded, never stored as uploaded
    assert result.exif_taken_at is None


def test_exif_time_read_and_orientation_applied():
    import datetime as dt

    from tests.inspections.conftest import local

    data = encode(picture(4, size=(200, 100)), taken_at=dt.datetime(2026, 11, 20, 9, 15), orientation=6)
    result = process_photo(raw_upload(data))
    assert result.exif_taken_at == local(2026, 11, 20, 9, 15)
    assert (result.width, result.height) == (100, 200)  # rotated upright
    assert not Image.open(io.BytesIO(result.content)).getexif()


def test_large_photo_is_downscaled_with_a_thumbnail():
    big = encode(picture(5, size=(4000, 3000)), quality=70)
    result = process_photo(raw_upload(big))
    assert max(result.width, result.height) == 3000
    assert max(Image.open(io.BytesIO(result.thumbnail)).size) == 320


def test_non_image_posing_as_jpg_is_refused():
    message = refused(raw_upload(b"MZ\x90\x00" + b"\x00" * 300, "evil.jpg"))
    assert "evil.jpg" in message and "不是照片" in message
    message = refused(raw_upload(b"%PDF-1.7\n" + b"0" * 300, "report.jpg"))
    assert "不是照片" in message


def test_empty_and_corrupt_files_are_refused():
    assert "是空的" in refused(raw_upload(b"", "empty.jpg"))
    truncated = encode(picture(6))[:200]
    assert "无法读取" in refused(raw_upload(truncated, "cut.jpg"))


def test_file_over_20_mb_is_refused():
    big = upload(1)
    big.size = MAX_PHOTO_BYTES + 1
    assert "超过 20 MB" in refused(big)


@pytest.mark.parametrize("size", [(7100, 7100), (15000, 14000)])  # 50 and 210 megapixels
def test_too_many_pixels_is_refused_before_decoding(size):
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")  # tiny file, huge image
    assert "像素过大" in refused(raw_upload(out.getvalue(), "bomb.png"))


def test_dhash_survives_recompression_but_tells_scenes_apart():
    a = process_photo(raw_upload(encode(picture(42))))
    b = process_photo(raw_upload(encode(picture(42).resize((120, 90)), quality=50)))
    c = process_photo(raw_upload(encode(picture(43))))
    assert hamming(a.dhash, b.dhash) <= DUPLICATE_MAX_DISTANCE
    assert hamming(a.dhash, c.dhash) > DUPLICATE_MAX_DISTANCE
    assert a.original_sha256 != b.original_sha256


@pytest.mark.parametrize("colour", [(0, 0, 0), (128, 128, 128), (255, 255, 255), (200, 180, 160)])
def test_a_flat_picture_has_no_perceptual_hash(colour):
    """Its 9×8 thumbnail has no edges: a dHash would be all zero bits (or noise), the same for
    every plain photo, so none is stored; a real scene keeps its 16 hex digits."""
    assert process_photo(raw_upload(encode(Image.new("RGB", (640, 480), colour)))).dhash == NO_DHASH
    noisy = Image.effect_noise((640, 480), 20).convert("RGB")  # sensor noise on a plain wall
    assert process_photo(raw_upload(encode(noisy))).dhash == NO_DHASH
    assert len(process_photo(raw_upload(encode(picture(42)))).dhash) == 16
