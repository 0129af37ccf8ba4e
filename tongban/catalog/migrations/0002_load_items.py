"""Load the item files shipped with this release into the catalog (reversible: the reverse
removes the items that still have only the version a file gave them).

It runs ``services._apply`` with the historical models of this point in the migration graph, so
``_apply`` must only set fields that exist in 0001; a later migration that adds a required field
to Item or ItemVersion must give it a default. Files changed later are picked up as new versions
by ``tongban catalog-load`` (and the demo loader), not by editing this migration."""

from __future__ import annotations

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from tongban.catalog.loader import item_files_read
    from tongban.catalog.services import LoadReport, _apply

    Item = apps.get_model("catalog", "Item")
    ItemVersion = apps.get_model("catalog", "ItemVersion")
    _apply(
        item_model=Item,
        version_model=ItemVersion,
        loaded=item_files_read(),
        at=dt.datetime.now(dt.UTC),
        report=LoadReport(),
    )


def unload(apps, schema_editor):
    Item = apps.get_model("catalog", "Item")
    ItemVersion = apps.get_model("catalog", "ItemVersion")
    untouched = Item.objects.exclude(versions__version__gt=1).exclude(versions__origin="admin")
    ItemVersion.objects.filter(item__in=untouched, origin="file").delete()
    untouched.delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
