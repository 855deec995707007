"""A search within a district or a unit's issues answered inside the pair index (issue 18).

The pairs' index knew only the text, so a district supervisor's 占道经营 read every city-wide
match (50,517 at 1,000,000 issues) from the table to keep those of the district. Each issue's
``search_grams`` now also holds where it is and whose it is: ``p:<id>`` for its region and each
region above it but the top one (the whole city: no narrowing), and ``u:<id>`` for its
responsible unit — terms of three characters or more, so never a character pair. A search asks
for the pairs AND one of its scope's terms (``inspections.search.scope_terms``): a district is
one term, and the index intersects it with the pairs before a row is read.

The region's path comes to the row as ``region_path``, a column of the database alone, kept by
triggers: set from ``org_region`` when an issue is written with its region (COPY, bulk_create,
save alike), and carried to a region's issues when its path changes (a region moved in the
tree). A stored generated column's expression cannot be altered before PostgreSQL 17:
``search_grams`` is dropped and added again (the table is rewritten once), its index rebuilt."""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION cc_scope_terms(path text, unit bigint) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(
           ARRAY(SELECT 'p:' || id FROM unnest((string_to_array(trim(BOTH '/' FROM path), '/'))[2:]) AS id)
           || ('u:' || unit), NULL))
$$;

CREATE OR REPLACE FUNCTION cc_issue_region_path() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.region_path := (SELECT path FROM org_region WHERE id = NEW.region_id);
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION cc_region_path_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.path IS DISTINCT FROM OLD.path THEN
    UPDATE inspections_issue SET region_path = NEW.path WHERE region_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
"""

TEXT = "cc_grams(coalesce(description, '') || ' ' || coalesce(address, ''))"


def column(expression):
    return [
        "DROP INDEX IF EXISTS insp_issue_search_grams",
        "ALTER TABLE inspections_issue DROP COLUMN IF EXISTS search_grams",
        f"ALTER TABLE inspections_issue ADD COLUMN search_grams tsvector GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX insp_issue_search_grams ON inspections_issue USING gin (search_grams)",
    ]


FORWARD = [
    FUNCTIONS,
    "ALTER TABLE inspections_issue ADD COLUMN IF NOT EXISTS region_path varchar(255)",
    """UPDATE inspections_issue i SET region_path = r.path FROM org_region r
       WHERE r.id = i.region_id AND i.region_path IS DISTINCT FROM r.path""",
    """CREATE TRIGGER cc_issue_region_path BEFORE INSERT OR UPDATE OF region_id ON inspections_issue
       FOR EACH ROW EXECUTE FUNCTION cc_issue_region_path()""",
    """CREATE TRIGGER cc_region_path_moved AFTER UPDATE OF path ON org_region
       FOR EACH ROW EXECUTE FUNCTION cc_region_path_moved()""",
    *column(f"{TEXT} || cc_scope_terms(region_path, responsible_unit_id)"),
    "ANALYZE inspections_issue",
]
BACKWARD = [
    *column(TEXT),
    "DROP TRIGGER IF EXISTS cc_region_path_moved ON org_region",
    "DROP TRIGGER IF EXISTS cc_issue_region_path ON inspections_issue",
    "ALTER TABLE inspections_issue DROP COLUMN IF EXISTS region_path",
    "DROP FUNCTION IF EXISTS cc_region_path_moved()",
    "DROP FUNCTION IF EXISTS cc_issue_region_path()",
    "DROP FUNCTION IF EXISTS cc_scope_terms(text, bigint)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0022_flagged_returns_index_only"),
        ("org", "0005_leader_assignment_without_task"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
