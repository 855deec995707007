"""The 问题清单's free-text search (``?q=``): a substring of the description or the address (any
case), a tracking code, or an issue number.

On PostgreSQL the substring match is answered from the ``search_grams`` index (migration 0007:
each issue's characters and character pairs): the query's pairs (or its one character) must all
be there — a necessary condition — and the substring match then rechecks those candidates, so
the ids are exactly those of the plain match, found without reading every row. SQLite scans."""

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

MAX_GRAMS = 8  # enough to be selective; the recheck does the rest


def _lexeme(gram):
    return "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"


def grams_query(text):
    """The tsquery (text) for ``text``: its distinct character pairs ANDed (one character: itself)."""
    s = text.lower()
    grams = [s] if len(s) == 1 else list(dict.fromkeys(s[i : i + 2] for i in range(len(s) - 1)))
    return " & ".join(_lexeme(g) for g in grams[:MAX_GRAMS])


def like_pattern(value):
    """``%value%`` with LIKE's wildcards escaped, as Django's icontains builds it."""
    return f"%{connection.ops.prep_for_like_query(value)}%"


def text_q(value):
    """A Q for issues whose description or address contains ``value`` (case-insensitive)."""
    if connection.vendor != "postgresql" or not value:
        return Q(description__icontains=value) | Q(address__icontains=value)
    # The pairs come from the index; cc_contains (migration 0007) rechecks like icontains.
    match = RawSQL(
        '("inspections_issue"."search_grams" @@ %s::tsquery AND cc_contains('
        '"inspections_issue"."description", "inspections_issue"."address", %s))',
        [grams_query(value), like_pattern(value)],
        BooleanField(),
    )
    return Q(match)


def search_q(value):
    q = text_q(value) | Q(tracking_code=value)
    if value.lstrip("#").isdigit():
        q |= Q(pk=int(value.lstrip("#")))
    return q
