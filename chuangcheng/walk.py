"""A page of a common search read by walking the list's own order (issue 18).

A text search on PostgreSQL finds its rows through an index of character pairs, then sorts them
by the list's order and keeps a page. For a rare phrase that is the right plan; for a common one
(花园路1: 18,459 of 1,000,000 issues; 占道经营: 50,517) it reads and rechecks every match to keep
the newest 50 — 60 to 140 ms — where walking the list's order newest first and testing each row
finds the first 50 within about 3,000 rows. PostgreSQL would walk if it knew how many rows match,
but it multiplies the pairs' frequencies as if they were independent (花园 and 园路 always come
together) and expects a few hundred.

So the page walks when the condition says a walk is worth it (:meth:`Walkable.worth_walking`:
the rarest pair alone is common enough), and the walk is bounded: the first ``WALK_ROWS`` rows of
the list *without* the condition, in the list's order, tested one by one, the first page-full
kept. Those are exactly the page — any matching row the walk did not reach comes after every row
it read, because the order is total (it ends with ``id``). A walk that does not fill the page
(the phrase is rarer than its pairs promised, or the list ends within the walk) says nothing
about what lies beyond, so the page is read the usual way; the walk cost at most ``WALK_ROWS``
rows of the list's index.
"""

from django.db import connections
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import AND, WhereNode

WALK_ROWS_PER_ROW = 100  # rows walked for each row of the page...
WALK_ROWS_MIN = 5_000  # ...at least (a page of 50 at one match in 100)
WALK_ROWS_MAX = 20_000  # ...at most (a page of 500 on a common phrase)


class Walkable(RawSQL):
    """A boolean condition over one table that can also be tested over a walked subquery.

    ``columns``: the table's columns the condition reads; :meth:`over` renders the condition
    with each column read through ``column(name)``; :meth:`worth_walking`, whether walking the
    list's order beats the condition's index on database ``using``."""

    columns = ()

    def over(self, column):
        raise NotImplementedError

    def worth_walking(self, using):
        return False


def _split(queryset):
    """(the queryset without its walkable condition, that condition), or None when the query has
    no one such condition among the conjuncts of its top level or is not one the walk can read."""
    query = queryset.query
    where = query.where
    if where.connector != AND or where.negated or query.distinct or query.combinator:
        return None
    found = [child for child in where.children if isinstance(getattr(child, "lhs", None), Walkable)]
    if len(found) != 1:
        return None
    rest = queryset.all()
    rest.query.where = WhereNode([c for c in where.children if c is not found[0]], connector=AND)
    rest.query.clear_limits()
    return rest, found[0].lhs


def walked_ids(queryset):
    """The ids of ``queryset`` (a sliced, ordered queryset) found by the bounded walk, or None
    when there is no walk to take or it did not settle the slice (read it the usual way)."""
    query = queryset.query
    if not query.order_by or query.high_mark is None or query.is_empty():
        return None
    split = _split(queryset)
    if split is None:
        return None
    rest, condition = split
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or not condition.worth_walking(queryset.db):
        return None
    low, high = query.low_mark, query.high_mark
    rows = min(max(high * WALK_ROWS_PER_ROW, WALK_ROWS_MIN), WALK_ROWS_MAX)
    qn = connection.ops.quote_name
    table = qn(queryset.model._meta.db_table)
    names = {name: f"walk_{n}" for n, name in enumerate(condition.columns)}
    pk = f"walk_{len(names)}"
    inner = (
        rest.annotate(
            **{alias: RawSQL(f"{table}.{qn(name)}", ()) for name, alias in names.items()},
            **{pk: RawSQL(f"{table}.{qn(queryset.model._meta.pk.column)}", ())},
        )
        .values_list(pk, *names.values())
        .order_by(*query.order_by)[:rows]
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    test_sql, test_params = condition.over(lambda name: f"w.{qn(names[name])}")
    # A subquery scan keeps the order of its LIMITed subquery and stops at the outer LIMIT.
    sql = f"SELECT w.{qn(pk)} FROM ({inner_sql}) w WHERE {test_sql} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *test_params, high])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) < high:
        return None
    return ids[low:high]
