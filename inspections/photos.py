"""Photo evidence: checking, re-encoding, hashing, and finding the same picture elsewhere.

An upload is accepted when its *bytes* are a JPEG, PNG, WebP or HEIC image (not its name),
at most :data:`MAX_PHOTO_BYTES` and :data:`MAX_PIXELS`. The pixel count is read from the
header before anything is decoded, so a 200-megapixel "decompression bomb" is refused cheaply.

What is stored is a fresh JPEG: EXIF orientation applied, all metadata stripped (phones put GPS
and device serials there), long edge at most :data:`MAX_STORED_EDGE`, plus a thumbnail, both
under server-generated names. The EXIF capture time (DateTimeOriginal) is read first and kept.

Hashes, for the integrity checks the verifier sees:

- ``original_sha256`` — the upload as received: the same file uploaded twice;
- ``sha256`` — the stored JPEG: the same picture whatever container it came in;
- ``dhash`` — a 64-bit difference hash of a 9×8 grey thumbnail (16 hex digits): survives
  re-compression, resizing and small crops. Two photos whose hashes differ in at most
  :data:`DUPLICATE_MAX_DISTANCE` of 64 bits are "the same picture" (the usual dHash threshold:
  ≤ 5–10 bits for near-duplicates; 6 keeps different scenes of the same street apart).
  A flat picture (a grey sky, a white wall: its thumbnail within :data:`FLAT_SPREAD` grey
  levels) has no perceptual hash — every bit would be noise or 0, and any two such photos would
  look "the same"; it is matched by its file hashes only.

A photo someone saved from the app (the stored JPEG, as served) and uploaded again is "the same
file": its ``original_sha256`` is the ``sha256`` of the photo it was saved from. Re-encoding it
again does not give the same bytes, nor always the same dHash.

:func:`find_duplicates` looks for matches on *other* issues in two steps: an indexed exact
match on any of the three hashes (city-wide, any age), then a bounded Hamming scan over the
photos of the most recent :data:`DUPLICATE_SCAN_ISSUES` issues of the same responsible unit or
the same region — where reused evidence comes from in practice (a unit recycling its own
"after" shots, or the same corner photographed again). The scan costs two indexed queries
and a few thousand integer XORs, whatever the size of the table.
"""

import datetime as dt
import hashlib
import io
import warnings
from dataclasses import dataclass

import filetype
from django.db import connection
from django.db.models import IntegerField, Q, Subquery
from django.db.models.expressions import RawSQL
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from chuangcheng.exceptions import ApplicationError
from chuangcheng.uploads import IMAGE_TYPES, check_upload

register_heif_opener()

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_STORED_EDGE = 3000
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85
DUPLICATE_MAX_DISTANCE = 6
# The largest spread (max − min of 255 grey levels) of the 9×8 thumbnail of a picture too flat to
# hash: a phone's sensor noise and JPEG artefacts average out below ~3 levels there, so its bits
# would be chance; a real scene spans tens of levels.
FLAT_SPREAD = 8
NO_DHASH = ""  # what a flat picture stores as its dHash
# A flat picture's dHash as stored before flat pictures went unhashed (every pair ties: no bit
# set); such rows are never compared by distance.
FLAT_DHASH = "0" * 16
DUPLICATE_SCAN_ISSUES = 2000
EXACT_MATCH_LIMIT = 20

_EXIF_FORMAT = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class ProcessedPhoto:
    original_name: str
    content: bytes  # the re-encoded JPEG
    thumbnail: bytes
    sha256: str
    original_sha256: str
    dhash: str
    width: int
    height: int
    exif_taken_at: dt.datetime | None


