"""The dashboard's numbers as tables: one list of rows per chart, the very rows the page shows,
the API returns and the CSV and XLSX downloads contain (so a download equals the page).

Cells are numbers (counts as ints, rates in per cent and times rounded to one decimal) or text;
a figure with nothing to divide by is None, shown as "—".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from tongban.common.roles import Department
from tongban.insights.facts import Robust
from tongban.insights.selectors import Raw

DASH = "—"


def rate(n: int, d: int) -> float | None:
    """n / d in per cent, one decimal; None when d is 0."""
    return None if not d else round(100.0 * n / d, 1)


def ratio(n: float, d: float, digits: int = 2) -> float | None:
    return None if not d else round(n / d, digits)


def one(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def show(value: Any) -> str:
    """A cell as the page, the CSV and the API text show it."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@dataclass
class Table:
    """One chart's numbers: columns (key, heading), rows of cells, and how to chart them."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    chart: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    row_keys: list[str] = field(default_factory=list)  # stable names of the rows, for programs

    def text_rows(self) -> list[list[str]]:
        return [[show(c) for c in row] for row in self.rows]

    def body_html(self, empty: str) -> str:
        """The <tbody> rows (the first cell a row header), every cell escaped; built here, not in
        the template engine, which took a quarter of a second for a dashboard's few thousand cells."""
        rows = self.text_rows()
        if not rows:
            return f'<tr><td colspan="{len(self.columns)}">{escape(empty)}</td></tr>'
        return "".join(
            f'<tr><th scope="row">{escape(r[0])}</th>' + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
            for r in rows
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": [label for _k, label in self.columns],
            "rows": self.text_rows(),
            "chart": self.chart,
            "note": self.note,
            **({"row_keys": self.row_keys} if self.row_keys else {}),
        }


def _satisfied(r: dict[str, Any]) -> int:
    return int(r.get("r5", 0)) + int(r.get("r4", 0)) + int(r.get("r3", 0))


def _online(r: dict[str, Any]) -> int:
    return int(r.get("rc_online", 0)) + int(r.get("rc_phone", 0))


def _robust(r: Robust) -> tuple[float | None, float | None]:
    return one(r.median), one(r.winsorised_mean)


def kpis(raw: Raw) -> Table:
    """The headline figures of the period and scope."""
    t = raw.totals
    sub_med, sub_win = _robust(raw.from_submission)
    acc_med, acc_win = _robust(raw.from_acceptance)
    cat = raw.catalog
    window_minutes = None if not t["window_timed"] else round(t["window_seconds"] / t["window_timed"] / 60, 1)
    rows: list[list[Any]] = [
        ["received", _("收件量（件）"), t["received"]],
        ["online_share", _("网上办理占比（%）"), rate(_online(t), t["received"])],
        ["on_time", _("按时办结率（%）"), rate(t["on_time"], t["timed"])],
        ["decided", _("办结量（件，已作出决定）"), t["decided"]],
        ["handling_submit_median", _("办理时长中位数（工作日，自提交）"), sub_med],
        ["handling_submit_winsorised", _("办理时长缩尾均值（工作日，自提交）"), sub_win],
        ["handling_accept_median", _("办理时长中位数（工作日，自受理）"), acc_med],
        ["handling_accept_winsorised", _("办理时长缩尾均值（工作日，自受理）"), acc_win],
        ["visits", _("每件跑动次数"), ratio(t["visits"], t["completed"])],
        ["one_visit", _("最多跑一次占比（%）"), rate(t["one_visit"], t["completed"])],
        ["window_minutes", _("窗口每次办理时长（分钟）"), window_minutes],
        ["id_card_only", _("一证通办办件占比（%）"), rate(t["id_card_only"], t["received"])],
        ["zero_materials", _("零材料办件占比（%）"), rate(t["zero_materials"], t["received"])],
        ["satisfaction", _("满意率（%）"), rate(_satisfied(t), t["rated"])],
        ["rated", _("评价数"), t["rated"]],
        ["bad", _("差评数"), t["bad"]],
        ["revisit", _("差评回访率（%）"), rate(t["fu_contacted"], t["fu_opened"])],
        ["rectified", _("差评整改率（%）"), rate(t["fu_rectified"], t["fu_founded"])],
        ["followup_late", _("差评超期整改（件）"), t["fu_late"]],
        ["followups_overdue_now", _("当前超期未反馈差评（件）"), raw.followups_overdue],
        ["voided", _("申诉成立作废差评（件）"), t["voided"]],
        ["open_overdue_now", _("当前超期未办结办件（件）"), raw.open_overdue],
        ["items_online", _("网上可办事项（项）"), cat.online if cat else None],
        ["items_id_card_only", _("一证通办事项（项）"), cat.id_card_only if cat else None],
        ["items_zero_materials", _("零材料事项（项）"), cat.zero_materials if cat else None],
    ]
    return Table(
        "kpi",
        _("主要指标"),
        [("name", _("指标")), ("value", _("数值"))],
        [row[1:] for row in rows],
        row_keys=[row[0] for row in rows],
        note=_("办理时长按法定工作日计算；缩尾均值把低于第5百分位和高于第95百分位的值分别按这两个值计。"),
    )


