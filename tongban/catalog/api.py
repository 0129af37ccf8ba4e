"""Catalog endpoints: the items (public), one item at its current or a given version, the
catalog figures, an eligibility check for the caller, and administrators' edits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Schema
from pydantic import Field

from tongban.catalog.schemas import ItemSpec
from tongban.catalog.selectors import (
    catalog_figures,
    item_check_for,
    item_get,
    item_summary,
    item_version_get,
    item_versions,
    items_search,
)
from tongban.catalog.services import item_version_create
from tongban.catalog.summaries import CatalogFigures, ItemSummary
from tongban.common.clock import now
from tongban.common.errors import Forbidden
from tongban.common.params import RowId
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.common.schemas import ObjectIn

router = Router(tags=["catalog 事项目录"])


class ItemFilter(Schema):
    q: str = Field(default="", max_length=100, description="free text over names, code and keywords")
    department: str = Field(default="", pattern=r"^(|huzheng|churujing|jiaoguan|zhian)$")
    channel: str = Field(default="", pattern=r"^(|online|window|kiosk|phone)$")


class VersionOut(Schema):
    version: int
    origin: str
    source_file: str
    created_at: Any
    note: str
    digest: str


class EligibilityIn(ObjectIn):
    form: dict[str, Any] = Field(default_factory=dict)
    id_number: str | None = Field(
        default=None, description="staff only: whose registry facts to use (citizens: always their own)"
    )


class FailureOut(Schema):
    rule: str
    reason_zh: str
    reason_en: str
    missing: list[str]


class PointsLineOut(Schema):
    code: str
    label_zh: str
    label_en: str
    points: float


class PointsOut(Schema):
    total: float
    threshold: float
    passed: bool
    lines: list[PointsLineOut]


class MaterialCheckOut(Schema):
    code: str
    name_zh: str
    name_en: str
    required: bool
    supplied: bool
    source: str | None
    photo_standard: str | None


class EligibilityOut(Schema):
    code: str
    version: int
    eligible: bool
    failures: list[FailureOut]
    points: PointsOut | None
    derived: dict[str, Any]
    materials: list[MaterialCheckOut]


class ItemEditIn(Schema):
    spec: dict[str, Any] = Field(description="the whole item specification (as ItemSpec, version ignored)")
    note: str = Field(default="", max_length=200)


@router.get("/items", response=list[ItemSummary], auth=None)
def list_items(request: HttpRequest, filters: Query[ItemFilter]) -> list[ItemSummary]:
    """Published items at their current version, filtered by text, department and channel."""
    specs = items_search(q=filters.q, department=filters.department, channel=filters.channel)
    return [item_summary(s) for s in specs]


@router.get("/figures", response=CatalogFigures, auth=None)
def figures(request: HttpRequest) -> CatalogFigures:
    """Items online, items needing only the ID card, items with zero materials (computed)."""
    return catalog_figures()


@router.get("/items/{code}", response=ItemSpec, auth=None, by_alias=True)
def get_item(request: HttpRequest, code: str, version: RowId | None = None) -> ItemSpec:
    """An item at its current published version, or at ``?version=N`` (what a case was filed under)."""
    if version is None:
        return item_get(code=code)
    return item_version_get(code=code, version=version)


@router.get("/items/{code}/versions", response=list[VersionOut], auth=None)
def get_versions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    """The version history of an item, newest first."""
    item_get(code=code)  # NotFound for unknown or withdrawn items
    return item_versions(code=code)


@router.post("/items/{code}/eligibility", response=EligibilityOut)
def check_eligibility(request: HttpRequest, code: str, body: EligibilityIn) -> dict[str, Any]:
    """Check the caller (or, for staff, a person by ID number) against the item's rules, with the
    registry's facts and the form as filled in so far; lists which materials are already on file."""
    user: Any = request.user
    id_number = user.id_number
    if body.id_number and body.id_number.upper() != (user.id_number or ""):
        if user.role not in (Role.CLERK, Role.APPROVER, Role.ADMIN):
            raise Forbidden(gettext("只能查询本人"), code="forbidden")
        id_number = body.id_number.upper()
    return item_check_for(spec=item_get(code=code), id_number=id_number, form=body.form, at=now())


@router.put("/items/{code}", response=ItemSpec, by_alias=True)
def edit_item(request: HttpRequest, code: str, body: ItemEditIn) -> ItemSpec:
    """Administrators: replace the item's specification; creates a new version (old cases keep
    theirs). Unchanged content returns the current version."""
    if getattr(request.user, "role", None) != Role.ADMIN:
        raise Forbidden(gettext("仅管理员可编辑事项"), code="forbidden")
    return item_version_create(code=code, data=body.spec, actor=viewer(request), at=now(), note=body.note)
