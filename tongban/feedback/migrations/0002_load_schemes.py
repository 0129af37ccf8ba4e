"""Load the rating schemes of data/schemes.yaml (the national five levels and indicator sets)."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from tongban.feedback.scheme import jsonable, schemes_read

    RatingScheme = apps.get_model("feedback", "RatingScheme")
    for scheme, entry in schemes_read():
        if not RatingScheme.objects.filter(version=scheme.version).exists():
            RatingScheme.objects.create(
                version=scheme.version,
                effective_from=scheme.effective_from,
                source=scheme.source,
                data=jsonable(entry),
                loaded_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            )


def unload(apps, schema_editor):
    apps.get_model("feedback", "RatingScheme").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
