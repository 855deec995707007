"""The 问题清单's free-text search (``?q=``): a substring of the description or the address (any
case), a tracking code, or an issue number — or a word of what a row shows besides: the name
of its category (占压盲道) or of the category's class (公共设施), of its region or a region above
it (金水区, 花园路街道: their whole subtree), of its responsible unit (its full name or 简称), of
its source (随手拍, 12345), its 严重程度 (负面清单) or its state (整改中).
Words apart (``井盖 破损``, ``1208 国基路``, a space or a full-width one between them) must each
be found, each in any of these; a code or number may be typed full-width.

On PostgreSQL the substring match is answered from the ``search_grams`` index (migration 0007:
each issue's characters and character pairs): the query's pairs (or its one character) must all
be there — a necessary condition — and the substring match then rechecks those candidates, so
the ids are exactly those of the plain match, found without reading every row. A page of a
common phrase of several pairs is read by walking the list's order instead (:class:`SearchMatch`,
:mod:`chuangcheng.walk`): PostgreSQL, multiplying the pairs' frequencies, takes it for rare.
SQLite scans."""

import re
import threading
import time

from django.db import connection, connections
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from chuangcheng.walk import Walkable

MAX_GRAMS = 8  # enough to be selective; the recheck does the rest
MAX_WORDS = 5  # words past the fifth are not looked for (a pasted sentence is not a query)
MAX_ID = 2**63 - 1
# A page of a phrase of several pairs walks the list's order when its rarest pair is in at
# least this many issues: below it the pairs' index reads few enough rows anyway (at 10,000
# issues no phrase gets there; at 1,000,000, 花园路1's rarest pair is in about 51,000).
WALK_FROM_MATCHES = 5_000
# A scope of more regions and units than this is not put into the index's query: the visibility
# filter after the index keeps its rows as before (a person's scope is a region or a few units).
MAX_SCOPE_TERMS = 50


def _lexeme(gram):
    return "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"


# Where a search's words part: spaces (full-width ones too), brackets and list commas of either
# width — an address typed 经八大道(2段) finds 经八大道（2段）.
SEPARATORS = re.compile(r"[\s()（）\[\]【】,，、;；]+")


def _all_words(value):
    return [w for w in SEPARATORS.split(value) if w and w not in ("#", "＃")]


def words(value):
    """The words of a search (the first :data:`MAX_WORDS`): ``value`` split at
    :data:`SEPARATORS`; a ``#`` standing alone (``# 1208``) belongs to the number after it."""
    return _all_words(value)[:MAX_WORDS]


def unused_words(value):
    """The words of ``value`` past :data:`MAX_WORDS`, which the search does not look for (the
    list says so)."""
    return _all_words(value)[MAX_WORDS:]


def grams(text):
    """The index's terms for ``text``: its distinct character pairs (one character: itself)."""
    s = text.lower()
    found = [s] if len(s) == 1 else list(dict.fromkeys(s[i : i + 2] for i in range(len(s) - 1)))
    return found[:MAX_GRAMS]


def grams_query(text):
    """The tsquery (text) for ``text``: its pairs ANDed."""
    return " & ".join(_lexeme(g) for g in grams(text))


def _all_grams(value):
    return [g for word in words(value) for g in grams(word)]


class GramStats:
    """How common each pair is, from the statistics ANALYZE keeps of the pairs' column
    (``pg_stats``: the most common elements and their frequencies, and the table's row count),
    read once per database every ``ttl`` seconds."""

    ttl = 600

    def __init__(self):
        self._lock = threading.Lock()
        self._by_db = {}

    def _read(self, using):
        with connections[using].cursor() as cursor:
            cursor.execute(
                """SELECT e, f FROM pg_stats s,
                       unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS t(e, f)
                   WHERE s.schemaname = current_schema() AND s.tablename = 'inspections_issue'
                     AND s.attname = 'search_grams' AND t.e IS NOT NULL"""
            )
            pairs = cursor.fetchall()
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'inspections_issue'::regclass")
            rows = max(cursor.fetchone()[0], 0)
        # (The frequencies end with two that are not an element's: the least and the greatest.)
        # A pair not listed is rarer than the least listed.
        freqs = dict(pairs)
        least = min(freqs.values(), default=0.0)
        return rows, freqs, least

    def get(self, using):
        with self._lock:
            stamp, stats = self._by_db.get(using, (None, None))
            if stamp is None or time.monotonic() - stamp > self.ttl:
                stats = self._read(using)
                self._by_db[using] = (time.monotonic(), stats)
            return stats

    def most_matches(self, text, using="default"):
        """At most how many issues hold every pair of ``text``: those that hold its rarest."""
        rows, freqs, least = self.get(using)
        terms = _all_grams(text)
        if not terms or not freqs:
            return 0
        return int(rows * min(freqs.get(term, least) for term in terms))

    def clear(self):
        with self._lock:
            self._by_db.clear()