def _bucket_label(period: Any, daily: bool) -> str:
    return period.isoformat() if daily else f"{period:%Y-%m}"


def trend(raw: Raw) -> Table:
    daily = raw.filters.daily
    buckets: dict[str, dict[str, int]] = {}
    for r in raw.trend:
        label = _bucket_label(r["period"], daily)
        b = buckets.setdefault(label, {})
        for k, v in r.items():
            if k != "period":
                b[k] = b.get(k, 0) + int(v or 0)
    rows = [
        [label, b["received"], _online(b), rate(b["on_time"], b["timed"]), rate(_satisfied(b), b["rated"])]
        for label, b in sorted(buckets.items())
    ]
    return Table(
        "trend",
        _("按日趋势") if daily else _("按月趋势"),
        [
            ("period", _("日期") if daily else _("月份")),
            ("received", _("收件量")),
            ("online", _("网办量")),
            ("on_time", _("按时办结率（%）")),
            ("satisfaction", _("满意率（%）")),
        ],
        rows,
        chart={"type": "line", "x": 0, "series": [1, 2], "y2": [3, 4]},
        note="" if daily else _("首末月份只含所选期间内的日期。"),
    )


def channels(raw: Raw) -> Table:
    t = raw.totals
    online = pgettext("channel", "网上申请")  # the channel (Online), not the action (Apply online)
    names = [("online", online), ("phone", _("手机")), ("window", _("窗口受理")), ("kiosk", _("自助终端"))]
    rows = [[label, t[f"rc_{key}"], rate(t[f"rc_{key}"], t["received"])] for key, label in names]
    return Table(
        "channel",
        _("按渠道"),
        [("channel", _("渠道")), ("received", _("收件量")), ("share", _("占比（%）"))],
        rows,
        chart={"type": "pie", "x": 0, "series": [1]},
    )


def levels(raw: Raw) -> Table:
    from tongban.feedback.selectors import scheme_get

    t = raw.totals
    english = (get_language() or "").startswith("en")
    rows = [
        [lv.name_en if english else lv.name_zh, t[f"r{lv.value}"], rate(t[f"r{lv.value}"], t["rated"])]
        for lv in scheme_get().levels
    ]
    return Table(
        "levels",
        _("评价等级"),
        [("level", _("评价等级")), ("count", _("评价数")), ("share", _("占比（%）"))],
        rows,
        chart={"type": "bar", "x": 0, "series": [1]},
        note=_("申诉成立而作废的差评不计入。"),
    )


