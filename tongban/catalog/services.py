"""Catalog writes: loading the item files, administrators' edits (new versions), publishing.

Every write appends versions and never rewrites one: a case filed under version N reads
version N forever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.catalog.changes import (  # re-exported: the console's edits
    ItemChange,
    item_change_apply,
    item_change_build,
    item_history,
    materials_known,
)
from tongban.catalog.loader import ITEMS_DIR, LoadedItem, item_files_read, spec_digest, spec_validate
from tongban.catalog.models import Item, ItemVersion, Origin
from tongban.catalog.rules import (  # re-exported: other modules call services, not rules
    Failure,
    PointsBreakdown,
    eligibility_facts,
    item_derive,
    item_eligibility,
    item_points,
)
from tongban.catalog.schemas import ItemSpec
from tongban.common.access import Viewer
from tongban.common.errors import Conflict, Invalid, NotFound
from tongban.common.lookups import lookups_changed

__all__ = [
    "Failure",
    "ItemChange",
    "LoadReport",
    "PointsBreakdown",
    "catalog_load",
    "eligibility_facts",
    "item_change_apply",
    "item_change_build",
    "item_create",
    "item_derive",
    "item_eligibility",
    "item_history",
    "item_points",
    "item_publish_set",
    "item_version_create",
    "materials_known",
]


@dataclass
class LoadReport:
    """What a load did: codes created, codes given a new version, codes left as they were."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _apply(
    *,
    item_model: Any,
    version_model: Any,
    loaded: list[LoadedItem],
    at: dt.datetime,
    report: LoadReport,
) -> list[tuple[str, int]]:
    """Write loaded files as versions; shared by the service and the data migration (which passes
    historical models). A file whose content equals the last version loaded from a file is left
    alone, so an administrator's later edit survives a reload of an unchanged file."""
    written: list[tuple[str, int]] = []
    for li in loaded:
        spec = li.spec
        data = spec.model_dump(mode="json", by_alias=True)
        data.pop("version", None)
        item = item_model.objects.select_for_update().filter(code=spec.code).first()
        if item is None:
            item = item_model.objects.create(
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                department=spec.department,
                current_version=1,
                published=True,
                updated_at=at,
            )
            version_model.objects.create(
                item=item,
                version=1,
                spec=data,
                digest=li.digest,
                origin=Origin.FILE,
                source_file=li.path,
                created_at=at,
                note="",
            )
            report.created.append(spec.code)
            written.append((spec.code, 1))
            continue
        last_file = (
            version_model.objects.filter(item=item, origin=Origin.FILE).order_by("-version").values("digest").first()
        )
        if last_file is not None and last_file["digest"] == li.digest:
            report.unchanged.append(spec.code)
            continue
        top = version_model.objects.filter(item=item).order_by("-version").values_list("version", flat=True).first()
        new = (top or 0) + 1
        version_model.objects.create(
            item=item,
            version=new,
            spec=data,
            digest=li.digest,
            origin=Origin.FILE,
            source_file=li.path,
            created_at=at,
            note="",
        )
        item.current_version = new
        item.name_zh, item.name_en, item.department = spec.name_zh, spec.name_en, spec.department
        item.updated_at = at
        item.save(update_fields=["current_version", "name_zh", "name_en", "department", "updated_at"])
        report.updated.append(spec.code)
        written.append((spec.code, new))
    return written


def catalog_load(*, at: dt.datetime, directory: Path = ITEMS_DIR, actor: Viewer | None = None) -> LoadReport:
    """Load every item file into the database, one transaction, one audit row.

    Raises CatalogFileError (naming every bad file and field) before writing anything.
    """
    loaded = item_files_read(directory)
    report = LoadReport()
    with transaction.atomic():
        lookups_changed()
        written = _apply(item_model=Item, version_model=ItemVersion, loaded=loaded, at=at, report=report)
        if written:
            audit_record(
                action="catalog.load",
                object_type="catalog",
                object_id=str(directory.name),
                at=at,
                actor=actor,
                data={"versions": [f"{c}@{v}" for c, v in written]},
            )
    return report


