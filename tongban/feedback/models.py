"""好差评: ratings of cases on the national five-level scale, 差评 follow-ups and appeals.

The levels, the indicator sets per channel and the time limits are data (``RatingScheme``, loaded
from ``data/schemes.yaml``); a rating keeps the scheme version it was given under. Ratings are
keyed by case and occasion (一次一评 at a window: acceptance, 一事一评 online: completion), with one
rating per case per occasion enforced by a unique constraint. Every 差评 opens a ``FollowUp``
(回访 → 核实 → 整改 → 反馈) owned by the case's outlet and department; staff may appeal (申诉复核).
``RatingEvent`` is the append-only history of a rating and its follow-up (what the follow-up page
shows, and the change feed the figures are refreshed from).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.common.access import AccessRule
from tongban.common.roles import Department


class RatingScheme(models.Model):
    """One version of the rating rules: levels, indicator sets per channel, time limits (data)."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    effective_from = models.DateField(_("施行日期"))
    source = models.CharField(_("依据"), max_length=200)
    data = models.JSONField(_("内容"))
    loaded_at = models.DateTimeField(_("导入时间"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("评价规则")
        verbose_name_plural = _("评价规则")

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"


class Occasion(models.TextChoices):
    """When a case is rated: at acceptance at a window (一次一评) or after completion (一事一评)."""

    ACCEPTANCE = "acceptance", _("受理时")
    COMPLETION = "completion", _("办结后")


class RatingChannel(models.TextChoices):
    """Where the rating was given."""

    ONLINE = "online", _("网上")
    PHONE = "phone", _("手机")
    WINDOW = "window", _("窗口评价器")
    KIOSK = "kiosk", _("自助终端")


class Rating(models.Model):
    """One rating of one case on one occasion, with what it concerns (item, outlet, staff member).

    ``voided_at`` is set when an appeal against it is upheld: the rating then leaves the
    satisfaction figures; the row, its history and the audit log keep it.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("办件")
    )
    case_number = models.CharField(_("办件编号"), max_length=32)
    occasion = models.CharField(_("评价时机"), max_length=12, choices=Occasion.choices)
    channel = models.CharField(_("评价渠道"), max_length=8, choices=RatingChannel.choices)
    scheme_version = models.PositiveIntegerField(_("规则版本"))
    level = models.PositiveSmallIntegerField(_("评价等级"))
    scores = models.JSONField(_("分项评价"), default=dict, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    bad = models.BooleanField(_("差评"), default=False)
    item_code = models.CharField(_("事项编码"), max_length=48)
    item_name = models.CharField(_("事项名称"), max_length=120)
    department = models.CharField(_("承办部门"), max_length=16, choices=Department.choices)
    outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("网点"),
    )
    district = models.CharField(_("区县代码"), max_length=6, blank=True)
    staff = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("被评价人")
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    rater = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("评价人")
    )
    rated_at = models.DateTimeField(_("评价时间"))
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    ACCESS = AccessRule(person="person", owner="rater", outlets=("outlet",), department="department", heads="read")

    class Meta:
        ordering = ["-rated_at", "-pk"]
        verbose_name = pgettext_lazy("model", "评价")
        verbose_name_plural = pgettext_lazy("models", "评价")
        constraints = [
            models.UniqueConstraint(fields=["case", "occasion"], name="rating_one_per_case_occasion"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["rated_at"], name="rating_rated_at"),
            models.Index(fields=["person", "-rated_at"], name="rating_person"),
            models.Index(fields=["outlet", "-rated_at"], name="rating_outlet"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.occasion} {self.level}"


class FollowUpState(models.TextChoices):
    """Where a 差评 follow-up stands: 回访 → 核实 → 整改 (when founded) → 反馈; or voided on appeal."""

    OPEN = "open", _("待回访")
    CONTACTED = "contacted", _("已回访")
    VERIFIED = "verified", _("已核实")
    RECTIFIED = "rectified", _("已整改")
    ANSWERED = "answered", _("已反馈")
    VOIDED = "voided", _("申诉成立，差评作废")


class FollowUp(models.Model):
    """The closed loop of one 差评, owned by the case's outlet and department, due within the
    scheme's working days (15) on the statutory calendar."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="followup", verbose_name=_("差评"))
    state = models.CharField(_("状态"), max_length=12, choices=FollowUpState.choices, default=FollowUpState.OPEN)
    outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("网点"),
    )
    department = models.CharField(_("承办部门"), max_length=16, choices=Department.choices)
    opened_at = models.DateTimeField(_("开始时间"))
    due_at = models.DateTimeField(_("整改期限"))
    contacted_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    contact_note = models.TextField(_("回访情况"), blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    founded = models.BooleanField(_("情况属实"), null=True, blank=True)
    verify_note = models.TextField(_("核实情况"), blank=True)
    rectified_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    rectify_note = models.TextField(_("整改措施"), blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answer = models.TextField(_("反馈内容"), blank=True)
    answer_level = models.PositiveSmallIntegerField(_("群众对反馈的评价"), null=True, blank=True)
    answer_rated_at = models.DateTimeField(_("反馈评价时间"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("超期标记"), null=True, blank=True)

    ACCESS = AccessRule(
        person="rating__person", owner="rating__rater", outlets=("outlet",), department="department", heads="read"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="followup_open_due",
                condition=Q(state__in=["open", "contacted", "verified", "rectified"]),
            ),
            models.Index(fields=["outlet", "due_at"], name="followup_outlet"),
            models.Index(fields=["department", "due_at"], name="followup_department"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_level__isnull=True) | Q(answer_level__gte=1, answer_level__lte=5),
                name="followup_answer_level_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating.case_number} {self.state}"


class AppealState(models.TextChoices):
    """申诉复核: pending, upheld (the 差评 is voided) or dismissed (it stands)."""

    PENDING = "pending", _("待复核")
    UPHELD = "upheld", _("申诉成立")
    DISMISSED = "dismissed", _("申诉不成立")


class Appeal(models.Model):
    """Staff's appeal against a false or malicious 差评, decided by a supervisor (one per rating)."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="appeal", verbose_name=_("差评"))
    state = models.CharField(_("状态"), max_length=12, choices=AppealState.choices, default=AppealState.PENDING)
    filed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("申诉人"))
    filed_at = models.DateTimeField(_("申诉时间"))
    reason = models.TextField(_("申诉理由"))
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("复核人")
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_note = models.TextField(_("复核意见"), blank=True)

    ACCESS = AccessRule(outlets=("rating__outlet",), department="rating__department", heads="read")

    class Meta:
        verbose_name = pgettext_lazy("model", "差评申诉")
        verbose_name_plural = pgettext_lazy("models", "差评申诉")

    def __str__(self) -> str:
        return f"{self.rating.case_number} {self.state}"


class RatingEvent(models.Model):
    """One step in the life of a rating (rated, 回访, 核实, 整改, 反馈, 申诉...). Append-only."""

    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24)
    at = models.DateTimeField()
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True)

    ACCESS = AccessRule(
        person="rating__person",
        owner="rating__rater",
        outlets=("rating__outlet",),
        department="rating__department",
        heads="read",
    )

    class Meta:
        verbose_name = _("评价事件")
        verbose_name_plural = _("评价事件")
        ordering = ["rating", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.kind}"


class Invitation(models.Model):
    """The one invitation to rate a finished case (due ``invite_after_days`` after it closed),
    created from the case history by ``invitations_scan`` and sent once by ``invitations_send``."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(max_length=32)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=16, blank=True)  # "outbox" (notifications), or "none" (nobody to reach)
    dismissed = models.BooleanField(default=False)  # rated before it was due, or seen

    ACCESS = AccessRule(owner="user")

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")
        indexes = [
            models.Index(fields=["due_at"], name="invitation_due", condition=Q(sent_at__isnull=True)),
            models.Index(fields=["user", "-due_at"], name="invitation_user"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} due {self.due_at:%Y-%m-%d}"


class FeedMark(models.Model):
    """How far a change feed (the case history) has been read, by name."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评价推送进度")
        verbose_name_plural = _("评价推送进度")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"
