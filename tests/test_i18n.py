"""The English catalogue: every Chinese msgid has an English msgstr, and the committed .mo was
compiled from the committed .po (a fresh machine has no msgfmt to compile it)."""

import datetime as dt
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _unquote(chunks):
    text = "".join(chunks)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def po_entries():
    """``{msgid: [msgstr, ...]}`` from django.po (header and obsolete entries left out); an entry
    with a context is keyed as gettext stores it, ``context + "\\x04" + msgid``."""
    entries = {}
    for block in (CATALOGUE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        fields, current = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line[1:-1])
        if "msgid" not in fields:
            continue
        msgid = _unquote(fields["msgid"])
        if msgid:
            if "msgctxt" in fields:
                msgid = _unquote(fields["msgctxt"]) + "\x04" + msgid
            entries[msgid] = [_unquote(v) for k, v in fields.items() if k.startswith("msgstr")]
    return entries


def test_every_message_has_an_english_translation():
    entries = po_entries()
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs in entries.items() if not all(msgstrs)]
    assert untranslated == [], "fill these msgstr in locale/en/LC_MESSAGES/django.po"
    fuzzy = (CATALOGUE / "django.po").read_text(encoding="utf-8").count("#, fuzzy")
    assert fuzzy == 0, "a fuzzy entry is not compiled: check its msgstr and remove the flag"


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "django.mo").open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    stale = []
    for msgid, msgstrs in po_entries().items():
        got = compiled.get(msgid, compiled.get((msgid, 0)))
        if got != msgstrs[0]:
            stale.append(msgid)
    assert stale == [], "run: DEBUG=1 manage.py compilemessages -l en --ignore=.venv"


def test_a_word_that_is_one_thing_and_a_list_is_translated_by_context():
    """扣分 names one decision (a badge: "Deduction") and a column of points ("Deductions");
    the navigation and the 约谈问责 tabs name lists (plural), their titles one thing."""
    from django.template import engines
    from django.utils import translation

    from accountability.models import DecisionKind

    render = (
        engines["django"]
        .from_string(
            '{% load i18n %}{% translate "检查" context "navigation" %}|{% translate "检查" %}|'
            '{% translate "约谈" context "tab" %}|{% translate "扣分" %}'
        )
        .render
    )
    with translation.override("en"):
        assert str(DecisionKind.DEDUCTION.label) == "Deduction"
        inspections, inspection, interviews, deductions = render({}).split("|")
    assert (inspections, interviews, deductions) == ("Inspections", "Interviews", "Deductions")
    assert inspection != inspections


def test_templates_write_dates_one_way():
    """A date a person reads goes through chuangcheng.humantime (|when, |when_short, |day):
    Django's DATE_FORMAT/DATETIME_FORMAT gave a second English style ("Dec. 1, 2026, 10:30
    p.m." beside "1 Dec 2026 10:30") and a hand-written Y年n月j日 stayed Chinese in English.
    |date is left for machine formats (the <time datetime> attribute, an ISO cell)."""
    machine = {"'c'", '"c"', '"Y-m-d"', "'Y-m-d'"}
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for m in re.finditer(r"\|date(?::(\"[^\"]*\"|'[^']*'))?", path.read_text(encoding="utf-8")):
            if m.group(1) not in machine:
                found.append(f"{path.name}: {m.group(0)}")
    assert found == []


def test_an_english_date_reads_like_the_others():
    from django.template import engines
    from django.utils import translation

    render = engines["django"].from_string("{{ d|day }}").render
    with translation.override("en"):
        assert render({"d": dt.date(2026, 12, 1)}) == "1 Dec 2026"
    with translation.override("zh-hans"):
        assert render({"d": dt.date(2026, 12, 1)}) == "2026年12月1日"
