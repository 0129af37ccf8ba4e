import django.db.models.deletion
from django.db import migrations, models

import tongban.outlets.models


class Migration(migrations.Migration):
    dependencies = [
        ("outlets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outlet",
            name="bookable",
            field=models.BooleanField(default=False, verbose_name="可预约"),
        ),
        migrations.AddField(
            model_name="outlet",
            name="extended_hours",
            field=models.BooleanField(default=False, verbose_name="延时服务"),
        ),
        migrations.AddField(
            model_name="outlet",
            name="home_visit",
            field=models.BooleanField(default=False, verbose_name="上门服务"),
        ),
        migrations.AddField(
            model_name="outlet",
            name="hours",
            field=models.JSONField(blank=True, default=tongban.outlets.models.default_hours, verbose_name="办公时间"),
        ),
        migrations.AddField(
            model_name="outlet",
            name="phone",
            field=models.CharField(blank=True, max_length=20, verbose_name="咨询电话"),
        ),
        migrations.CreateModel(
            name="OutletItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("item_code", models.CharField(db_index=True, max_length=64, verbose_name="事项编码")),
                (
                    "outlet",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="items", to="outlets.outlet"
                    ),
                ),
            ],
            options={
                "verbose_name": "网点可办事项",
                "verbose_name_plural": "网点可办事项",
                "constraints": [models.UniqueConstraint(fields=("outlet", "item_code"), name="outlet_item_unique")],
            },
        ),
    ]
