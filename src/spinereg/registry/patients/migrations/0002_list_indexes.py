"""Indexes for the staff patient list that Django's index options cannot express portably:
a case-insensitive prefix index on family names (PostgreSQL only: `varchar_pattern_ops` on
UPPER(...), which Django's `istartswith` compiles to) and a partial index over open follow-up
items (both engines), which the follow-up status filters read."""

from django.db import migrations

OPEN_ITEMS = (
    "CREATE INDEX IF NOT EXISTS schedule_open_items ON followup_scheduleitem "
    "(window_end, target_date, episode_id) WHERE completed_at IS NULL"
)
NAME_PREFIX = (
    "CREATE INDEX IF NOT EXISTS identity_family_name_upper_prefix ON patients_patientidentity "
    "(UPPER(family_name) varchar_pattern_ops)"
)


def create(apps, schema_editor):
    schema_editor.execute(OPEN_ITEMS)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NAME_PREFIX)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS schedule_open_items")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS identity_family_name_upper_prefix")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("followup", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