def jpeg_response(field, *, max_age=86400):
    """A stored photo or thumbnail (``field``) as the answer, kept by the asking browser only
    (media is not public); 404 when there is none or its file is gone."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


def _name(upload):
    return (getattr(upload, "name", "") or _("未命名照片"))[:200]


def check_photo_type(upload, *, field="photos"):
    """Refuse anything whose bytes are not a JPEG, PNG, WebP or HEIC image."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not head:
        return  # check_upload words the empty file
    kind = filetype.guess(head)
    if kind is None or kind.extension not in IMAGE_TYPES:
        raise ApplicationError(
            _("文件“%(n)s”不是照片：只接受 JPEG、PNG、WebP 或 HEIC 格式的图片。") % {"n": _name(upload)}, field=field
        )


def process_photo(upload, *, field="photos"):
    """Check and re-encode one upload → :class:`ProcessedPhoto` (nothing is stored here)."""
    name = _name(upload)
    check_photo_type(upload, field=field)
    check_upload(upload, allowed=IMAGE_TYPES, max_bytes=MAX_PHOTO_BYTES, field=field)
    upload.seek(0)
    raw = upload.read()
    unreadable = _("无法读取照片“%(n)s”：文件可能已损坏，请重新拍摄或导出后上传。") % {"n": name}
    too_big = _("照片“%(n)s”像素过大（超过 %(max)d 百万像素），请压缩后再上传。") % {
        "n": name,
        "max": MAX_PIXELS // 1_000_000,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))  # reads the header only
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ApplicationError(too_big, field=field)
            taken_at = exif_taken_at(image)
            image.draft("RGB", (MAX_STORED_EDGE, MAX_STORED_EDGE))  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
    except Image.DecompressionBombError:
        raise ApplicationError(too_big, field=field) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ApplicationError(unreadable, field=field) from None
    image.thumbnail((MAX_STORED_EDGE, MAX_STORED_EDGE), Image.Resampling.LANCZOS)
    content = _jpeg(image)
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        original_name=name,
        content=content,
        thumbnail=_jpeg(thumb),
        sha256=hashlib.sha256(content).hexdigest(),
        original_sha256=hashlib.sha256(raw).hexdigest(),
        dhash=dhash(image),
        width=image.width,
        height=image.height,
        exif_taken_at=taken_at,
    )


def _flatten(image):
    """RGB on white (transparent PNG/WebP would turn black in a JPEG)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= : metadata stripped
    return out.getvalue()


def exif_taken_at(image):
    """EXIF DateTimeOriginal (else DateTime) as an aware datetime, or None. A time without an
    offset tag is taken as Asia/Shanghai wall-clock time (what a phone in China writes)."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except (AttributeError, KeyError, ValueError, OSError):
        return None
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not raw:
        return None
    try:
        moment = dt.datetime.strptime(str(raw).strip("\x00 ").strip(), _EXIF_FORMAT)
    except ValueError:
        return None
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
    if offset:
        try:
            return dt.datetime.strptime(f"{moment:%Y-%m-%d %H:%M:%S}{str(offset).strip()}", "%Y-%m-%d %H:%M:%S%z")
        except ValueError:
            pass
    return timezone.make_aware(moment, timezone.get_default_timezone())


def dhash(image):
    """64-bit difference hash: a 9×8 grey thumbnail, one bit per horizontal neighbour pair
    (left brighter than right), as 16 hex digits — or :data:`NO_DHASH` for a flat picture (its
    thumbnail within :data:`FLAT_SPREAD` grey levels), whose bits would say nothing."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    if max(pixels) - min(pixels) <= FLAT_SPREAD:
        return NO_DHASH
    value = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            value = (value << 1) | (left > right)
    return f"{value:016x}"


def hamming(a, b):
    """How many of the 64 bits differ between two dHash strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class DuplicateMatch:
    photo_id: int
    issue_id: int
    distance: int  # 0: the same file or the same picture


