"""The coarse cubes ``i`` (department × item) and ``d`` (district × department), summed from the
``a`` rows already built, and an index for district filters."""

from typing import Any

from django.db import migrations, models

COARSE = {"i": ("department", "item_code"), "d": ("district", "department")}
KEY = ("outlet_id", "district", "department", "item_code")


def derive(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for name in ("Figure", "FigureHist"):
        model = apps.get_model("insights", name)
        table = qn(model._meta.db_table)
        measures = [f.column for f in model._meta.concrete_fields if isinstance(f, models.IntegerField)
                    and not f.primary_key and f.column not in KEY]  # fmt: skip
        cols = ", ".join(qn(n) for n in measures)
        sums = ", ".join(f"SUM({qn(n)})" for n in measures)
        head = ", ".join(qn(c) for c in ("cube", "grain", "period", *KEY))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {qn('cube')} IN ('i', 'd')")  # noqa: S608
            for cube, key in COARSE.items():
                dims = ", ".join(qn(k) for k in key)
                picked = ", ".join(qn(k) if k in key else ("NULL" if k == "outlet_id" else "''") for k in KEY)
                cursor.execute(
                    f"INSERT INTO {table} ({head}, {cols}) "  # noqa: S608  (names from the model)
                    f"SELECT %s, {qn('grain')}, {qn('period')}, {picked}, {sums} FROM {table} "
                    f"WHERE {qn('cube')} = 'a' GROUP BY {qn('grain')}, {qn('period')}, {dims}",
                    [cube],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(fields=["cube", "grain", "district", "period"], name="figure_district"),
        ),
        migrations.AddIndex(
            model_name="figurehist",
            index=models.Index(fields=["cube", "grain", "district", "period"], name="figurehist_district"),
        ),
        migrations.RunPython(derive, migrations.RunPython.noop),
    ]