gram_stats = GramStats()


def like_pattern(value):
    """``%value%`` with LIKE's wildcards escaped, as Django's icontains builds it."""
    return f"%{connection.ops.prep_for_like_query(value)}%"


def scope_terms(seen=None, region=None):
    """Where a search's rows can be, as the index holds it (migration 0023: each issue's terms
    ``p:<id>`` for its region and every region above it but the top one, ``u:<id>`` for its
    unit): a tsquery ORing the region filter's ``region``, else the visibility ``seen``'s
    regions and units — or "" when that is everything (the top region included), holds 包保
    sites (not in the index) or more than :data:`MAX_SCOPE_TERMS` terms. A necessary condition
    only: the visibility filter still applies."""
    if region is not None:
        paths, units = (region.path,), ()
    elif seen is None or seen.everything or seen.site_ids:
        return ""
    else:
        paths, units = seen.region_paths, sorted(seen.unit_ids)
    ids = [path.strip("/").split("/") for path in paths]
    if any(len(parts) < 2 for parts in ids):  # the top region: every issue
        return ""
    terms = [f"'p:{int(parts[-1])}'" for parts in ids] + [f"'u:{int(pk)}'" for pk in units]
    return " | ".join(terms) if 0 < len(terms) <= MAX_SCOPE_TERMS else ""


def _text_condition(word, column, scope=""):
    """The SQL of one word in the text (pairs, then the recheck) with each column read through
    ``column``; with ``scope`` (:func:`scope_terms`), the index also keeps only the rows there."""
    sql = f"({column('search_grams')} @@ %s::tsquery AND cc_contains({column('description')}, {column('address')}, %s))"
    query = grams_query(word)
    return sql, [f"{query} & ({scope})" if scope else query, like_pattern(word)]


def named(word):
    """``{column: ids}``: the categories, regions (each with its subtree) and units whose names
    hold ``word`` (any case) — the row's other words. Small tables, three short queries; a
    column with no match is left out."""
    from chuangcheng.org.models import Region, Unit

    from .models import IssueCategory, IssueState, Severity

    found = {
        "category_id": list(
            IssueCategory.objects.filter(Q(name__icontains=word) | Q(major__icontains=word)).values_list(
                "pk", flat=True
            )
        ),
        "responsible_unit_id": list(
            Unit.objects.filter(Q(name__icontains=word) | Q(short_name__icontains=word)).values_list("pk", flat=True)
        ),
    }
    paths = sorted(Region.objects.filter(name__icontains=word).values_list("path", flat=True))
    tops = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]  # subtrees once
    subtree = Q()
    for path in tops:
        subtree |= Q(path__startswith=path)
    found["region_id"] = list(Region.objects.filter(subtree).values_list("pk", flat=True)) if tops else []
    found["source"] = sources_named(word)
    found["severity"] = choices_named(word, Severity.choices)
    found["state"] = choices_named(word, IssueState.choices)
    return {column: ids for column, ids in found.items() if ids}


def sources_named(word):
    """The issue sources (随手拍, 12345, 媒体曝光…) whose label holds ``word``."""
    from .models import IssueSource

    return choices_named(word, IssueSource.choices)


def choices_named(word, choices):
    """The values of ``choices`` whose label holds ``word`` (any case), in Chinese or the
    language the page is in: a source, a 严重程度 (负面清单) or a state (整改中) is a filter,
    but people type it. A number names a label only whole (12 is not 12345), and one character
    none."""
    from django.utils import translation

    word = _halfwidth(word).casefold()
    if len(word) < 2:
        return []
    with translation.override("zh-hans"):
        chinese = {value: str(label).casefold() for value, label in choices}

    def names(label):
        return word == label if word.isdigit() else word in label

    return [value for value, label in choices if names(chinese[value]) or names(str(label).casefold())]


def _word_condition(word, column, names, scope=""):
    """One word's match: in the text, in a name the row shows (``names``: :func:`named`'s), or
    the issue's 查询码 or number."""
    sql, params = _text_condition(word, column, scope)
    for name, ids in names.items():
        sql += f" OR {column(name)} = ANY(%s)"
        params.append(ids)
    sql += f" OR {column('tracking_code')} = %s"
    params.append(_code(word))
    number = _number(word)
    if number is not None:
        sql += f" OR {column('id')} = %s"
        params.append(number)
    return f"({sql})", params


