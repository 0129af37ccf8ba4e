"""Seed the photo standards table from engine/data/standards.yaml (reversible)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _records() -> list[dict[str, Any]]:
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parent.parent / "engine" / "data" / "standards.yaml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["standards"])


def seed(apps: Any, schema_editor: Any) -> None:
    Record = apps.get_model("photos", "PhotoStandardRecord")
    for r in _records():
        Record.objects.update_or_create(
            code=r["code"],
            defaults={
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "width_px": r["width_px"],
                "height_px": r["height_px"],
                "dpi": r["dpi"],
                "backgrounds": ",".join(r["backgrounds"]),
                "background_tolerance": r["background_tolerance"],
                "jpeg_quality_min": r["jpeg_quality"][0],
                "jpeg_quality_max": r["jpeg_quality"][1],
                "kb_min": r["kb"][0],
                "kb_max": r["kb"][1],
                "geometry": r["geometry"],
                "validity_days": r["reuse"]["validity_days"],
                "senior": r["reuse"].get("senior"),
                "sources": r.get("sources") or {},
                "active": True,
            },
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    Record = apps.get_model("photos", "PhotoStandardRecord")
    Record.objects.filter(code__in=[r["code"] for r in _records()]).delete()


class Migration(migrations.Migration):
    dependencies = [("photos", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
