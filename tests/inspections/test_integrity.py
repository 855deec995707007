"""Integrity flags the verifier sees: duplicate photos, EXIF before creation, recurrence; and
the near-duplicate suggestion for reports."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from inspections import services
from inspections.models import Issue, Photo
from inspections.photos import DUPLICATE_MAX_DISTANCE, NO_DHASH, hamming
from inspections.selectors import integrity_flags, near_duplicates, suggest_responsible_unit
from tests.factories import SiteFactory, UnitFactory
from tests.inspections.conftest import LAT, encode, picture, raw_upload, upload

pytestmark = pytest.mark.django_db

METERS_PER_DEG_LAT = 111_320


def north(metres):
    return round(LAT + metres / METERS_PER_DEG_LAT, 6)


def test_same_after_photo_on_two_issues_flags_the_second(make_issue, people):
    first = make_issue("rectifying")
    second = make_issue("rectifying", latitude=north(500))
    same = encode(picture(42))
    services.issue_submit(actor=people.staff, issue_id=first.pk, measures="m", photos=[raw_upload(same)])
    services.issue_submit(actor=people.staff, issue_id=second.pk, measures="m", photos=[raw_upload(same, "again.jpg")])
    flags = integrity_flags(Issue.objects.get(pk=second.pk))
    assert [(f.kind, f.other_issue_id, f.distance) for f in flags] == [("duplicate_photo", first.pk, 0)]
    assert "疑似重复照片" in flags[0].message and f"#{first.pk}" in flags[0].message
    assert integrity_flags(Issue.objects.get(pk=first.pk)) == []
    # At verification the first issue is re-checked and gets the flag too, kept on the event.
    services.issue_verify(actor=people.supervisor, issue_id=first.pk)
    event = Issue.objects.get(pk=first.pk).events.get(action="verify")
    assert event.changes["integrity"][0]["other_issue_id"] == second.pk


def test_two_duplicate_photos_are_told_apart_by_which_photo_each_is(make_issue, people):
    """Two after-photos of one issue both repeat photos of another issue: each flag names its
    photo (kind, place in upload order, file name), so the two never read the same."""
    first = make_issue("rectifying")
    second = make_issue("rectifying", latitude=north(500))
    a, b = encode(picture(42)), encode(picture(43))
    services.issue_submit(actor=people.staff, issue_id=first.pk, measures="m", photos=[raw_upload(a), raw_upload(b)])
    photos = [raw_upload(a, "IMG_0001.jpg"), raw_upload(b, "IMG_0002.jpg")]
    services.issue_submit(actor=people.staff, issue_id=second.pk, measures="m", photos=photos)
    flags = integrity_flags(Issue.objects.get(pk=second.pk))
    assert [f.kind for f in flags] == ["duplicate_photo", "duplicate_photo"]
    assert flags[0].message == f"疑似重复照片：整改后第 1 张照片（IMG_0001.jpg）与问题 #{first.pk} 的照片完全相同"
    assert flags[1].message == f"疑似重复照片：整改后第 2 张照片（IMG_0002.jpg）与问题 #{first.pk} 的照片完全相同"
    # A photo stored without its file name (an import): its place still tells it apart.
    Photo.objects.filter(pk=flags[1].photo_id).update(original_name="")
    flags = integrity_flags(Issue.objects.get(pk=second.pk))
    assert flags[1].message == f"疑似重复照片：整改后第 2 张照片与问题 #{first.pk} 的照片完全相同"


def test_near_identical_photo_is_flagged_but_a_different_one_is_not(make_issue, people):
    first = make_issue("rectifying")
    second = make_issue("rectifying", latitude=north(500))
    third = make_issue("rectifying", latitude=north(900))
    services.issue_submit(actor=people.staff, issue_id=first.pk, measures="m", photos=[upload(42)])
    # The same scene, re-compressed smaller (what a messaging app does to a forwarded photo).
    smaller = encode(picture(42).resize((120, 90)), quality=60)
    services.issue_submit(actor=people.staff, issue_id=second.pk, measures="m", photos=[raw_upload(smaller)])
    services.issue_submit(actor=people.staff, issue_id=third.pk, measures="m", photos=[upload(43)])
    [flag] = integrity_flags(Issue.objects.get(pk=second.pk))
    assert flag.other_issue_id == first.pk
    assert flag.distance <= DUPLICATE_MAX_DISTANCE
    assert integrity_flags(Issue.objects.get(pk=third.pk)) == []
    a, c = (Photo.objects.get(issue_id=i, kind="after").dhash for i in (first.pk, third.pk))
    assert hamming(a, c) > DUPLICATE_MAX_DISTANCE


def flat(colour, size=(800, 600), quality=85):
    """A plain single-colour JPEG (a grey sky, a white wall)."""
    return encode(Image.new("RGB", size, colour), quality=quality)


def test_flat_photos_are_not_similar_to_each_other_but_the_same_file_is(make_issue, people):
    """A flat picture's perceptual hash says nothing (every neighbour pair ties): two different
    plain photos — grey, white, off-white at another size — are not 高度相似; the same plain file
    again is still 完全相同."""
    issues = [make_issue("rectifying", latitude=north(300 * i)) for i in range(4)]
    grey, white = flat((128, 128, 128)), flat((255, 255, 255))
    uploads = [grey, white, flat((250, 250, 248), size=(1200, 900), quality=70), grey]
    for issue, data in zip(issues, uploads, strict=True):
        services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="m", photos=[raw_upload(data)])
    assert set(Photo.objects.filter(kind="after").values_list("dhash", flat=True)) == {NO_DHASH}
    for issue in issues[:3]:
        assert integrity_flags(Issue.objects.get(pk=issue.pk)) == []
    [flag] = integrity_flags(Issue.objects.get(pk=issues[3].pk))
    assert (flag.other_issue_id, flag.distance) == (issues[0].pk, 0)
    assert flag.message.endswith("的照片完全相同")


def test_a_flat_photo_stored_with_the_old_zero_hash_matches_no_flat_photo(make_issue, people):
    """Photos stored before flat pictures went unhashed carry dHash 0000000000000000; a flat photo
    of another issue is not "the same picture" as one of them."""
    first, second = make_issue("rectifying"), make_issue("rectifying", latitude=north(500))
    services.issue_submit(actor=people.staff, issue_id=first.pk, measures="m", photos=[raw_upload(flat((90,) * 3))])
    Photo.objects.filter(issue=first).update(dhash="0" * 16)
    services.issue_submit(actor=people.staff, issue_id=second.pk, measures="m", photos=[raw_upload(flat((200,) * 3))])
    services.issue_verify(actor=people.supervisor, issue_id=first.pk)  # re-checks the old photo too
    assert integrity_flags(Issue.objects.get(pk=second.pk)) == []
    assert integrity_flags(Issue.objects.get(pk=first.pk)) == []


def test_a_photo_saved_from_the_app_and_uploaded_again_is_the_same_file(client, make_issue, people):
    """What the app serves is the stored JPEG (re-encoded, metadata stripped); a copy of it
    uploaded to another issue is re-encoded again — other bytes, a dHash a bit or two apart — yet
    it is that photo: 完全相同, and the first issue is flagged too when it is verified."""
    first, second = make_issue("rectifying"), make_issue("rectifying", latitude=north(500))
    services.issue_submit(actor=people.staff, issue_id=first.pk, measures="m", photos=[upload(3)])
    original = Photo.objects.get(issue=first, kind="after")
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:photo", args=[original.pk]))
    saved = b"".join(response.streaming_content)
    services.issue_submit(actor=people.staff, issue_id=second.pk, measures="m", photos=[raw_upload(saved, "save.jpg")])
    copy = Photo.objects.get(issue=second, kind="after")
    assert copy.sha256 != original.sha256 and hamming(copy.dhash, original.dhash) > 0  # not the same by those
    [flag] = integrity_flags(Issue.objects.get(pk=second.pk))
    assert (flag.other_issue_id, flag.distance) == (first.pk, 0)
    assert flag.message.endswith("的照片完全相同")
    services.issue_verify(actor=people.supervisor, issue_id=first.pk)
    [back] = integrity_flags(Issue.objects.get(pk=first.pk))
    assert (back.other_issue_id, back.distance) == (second.pk, 0)


def test_near_photos_are_found_at_the_distance_the_hashes_differ_by(make_issue):
    """The distance of two dHashes as the database computes it (PostgreSQL: bit_count of the
    XOR, only the near rows sent back) equals :func:`hamming`, and only those within
    ``DUPLICATE_MAX_DISTANCE`` are matches."""
    from inspections.photos import find_duplicates

    issue = make_issue("rectifying")
    mine = "f0e1d2c3b4a59687"
    others = {}
    for bits in range(DUPLICATE_MAX_DISTANCE + 3):  # flip the top `bits` bits, then one low one
        flipped = int(mine, 16) ^ (((1 << bits) - 1) << (64 - bits)) ^ (1 if bits else 0)
        neighbour = make_issue("reported", latitude=north(300 + 100 * bits))
        photo = Photo.objects.create(
            issue=neighbour,
            kind="before",
            file=f"x{bits}.jpg",
            dhash=f"{flipped:016x}",
            sha256=f"s{bits}",
            size=1000,
            width=160,
            height=120,
        )
        others[photo.pk] = hamming(mine, photo.dhash)
    found = find_duplicates(issue=issue, sha256="none", original_sha256="none", dhash_value=mine)
    assert {m.photo_id: m.distance for m in found} == {pk: d for pk, d in others.items() if d <= DUPLICATE_MAX_DISTANCE}
    assert len(found) >= 5 and sorted(others.values())[-1] > DUPLICATE_MAX_DISTANCE


def test_exif_time_before_creation_is_flagged(make_issue, people):
    issue = make_issue("rectifying")
    old = timezone.localtime(issue.created_at) - dt.timedelta(days=2)
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="m", photos=[upload(60, taken_at=old)])
    flags = integrity_flags(Issue.objects.get(pk=issue.pk))
    assert [f.kind for f in flags] == ["exif_before_creation"]
    assert "早于问题登记时间" in flags[0].message


def test_fresh_exif_time_is_not_flagged(make_issue, people):
    issue = make_issue("rectifying")
    later = timezone.localtime() + dt.timedelta(minutes=5)
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="m", photos=[upload(61, taken_at=later)])
    assert integrity_flags(Issue.objects.get(pk=issue.pk)) == []
    photo = Photo.objects.get(issue=issue, kind="after")
    assert photo.exif_taken_at is not None and not photo.taken_before_issue


@pytest.mark.parametrize("metres, flagged", [(40, True), (60, False)])
def test_recurrence_within_50_metres(make_issue, metres, flagged):
    closed = make_issue("closed")
    new = make_issue(latitude=north(metres))
    assert (new.possible_recurrence_of_id == closed.pk) is flagged
    kinds = [f.kind for f in integrity_flags(new)]
    assert ("possible_recurrence" in kinds) is flagged


def test_recurrence_only_for_recent_closures_of_the_same_category(make_issue, categories):
    closed = make_issue("closed")
    assert make_issue(category=categories.ads).possible_recurrence_of is None
    Issue.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    assert make_issue().possible_recurrence_of is None


def test_near_duplicates_suggested_for_reports(make_issue, categories):
    open_one = make_issue("assigned")
    make_issue("closed", latitude=north(10))  # closed: not a merge target
    make_issue("assigned", latitude=north(80))  # too far
    make_issue("assigned", category=categories.ads)  # another category
    report = make_issue(latitude=north(20))
    found = near_duplicates(report)
    assert [i.pk for i, _ in found] == [open_one.pk]
    assert 15 < found[0][1] < 25


def test_suggested_unit(city, units, categories):
    assert suggest_responsible_unit(city.a1v, categories.garbage) == units.street_a1  # 属地兜底
    assert suggest_responsible_unit(city.a2, categories.garbage) == units.gov_a  # no street office: the district
    # A functional category goes to the nearest department with the hint, else falls back.
    assert suggest_responsible_unit(city.a1v, categories.green) == units.street_a1
    city_bureau = UnitFactory(name="示范市园林局", kind="functional", region=city.city)
    district_bureau = UnitFactory(name="甲区园林绿化中心", kind="functional", region=city.a)
    assert suggest_responsible_unit(city.a1v, categories.green) == district_bureau
    assert suggest_responsible_unit(city.b1v, categories.green) == city_bureau
    site = SiteFactory(region=city.a1v, responsible_unit=units.cgj)
    assert suggest_responsible_unit(city.a1v, categories.garbage, site=site) == units.cgj


def test_duplicate_check_reads_the_newest_issues_of_the_region_or_the_unit(make_issue, city, monkeypatch):
    """The neighbours whose photos the duplicate check compares: the newest other issues of the
    issue's region or its unit, up to the limit — read apart and merged on PostgreSQL."""
    from inspections import photos

    unit = UnitFactory()
    issues = [make_issue("reported", region=city.a1v if i % 2 else city.b1v) for i in range(8)]
    me, by_unit = issues[1], [issues[2].pk, issues[4].pk]
    Issue.objects.filter(pk__in=[me.pk, *by_unit]).update(responsible_unit=unit)
    me.refresh_from_db()
    monkeypatch.setattr(photos, "DUPLICATE_SCAN_ISSUES", 3)

    def neighbours(issue):
        return list(
            Issue.objects.filter(pk__in=photos._recent_neighbours(issue)).order_by("-id").values_list("id", flat=True)
        )

    either = [i.pk for i in issues if i.pk != me.pk and (i.region_id == city.a1v.pk or i.pk in by_unit)]
    assert neighbours(me) == sorted(either, reverse=True)[:3]
    lone = issues[3]  # no unit: its region's only
    in_region = [i.pk for i in issues if i.pk != lone.pk and i.region_id == city.a1v.pk]
    assert neighbours(lone) == sorted(in_region, reverse=True)[:3]
