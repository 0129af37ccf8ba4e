"""The catalog's list rows and its own figures (API answers built from item specs)."""

from __future__ import annotations

from tongban.catalog.schemas import Channel, DepartmentCode, Reach, TimeLimit, Yuan, _Frozen


class CatalogFigures(_Frozen):
    """The catalog's own figures, computed from the current versions (cf. Zhejiang 189/144/73)."""

    items: int
    online: int
    id_card_only: int
    zero_materials: int
    by_department: dict[str, int]
    by_reach: dict[str, int]


class ItemSummary(_Frozen):
    """A list row: enough to show and filter an item."""

    code: str
    version: int
    name_zh: str
    name_en: str
    department: DepartmentCode
    channels: list[Channel]
    reach: Reach
    online: bool
    id_card_only: bool
    zero_materials: bool
    promised_limit: TimeLimit
    fee_yuan: Yuan
