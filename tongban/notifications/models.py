"""Notifications (消息提醒): one message per event and person, delivered once on each channel.

A ``Message`` is the event told to one person: its kind (which names the template), its params
and the recipient's language; subject and body are rendered from the kind when read or sent, so
the inbox follows the reader's language. A ``Delivery`` is that message on one external channel
(SMS, e-mail), with its own idempotency key, attempts and outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无联系方式")


class Message(models.Model):
    """One event told to one person, at most once: ``(kind, key)`` is unique.

    The recipient is an account (then the message is in their inbox) or, before there is an
    account, a registry person (a registration code goes to the phone the registry holds)."""

    kind = models.CharField(_("类型"), max_length=40)
    key = models.CharField(_("事件标识"), max_length=120)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(_("语言"), max_length=10)
    params = models.JSONField(default=dict, blank=True)
    inbox = models.BooleanField(_("站内信"), default=True)
    created_at = models.DateTimeField(_("产生时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    ACCESS = AccessRule(owner="recipient_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="message_once_per_event"),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(person__isnull=False), name="message_has_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="message_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True, inbox=True), name="message_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"


class Delivery(models.Model):
    """A message on one external channel. Sent at most once: a worker claims it with one
    conditional UPDATE (pending → sending) before calling the channel, and the channel is given
    ``idempotency_key`` so a gateway can drop a repeat after a crash mid-send."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("所属消息")
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    idempotency_key = models.CharField(_("幂等键"), max_length=64, unique=True)
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("上次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.channel}"
