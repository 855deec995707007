"""Times for people: one way to write them, in Chinese and English, from datetimes, dates and the
ISO text JSON snapshots hold; never an ISO string on a page."""

import datetime as dt

from django.template import Context, Template
from django.utils import timezone, translation

from chuangcheng.humantime import day, day_range, day_short, when, when_short

SHANGHAI = timezone.get_default_timezone()
MOMENT = dt.datetime(2026, 10, 19, 10, 0, tzinfo=dt.UTC)  # 18:00 in Asia/Shanghai


def test_chinese():
    with translation.override("zh-hans"):
        assert when(MOMENT) == "2026年10月19日 18:00"
        assert when_short(MOMENT) == "10-19 18:00"
        assert day_short("2026-12-07") == "12-07"
        assert when("2026-10-19T18:00+08:00") == "2026年10月19日 18:00"
        assert day(MOMENT) == "2026年10月19日" == day("2026-10-19") == when(dt.date(2026, 10, 19))
        assert day_range("2026-11-16", "2026-11-22") == "2026年11月16日至11月22日"
        assert day_range("2026-12-28", "2027-01-03") == "2026年12月28日至2027年1月3日"
        assert day_range(dt.date(2026, 11, 16), dt.date(2026, 11, 16)) == "2026年11月16日"
        assert when(None) == when("") == when("not a time") == ""


def test_english():
    with translation.override("en"):
        assert when(MOMENT) == "19 Oct 2026 18:00"
        # Not 10-19: 12-07 would read as 12 July.
        assert when_short(MOMENT) == "19 Oct 18:00"
        assert when_short(dt.date(2026, 12, 7)) == day_short("2026-12-07") == "7 Dec"
        assert day_range("2026-11-16", "2026-11-22") == "16 Nov 2026 – 22 Nov 2026"


def test_built_into_every_template():
    with translation.override("zh-hans"):
        text = Template("{{ t|when }} · {{ t|when_short }} · {{ d|day }}").render(
            Context({"t": MOMENT, "d": dt.date(2026, 10, 19)})
        )
    assert text == "2026年10月19日 18:00 · 10-19 18:00 · 2026年10月19日"
