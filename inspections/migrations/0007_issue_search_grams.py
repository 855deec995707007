"""Chinese search that uses an index (issue 18): on PostgreSQL each issue keeps the characters
and character pairs of its description and address as a ``tsvector`` (a generated column, so
every write keeps it — COPY, bulk_create and save alike) under a GIN index. A query of one or
more characters looks up its pairs there, then the substring match rechecks the candidates, so
the answer is exactly what ``icontains`` gives (``inspections.search``). SQLite keeps the plain
substring scan."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION cc_grams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT array_to_tsvector(coalesce(array_agg(DISTINCT g), '{}'))
  FROM (
    SELECT substr(s, i, 1) AS g FROM (SELECT lower(t) AS s) x, generate_series(1, length(s)) i
    UNION ALL
    SELECT substr(s, i, 2) FROM (SELECT lower(t) AS s) x, generate_series(1, length(s) - 1) i
  ) grams
  WHERE g <> ''
$$;
"""

# The recheck, the substring match exactly as Django's icontains writes it (UPPER(col) LIKE
# UPPER(pattern)), in plpgsql so the planner does not inline it: a LIKE '%…%' it can see is
# estimated to match almost nothing, and it then joins every candidate before the LIMIT.
CONTAINS = r"""
CREATE OR REPLACE FUNCTION cc_contains(a text, b text, pattern text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN upper(coalesce(a, '')) LIKE upper(pattern) OR upper(coalesce(b, '')) LIKE upper(pattern);
END
$$;
"""

FORWARD = [
    FUNCTION,
    CONTAINS,
    """ALTER TABLE inspections_issue ADD COLUMN search_grams tsvector GENERATED ALWAYS AS
       (cc_grams(coalesce(description, '') || ' ' || coalesce(address, ''))) STORED""",
    "CREATE INDEX insp_issue_search_grams ON inspections_issue USING gin (search_grams)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS insp_issue_search_grams",
    "ALTER TABLE inspections_issue DROP COLUMN IF EXISTS search_grams",
    "DROP FUNCTION IF EXISTS cc_grams(text)",
    "DROP FUNCTION IF EXISTS cc_contains(text, text, text)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("inspections", "0006_campaign_category_set")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