def _breakdown(rows: list[dict[str, Any]], key: str, names: dict[Any, str], *, bad: bool = True) -> list[list[Any]]:
    out = []
    for r in sorted(rows, key=lambda r: (-int(r["received"]), str(names.get(r[key], r[key])))):
        if not any(int(r[m]) for m in ("received", "timed", "rated")):
            continue
        row = [
            names.get(r[key], r[key] or _("（未指定）")),
            r["received"],
            rate(_online(r), r["received"]),
            rate(r["on_time"], r["timed"]),
            rate(_satisfied(r), r["rated"]),
            r["rated"],
        ]
        if bad:
            row.append(r["bad"])
        out.append(row)
    return out


_BREAKDOWN_COLUMNS = [
    ("received", "收件量"),
    ("online_share", "网办占比（%）"),
    ("on_time", "按时办结率（%）"),
    ("satisfaction", "满意率（%）"),
    ("rated", "评价数"),
    ("bad", "差评数"),
]


def _columns(first: tuple[str, str]) -> list[tuple[str, str]]:
    return [first, *[(k, _(label)) for k, label in _BREAKDOWN_COLUMNS]]


def breakdowns(raw: Raw, names: dict[str, dict[Any, str]]) -> list[Table]:
    dept = {d.value: str(d.label) for d in Department}
    bar = {"type": "bar", "x": 0, "series": [1], "top": 15}
    return [
        Table(
            "item",
            _("按事项"),
            _columns(("item", _("事项"))),
            _breakdown(raw.by_item, "item_code", names["item"]),
            chart=bar,
        ),
        Table(
            "department",
            _("按部门"),
            _columns(("department", _("部门"))),
            _breakdown(raw.by_department, "department", dept),
            chart=bar,
        ),
        Table(
            "district",
            _("按区县"),
            _columns(("district", _("区县"))),
            _breakdown(raw.by_district, "district", names["district"]),
            chart=bar,
        ),
        Table(
            "outlet",
            _("按网点"),
            _columns(("outlet", _("网点"))),
            _breakdown(raw.by_outlet, "outlet_id", names["outlet"]),
            chart=bar,
            note=_("办件计入受理网点；网上申请计入承办网点，没有承办网点的计为“未指定”。"),
        ),
    ]


def dashboard_tables(raw: Raw, names: dict[str, dict[Any, str]]) -> list[Table]:
    """Every table of the dashboard, in page order."""
    return [kpis(raw), trend(raw), channels(raw), levels(raw), *breakdowns(raw, names)]


# The parts of selectors.figures_read each table is made of: a download reads only those.
TABLE_PARTS: dict[str, frozenset[str]] = {
    "kpi": frozenset({"main", "hist", "live"}),
    **{key: frozenset({"main"}) for key in ("trend", "channel", "levels", "item", "department", "district")},
    "outlet": frozenset({"outlet"}),
}


def dashboard_table(raw: Raw, names: dict[str, dict[Any, str]], key: str) -> Table | None:
    """One table of the dashboard (as ``dashboard_tables`` makes it), or None."""
    single = {"kpi": kpis, "trend": trend, "channel": channels, "levels": levels}
    if key in single:
        return single[key](raw)
    return next((t for t in breakdowns(raw, names) if t.key == key), None)


# --- downloads ----------------------------------------------------------------------------------------


def table_csv(table: Table) -> bytes:
    """The table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([label for _k, label in table.columns])
    writer.writerows(table.text_rows())
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_xlsx(table: Table, *, subtitle: str = "") -> bytes:
    """The table as an XLSX workbook: the same cells, numbers as numbers, "—" as an empty cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = table.key[:31]
    first = 1
    if subtitle:
        ws.cell(row=1, column=1, value=f"{table.title} · {subtitle}").font = Font(bold=True)
        first = 3
    for col, (_k, label) in enumerate(table.columns, start=1):
        ws.cell(row=first, column=col, value=label).font = Font(bold=True)
    for r, row in enumerate(table.rows, start=first + 1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