def _recent_neighbours(issue):
    """A subquery of the ids of the :data:`DUPLICATE_SCAN_ISSUES` newest other issues of the
    issue's region or its unit. Kept in the database: sent back as 2,000 parameters they cost
    more to build than the photos cost to read (≈ 85 ms of Python on each 核查销号). Where the
    database allows it, the region's and the unit's newest are read apart, each down its
    ``(…, id)`` index, and merged: as one ``OR`` PostgreSQL walked the whole table backwards by
    id (≈ 180 ms at 1,000,000 issues for a street office's issue)."""
    from .models import Issue

    others = Issue.objects.exclude(pk=issue.pk).order_by("-id").values("id")
    if not issue.responsible_unit_id:
        return Subquery(others.filter(region_id=issue.region_id)[:DUPLICATE_SCAN_ISSUES])
    if not connection.features.supports_slicing_ordering_in_compound:
        either = Q(region_id=issue.region_id) | Q(responsible_unit_id=issue.responsible_unit_id)
        return Subquery(others.filter(either)[:DUPLICATE_SCAN_ISSUES])
    region = others.filter(region_id=issue.region_id)[:DUPLICATE_SCAN_ISSUES]
    unit = others.filter(responsible_unit_id=issue.responsible_unit_id)[:DUPLICATE_SCAN_ISSUES]
    return region.union(unit).order_by("-id")[:DUPLICATE_SCAN_ISSUES]


def find_duplicates(*, issue, sha256, original_sha256, dhash_value, exclude_photo_id=None):
    """Photos on *other* issues that look like this one, closest first (see module docstring).
    Issues merged into this one (or that this one was merged into) do not count. The same file
    (distance 0): the same upload, the same stored JPEG, or an upload of a photo as the app
    served it; a flat picture (no dHash) is compared by those only."""
    from .models import Issue, Photo

    # The issues merged into this one by their few ids (merged_into is indexed), not by a join
    # of every photo read to its issue.
    merged_here = Issue.objects.filter(merged_into_id=issue.pk).values("id")
    excluded_issues = Q(issue_id=issue.pk) | Q(issue_id__in=merged_here)
    if issue.merged_into_id:
        excluded_issues |= Q(issue_id=issue.merged_into_id)
    others = Photo.objects.exclude(excluded_issues)
    if exclude_photo_id:
        others = others.exclude(pk=exclude_photo_id)
    matches = {}
    same = Q(sha256=sha256) | Q(original_sha256=original_sha256)
    same |= Q(sha256=original_sha256) | Q(original_sha256=sha256)  # a copy saved from the app, either way
    hashed = dhash_value not in (NO_DHASH, FLAT_DHASH)
    exact = others.filter(same | Q(dhash=dhash_value) if hashed else same)
    for photo_id, issue_id in exact.order_by("id").values_list("id", "issue_id")[:EXACT_MATCH_LIMIT]:
        matches[photo_id] = DuplicateMatch(photo_id, issue_id, 0)
    if not hashed:  # a flat picture: the same file only
        return sorted(matches.values(), key=lambda m: m.photo_id)
    near = others.filter(issue_id__in=_recent_neighbours(issue)).exclude(dhash__in=(NO_DHASH, FLAT_DHASH)).order_by()
    if connection.vendor == "postgresql":
        # The distance computed where the rows are, so only the near ones come back (a street
        # office's 2,000 newest issues hold ~3,600 photos: 3 ms of Python a photo checked, on
        # every 提交核查 and 核查销号, at 1,000,000 issues).
        distance = RawSQL(
            f"bit_count(('x' || {Photo._meta.db_table}.dhash)::bit(64) # %s::bit(64))",
            ["x" + dhash_value],
            output_field=IntegerField(),
        )
        rows = (
            near.annotate(distance=distance)
            .filter(distance__lte=DUPLICATE_MAX_DISTANCE)
            .values_list("id", "issue_id", "distance")
        )
    else:
        rows = (
            (pk, issue_id, hamming(dhash_value, other))
            for pk, issue_id, other in near.values_list("id", "issue_id", "dhash")
        )
    for photo_id, issue_id, distance in rows:
        if photo_id not in matches and distance <= DUPLICATE_MAX_DISTANCE:
            matches[photo_id] = DuplicateMatch(photo_id, issue_id, distance)
    return sorted(matches.values(), key=lambda m: (m.distance, m.photo_id))
