"""What the verifier's findings say, in the reader's language.

``tongban audit verify`` reports each problem as an English sentence for operators (``verify.py``,
``services.audit_verify``, ``checkpoints.checkpoint_locate``). The auditor's integrity page shows the
same findings: each known sentence is matched here and said again in words, with its numbers; a
sentence this table does not know is shown as it is, marked as untranslated, rather than hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")
_CP = r"signed checkpoint #(?P<cp>\d+) of (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d)Z"

PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(rf"^chain (?P<chain>\d+): entry (?P<seq>\d+) no longer carries the hash of {_CP}"),
        _(
            "第 %(chain)s 条链的第 %(seq)s 条记录与 %(at)s 签名的第 %(cp)s 号检查点记下的摘要不同："
            "它或它之前的某条记录被改写、删除或插入。"
        ),
    ),
    (
        re.compile(r"^chain (?P<chain>\d+): entry (?P<seq>\d+) is missing \(next found is (?P<next>\d+)\)"),
        _("第 %(chain)s 条链缺少第 %(seq)s 条记录（接下来是第 %(next)s 条）：有记录被删除或插入。"),
    ),
    (
        re.compile(r"^chain (?P<chain>\d+): entry (?P<seq>\d+) does not follow its predecessor"),
        _("第 %(chain)s 条链的第 %(seq)s 条记录与上一条衔接不上：记录的顺序被调换，或它之前的记录被删除。"),
    ),
    (
        re.compile(r"^chain (?P<chain>\d+): entry (?P<seq>\d+) content does not match its hash"),
        _("第 %(chain)s 条链的第 %(seq)s 条记录的内容与它的摘要不符：记录被修改过。"),
    ),
    (
        re.compile(rf"^chain (?P<chain>\d+): entry (?P<seq>\d+) differs from {_CP}"),
        _(
            "第 %(chain)s 条链的第 %(seq)s 条记录与 %(at)s 签名的第 %(cp)s 号检查点不一致："
            "此前有记录被修改、删除、插入或调换顺序，并重新计算了后面的摘要。"
        ),
    ),
    (
        re.compile(r"^chain (?P<chain>\d+) has entries but no head"),
        _("第 %(chain)s 条链有记录，但链头不见了：链头被删除。"),
    ),
    (
        re.compile(r"^chain (?P<chain>\d+): the head says (?P<n>\d+) entries"),
        _("第 %(chain)s 条链的链头记着 %(n)s 条记录，与链上的记录对不上：链尾被截断或改动。"),
    ),
    (
        re.compile(rf"^chain (?P<chain>\d+): {_CP} recorded (?P<n>\d+) entries ending in \w+, the log has (?P<m>\d+)"),
        _(
            "第 %(chain)s 条链在 %(at)s 签名的第 %(cp)s 号检查点中有 %(n)s 条记录，现在只有 %(m)s 条："
            "链尾被截断，链头被改回。"
        ),
    ),
    (
        re.compile(rf"^the audit log is empty, but {_CP} recorded (?P<n>\d+) entries"),
        _("审计日志是空的，但 %(at)s 签名的第 %(cp)s 号检查点记有 %(n)s 条记录：日志被清空。"),
    ),
    (
        re.compile(rf"^(?P<n>\d+) entries lie within {_CP}, which recorded (?P<m>\d+)"),
        _("%(at)s 签名的第 %(cp)s 号检查点记有 %(m)s 条记录，日志中对应的只有 %(n)s 条：有记录被删除或添加。"),
    ),
    (
        re.compile(r"^the log records checkpoint #(?P<cp>\d+), the newest in the export is #(?P<n>\d+)"),
        _("日志记有第 %(cp)s 号检查点，但导出的检查点最新只到第 %(n)s 号：有检查点从导出中丢失。"),
    ),
    (
        re.compile(r"^the newest signed checkpoint cannot be used"),
        _("最新的签名检查点无法使用：文件格式有误或签名验证不通过。请联系系统运维人员检查检查点文件。"),
    ),
    (
        re.compile(r"^the checkpoints or their keys cannot be read"),
        _("无法读取检查点或验证用的公钥。请联系系统运维人员检查检查点存储。"),
    ),
    (
        re.compile(r"^no signed checkpoint in the checkpoint storage"),
        _("还没有签名检查点，只能核对各链本身。请联系系统运维人员签发检查点。"),
    ),
    (
        re.compile(
            r"^chain (?P<chain>\d+): the rewrite lies at or before entry (?P<seq>\d+) "
            r"\(checkpoint #(?P<cp>\d+) of (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d)Z\)"
        ),
        _("第 %(chain)s 条链被改写的位置在第 %(seq)s 条记录或它之前（第 %(cp)s 号检查点，%(at)s）。"),
    ),
    (
        re.compile(
            r"^chain (?P<chain>\d+): the rewrite lies after entry (?P<good>\d+), intact as signed in checkpoint "
            r"#(?P<gcp>\d+) of (?P<gat>\d{4}-\d\d-\d\d \d\d:\d\d)Z, and at or before entry (?P<seq>\d+) "
            r"\(checkpoint #(?P<cp>\d+) of (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d)Z\)"
        ),
        _(
            "第 %(chain)s 条链被改写的位置在第 %(good)s 条记录之后（到第 %(gcp)s 号检查点 %(gat)s 为止完好），"
            "在第 %(seq)s 条记录或它之前（第 %(cp)s 号检查点，%(at)s）。"
        ),
    ),
]


def _local(utc_minute: str) -> str:
    """ "2026-03-10 03:00" (UTC) → "2026-03-10 11:00" (Asia/Shanghai, as every page shows time)."""
    at = dt.datetime.strptime(utc_minute, "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def problem_text(problem: str) -> tuple[str, bool]:
    """(the finding in the reader's language, whether it was recognised). An unknown sentence is
    returned as it is, with False, so the page can say it is the verifier's own wording."""
    for pattern, sentence in PATTERNS:
        match = pattern.match(problem)
        if match is not None:
            params = {k: (_local(v) if k in ("at", "gat") else v) for k, v in match.groupdict().items()}
            return str(sentence) % params, True
    return problem, False
