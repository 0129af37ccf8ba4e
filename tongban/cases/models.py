"""Cases (办件): one application for one item version, its materials, its history and numbering.

The state machine itself is data in ``machine.py``; the only writer of ``Case.status`` is
``services.case_transition`` (and ``case_submit`` for the first state).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.common.access import AccessRule
from tongban.common.roles import Department


class Status(models.TextChoices):
    """Where a case stands."""

    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    REFUSED_AT_INTAKE = "refused_at_intake", _("不予受理")
    IN_REVIEW = "in_review", _("审核中")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    RESUBMITTED = "resubmitted", _("已补正")
    APPROVED = "approved", _("已批准")
    DENIED = "denied", _("不予批准")
    RESULT_ISSUED = "result_issued", _("已出证")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")
    REVOKED = "revoked", _("已撤销")


class Channel(models.TextChoices):
    """How the application came in."""

    ONLINE = "online", pgettext_lazy("channel", "网上申请")
    WINDOW = "window", _("窗口受理")
    KIOSK = "kiosk", _("自助终端")
    PHONE = "phone", _("手机")


class Case(models.Model):
    """One application (办件): who applied for which item version, where, and how far it has got.

    ``deadline_at`` is the running promised deadline (None before acceptance and while the clock
    is stopped for a supplement, when ``clock_remaining`` keeps what is left in ``limit_unit``).
    """

    # Unique and indexed through Meta (a constraint and an index of their own): unique=True and
    # db_index=True would add a LIKE-pattern twin of each on PostgreSQL that no query reads (the
    # admin's search is case-insensitive, which neither twin serves) and every submission writes.
    number = models.CharField(_("办件编号"), max_length=32)
    item_code = models.CharField(_("事项编码"), max_length=48)
    item_version = models.PositiveIntegerField(_("事项版本"))
    item_name = models.CharField(_("事项名称"), max_length=120)
    department = models.CharField(_("承办部门"), max_length=16, choices=Department.choices)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)

    # No single-column FK indexes: case_person and case_mine below start with these columns, and with
    # a stale estimate the planner preferred the plain FK index and sorted every case of the person.
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
        verbose_name=_("人员"),
    )
    applicant = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
        verbose_name=_("申请人账号"),
    )
    applicant_id_number = models.CharField(_("申请人身份证号"), max_length=18)
    applicant_name = models.CharField(_("申请人"), max_length=40)
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    # Likewise case_outlet and case_handling start with these: a second index would only cost inserts.
    accepting_outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_cases",
        db_index=False,
        verbose_name=_("受理网点"),
    )
    handling_outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
        db_index=False,
        verbose_name=_("承办网点"),
    )
    handling_region = models.CharField(_("承办地区划"), max_length=6, blank=True)

    form_data = models.JSONField(_("申请表"), default=dict)
    submitted_at = models.DateTimeField(_("提交时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    limit_value = models.PositiveIntegerField(_("承诺时限"), default=0)
    limit_unit = models.CharField(_("时限单位"), max_length=16, default="working_days")
    deadline_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    clock_remaining = models.IntegerField(_("中止时剩余"), null=True, blank=True)
    clock_stopped_at = models.DateTimeField(_("中止计时时间"), null=True, blank=True)

    under_commitment = models.BooleanField(_("告知承诺"), default=False)
    commitment_due_at = models.DateTimeField(_("承诺补交期限"), null=True, blank=True)
    commitment_fulfilled_at = models.DateTimeField(_("承诺履行时间"), null=True, blank=True)
    verification_flagged_at = models.DateTimeField(_("待核查标记"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("超期标记"), null=True, blank=True)

    # Service flags: 加急 (the case runs against the item's expedited limit) and 敬老 one-to-one
    # help given at the window (recorded by the clerk at intake, counted in the figures).
    expedited = models.BooleanField(_("加急"), default=False, db_default=False)
    elder_help = models.BooleanField(_("敬老帮办"), default=False, db_default=False)

    reason = models.TextField(_("最近一次说明"), blank=True)
    result_reference = models.CharField(_("结果文书编号"), max_length=40, blank=True)

    ACCESS = AccessRule(
        person="person", owner="applicant", outlets=("accepting_outlet", "handling_outlet"), department="department"
    )

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [
            # The approvers' queue: open cases of a department by urgency (a small partial index).
            models.Index(
                fields=["department", "deadline_at", "submitted_at"],
                name="case_queue_open",
                condition=models.Q(status__in=["submitted", "accepted", "in_review", "resubmitted"]),
            ),
            # A citizen's cases, newest first, in the exact order of the list (no sort step).
            models.Index(fields=["applicant", "-submitted_at", "-id"], name="case_mine"),
            models.Index(fields=["person", "-submitted_at", "-id"], name="case_person"),
            models.Index(fields=["accepting_outlet", "-submitted_at"], name="case_outlet"),
            models.Index(fields=["handling_outlet", "-submitted_at"], name="case_handling"),
            models.Index(fields=["item_code"], name="case_item"),
        ]
        constraints = [models.UniqueConstraint(fields=["number"], name="case_number_unique")]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One move of the state machine: from, to, who (role and outlet), when and why. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("办件"))
    from_status = models.CharField(_("原环节"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("环节"), max_length=24, choices=Status.choices)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人账号")
    )
    actor_label = models.CharField(_("办理人"), max_length=80)
    role = models.CharField(_("角色"), max_length=16)
    outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("网点")
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加数据"), default=dict)

    ACCESS = AccessRule(
        person="case__person",
        owner="case__applicant",
        outlets=("case__accepting_outlet", "case__handling_outlet"),
        department="case__department",
    )

    class Meta:
        ordering = ["case", "at", "pk"]
        verbose_name = _("办件流转记录")
        verbose_name_plural = _("办件流转记录")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class MaterialState(models.TextChoices):
    """How a material is satisfied."""

    SUPPLIED = "supplied", _("共享数据已提供")
    PHOTO = "photo", _("照片库已提供")
    PRESENTED = "presented", _("已提交/已核验原件")
    MISSING = "missing", _("缺少")
    PROMISED = "promised", _("承诺后补")


class CaseMaterial(models.Model):
    """One material of a case and where it came from (provenance for 一证通办 and photos)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials", verbose_name=_("办件"))
    code = models.CharField(_("材料编码"), max_length=48)
    name_zh = models.CharField(_("材料名称"), max_length=120)
    required = models.BooleanField(_("必需"), default=True)
    state = models.CharField(_("状态"), max_length=12, choices=MaterialState.choices)
    source = models.CharField(_("来源"), max_length=24, blank=True)
    provenance = models.CharField(_("数据出处"), max_length=200, blank=True)
    fetched_at = models.DateTimeField(_("获取时间"), null=True, blank=True)
    reference = models.CharField(_("数据编号"), max_length=200, blank=True)
    facts = models.JSONField(_("材料内容"), default=dict)
    file = models.CharField(_("文件"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    ACCESS = AccessRule(
        person="case__person",
        owner="case__applicant",
        outlets=("case__accepting_outlet", "case__handling_outlet"),
        department="case__department",
    )

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["case", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_material_unique")]

    def __str__(self) -> str:
        return f"{self.code} ({self.state})"


class CaseCounter(models.Model):
    """The last sequence number handed out in one scope (region + local date)."""

    scope = models.CharField(max_length=24, primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("办件编号计数器")
        verbose_name_plural = _("办件编号计数器")

    def __str__(self) -> str:
        return f"{self.scope}: {self.n}"


class SubmitKey(models.Model):
    """An idempotency key (API header or page form token) and the request it was first used for."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    body_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("重复提交防护键")
        verbose_name_plural = _("重复提交防护键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="case_submit_key_unique")]

    def __str__(self) -> str:
        return self.key