def _all(parts):
    """``(sql, params)`` parts ANDed into one."""
    return "(" + " AND ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]


def _condition(value, column, names, scope=""):
    """search_q's whole condition: every word's match, ANDed (``names``: each word's :func:`named`)."""
    return _all([_word_condition(word, column, names[word], scope) for word in words(value)])


def _names(value):
    return {word: named(word) for word in words(value)}


def _halfwidth(word):
    """``word`` with the full-width forms of ASCII (ＡＢＣ－１２３, ＃) as ASCII: a Chinese keyboard
    left in full-width mode types them."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in word)


def _code(word):
    """A 查询码 as stored: ``abcde-fghjk`` as the citizen copied it, or typed full-width
    (ＡＢＣＤＥ－ＦＧＨＪＫ), reads ``ABCDEFGHJK``."""
    from .services.citizen import tracking_code_normalize

    return tracking_code_normalize(_halfwidth(word)) or word


def _number(word):
    """The issue number ``word`` names (``123``, ``#123``, full-width ``＃１２３``), or None."""
    digits = _halfwidth(word).lstrip("#")
    if not digits.isascii() or not digits.isdigit() or int(digits) > MAX_ID:
        return None
    return int(digits)


def named_issues(queryset, value, limit=3):
    """The issues of ``queryset`` that a word of ``value`` names outright — its number (1208,
    #1208) or its 查询码 — for the list to offer first: a number also matches every row that
    shows it, and the one meant need not be on the first page."""
    numbers, codes = set(), set()
    for word in words(value):
        number = _number(word)
        if number is not None:
            numbers.add(number)
        if _halfwidth(word).isascii():
            code = _code(word)
            if len(code) >= 5:
                codes.add(code)
    if not numbers and not codes:
        return []
    return list(queryset.filter(Q(pk__in=numbers) | Q(tracking_code__in=codes)).order_by("pk")[:limit])


def _table_column(name):
    return f'"inspections_issue"."{name}"'


class SearchMatch(Walkable):
    """search_q's condition on PostgreSQL: answered from the pairs' index, or — for a page of a
    phrase whose rarest pair is common — by walking the list's own order (:mod:`chuangcheng.walk`)."""

    columns = (
        "id",
        "tracking_code",
        "description",
        "address",
        "search_grams",
        "category_id",
        "region_id",
        "responsible_unit_id",
        "source",
        "severity",
        "state",
    )

    def __init__(self, value, scope=""):
        self.value, self.names, self.scope = value, _names(value), scope
        super().__init__(*_condition(value, _table_column, self.names, scope), BooleanField())

    def over(self, column):
        return _condition(self.value, column, self.names, self.scope)

    def worth_walking(self, using):
        # One pair: PostgreSQL knows its frequency and picks the walk itself when it pays.
        # Several: it multiplies their frequencies, so a common phrase looks rare to it.
        terms = _all_grams(self.value)
        return len(terms) > 1 and gram_stats.most_matches(self.value, using) >= WALK_FROM_MATCHES


def text_q(value):
    """A Q for issues whose description or address contains each word of ``value`` (any case)."""
    if not words(value):
        return Q(description__icontains=value) | Q(address__icontains=value)
    if connection.vendor != "postgresql":
        q = Q()
        for word in words(value):
            q &= Q(description__icontains=word) | Q(address__icontains=word)
        return q
    # The pairs come from the index; cc_contains (migration 0007) rechecks like icontains.
    return Q(RawSQL(*_all([_text_condition(word, _table_column) for word in words(value)]), BooleanField()))


def search_q(value, scope=""):
    """The issues matching the search ``value``; ``scope`` (:func:`scope_terms`, PostgreSQL
    only) lets the pairs' index keep only the rows where the list can show them."""
    if connection.vendor == "postgresql" and words(value):
        return Q(SearchMatch(value, scope))
    if not words(value):
        return text_q(value) | Q(tracking_code=value)
    q = Q()
    for word in words(value):
        one = Q(description__icontains=word) | Q(address__icontains=word) | Q(tracking_code=_code(word))
        for column, ids in named(word).items():
            one |= Q(**{f"{column}__in": ids})
        number = _number(word)
        if number is not None:
            one |= Q(pk=number)
        q &= one
    return q