def item_version_create(*, code: str, data: dict[str, Any], actor: Viewer, at: dt.datetime, note: str = "") -> ItemSpec:
    """An administrator's edit: validate ``data`` as a whole spec and make it the item's new
    current version (the previous versions stay, cases keep theirs).

    Raises Invalid (with ``problems`` naming each field) for a bad spec or a changed code,
    NotFound for an unknown item, and returns the current spec unchanged when nothing changed.
    """
    from tongban.catalog.loader import CatalogFileError

    try:
        spec = spec_validate({**data, "version": 1}, name=code)
    except CatalogFileError as exc:
        raise Invalid(gettext("事项规格不合法"), code="item_invalid", problems=exc.problems) from None
    if spec.code != code:
        raise Invalid(
            gettext("不能修改事项编码"),
            code="item_invalid",
            problems=[f"{code}: code: cannot change to {spec.code!r}"],
        )
    body = spec.model_dump(mode="json", by_alias=True)
    body.pop("version", None)
    digest = spec_digest(body)
    with transaction.atomic():
        lookups_changed()
        item = Item.objects.select_for_update().filter(code=code).first()
        if item is None:
            raise NotFound((gettext("没有事项 %(code)s") % {"code": code}), code="item_not_found")
        current = ItemVersion.objects.get(item=item, version=item.current_version)
        if current.digest == digest:
            return ItemSpec.model_validate({**current.spec, "version": current.version})
        top = ItemVersion.objects.filter(item=item).order_by("-version").values_list("version", flat=True).first()
        new = (top or 0) + 1
        ItemVersion.objects.create(
            item=item,
            version=new,
            spec=body,
            digest=digest,
            origin=Origin.ADMIN,
            source_file="",
            created_at=at,
            created_by_id=getattr(actor, "pk", None) or None,
            note=note[:200],
        )
        item.current_version = new
        item.name_zh, item.name_en, item.department = spec.name_zh, spec.name_en, spec.department
        item.updated_at = at
        item.save(update_fields=["current_version", "name_zh", "name_en", "department", "updated_at"])
        audit_record(
            action="catalog.item_version_create",
            object_type="catalog.item",
            object_id=code,
            at=at,
            actor=actor,
            data={"version": new, "previous": current.version, "digest": digest, "note": note[:200]},
        )
    return ItemSpec.model_validate({**body, "version": new})


def item_create(*, data: dict[str, Any], actor: Viewer, at: dt.datetime, note: str = "") -> ItemSpec:
    """An administrator adds an item that no file declares yet: version 1, published.

    Raises Invalid for a bad spec (``problems`` names each field) and Conflict for a taken code.
    """
    from tongban.catalog.loader import CatalogFileError

    try:
        spec = spec_validate({**data, "version": 1}, name=str(data.get("code", "spec")))
    except CatalogFileError as exc:
        raise Invalid(gettext("事项规格不合法"), code="item_invalid", problems=exc.problems) from None
    body = spec.model_dump(mode="json", by_alias=True)
    body.pop("version", None)
    with transaction.atomic():
        lookups_changed()
        if Item.objects.filter(code=spec.code).exists():
            raise Conflict((gettext("事项编码 %(code)s 已存在") % {"code": spec.code}), code="item_exists")
        item = Item.objects.create(
            code=spec.code,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            department=spec.department,
            current_version=1,
            published=True,
            updated_at=at,
        )
        ItemVersion.objects.create(
            item=item,
            version=1,
            spec=body,
            digest=spec_digest(body),
            origin=Origin.ADMIN,
            source_file="",
            created_at=at,
            created_by_id=getattr(actor, "pk", None) or None,
            note=note[:200],
        )
        audit_record(
            action="catalog.item_create",
            object_type="catalog.item",
            object_id=spec.code,
            at=at,
            actor=actor,
            data={"version": 1, "digest": spec_digest(body)},
        )
    return spec


def item_publish_set(*, code: str, published: bool, actor: Viewer, at: dt.datetime) -> None:
    """Publish or withdraw an item (a withdrawn item takes no new cases; old cases keep their
    version). Raises NotFound."""
    with transaction.atomic():
        lookups_changed()
        item = Item.objects.select_for_update().filter(code=code).first()
        if item is None:
            raise NotFound((gettext("没有事项 %(code)s") % {"code": code}), code="item_not_found")
        if item.published == published:
            return
        item.published = published
        item.updated_at = at
        item.save(update_fields=["published", "updated_at"])
        audit_record(
            action="catalog.item_publish" if published else "catalog.item_withdraw",
            object_type="catalog.item",
            object_id=code,
            at=at,
            actor=actor,
            data={"published": published},
        )
