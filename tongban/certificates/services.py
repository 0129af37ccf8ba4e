"""Certificate writes: issue, revoke, and verify (a verification is recorded in the audit chain).

Independent of the cases module: a case approval calls ``certificate_issue`` with the template
code from the catalog item, the holder, the facts and its case number.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hmac
import logging
import multiprocessing.util
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, router, transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.certificates.core import CertificateDocument, RevocationEntry, Status, issue_token, verify
from tongban.certificates.core.documents import Claims, record_digest
from tongban.certificates.core.revocation import REASONS
from tongban.certificates.core.templates import CertificateTemplate, InvalidFacts, UnknownTemplate, get_template
from tongban.certificates.core.verify import LABELS
from tongban.certificates.models import Certificate, CertificateCounter
from tongban.certificates.selectors import certificate_pdf
from tongban.certificates.signing import current_signer, published_keys
from tongban.certificates.sql import verify_row
from tongban.common.access import Viewer, access_get
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid
from tongban.common.ids import is_valid_id_number
from tongban.common.masking import mask_id_number
from tongban.common.roles import Role
from tongban.registry.selectors import person_by_id_number

logger = logging.getLogger(__name__)

# Who may revoke: the approving police and administrators.
REVOKE_ROLES = frozenset({Role.APPROVER, Role.ADMIN})


def _next_number(*, template: str, at: dt.datetime) -> str:
    """Allocate the next number for a template and year under a row lock: no gaps from races."""
    year = at.year
    counter, _ = CertificateCounter.objects.select_for_update().get_or_create(template=template, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{template}-{year}-{counter.last:08d}"


def certificate_issue(
    *,
    template: str,
    holder_id_number: str,
    holder_name: str,
    facts: dict[str, Any],
    case_number: str,
    issued_at: dt.datetime,
    actor: Viewer | None = None,
    validity_days: int | None = None,
    valid_from: dt.date | None = None,
    department: str = "",
    authority: tuple[str, str, str] | None = None,
) -> Certificate:
    """Issue, sign and record a certificate; the PDF is rendered after commit.

    ``authority`` is the issuing bureau as (region code, Chinese name, English name): the
    handling outlet's (``tongban.cases.outcomes``); it is signed with the document.

    ``valid_from``: a certificate valid for a period its applicant chose (a truck pass) is valid
    until the end of day ``valid_from`` + ``validity_days`` - 1, Beijing time, not for
    ``validity_days`` from the moment of issue.

    ``department`` is the issuing case's item department (its approvers may revoke the
    certificate); without one, the template's.

    Raises Invalid for an unknown template, a malformed ID number, facts that do not match the
    template or a validity outside its limits.
    """
    try:
        spec = get_template(template)
        checked = spec.validate_facts(facts)
        valid_until = spec.valid_until(issued_at, validity_days)
        if valid_from is not None:
            start = dt.datetime.combine(valid_from, dt.time(0), SHANGHAI)
            valid_until = spec.valid_until(start, validity_days)
    except UnknownTemplate:
        raise Invalid(gettext("没有这种证照模板"), code="unknown_template") from None
    except InvalidFacts as exc:
        # the case's facts do not fit the template: an operator's matter, the reason is for them
        raise Invalid(
            gettext("证照信息不完整或不合规，未能签发，请联系系统管理员"), code="invalid_facts", detail=str(exc)
        ) from None
    if valid_until <= issued_at:
        raise Invalid(
            gettext("申请的有效期在签发前已经结束，不能签发。请申请人重新选择起始日期后再申请。"), code="period_over"
        )
    holder_id_number = holder_id_number.strip().upper()
    if not is_valid_id_number(holder_id_number):
        raise Invalid(gettext("持证人公民身份号码无效"), code="invalid_id_number")
    if not 0 < len(holder_name.strip()) <= 64:
        raise Invalid(gettext("持证人姓名应为 1–64 个字"), code="invalid_name")
    if len(case_number) > 40:
        raise Invalid(gettext("办件编号过长"), code="invalid_case_number")
    with transaction.atomic():
        number = _next_number(template=template, at=issued_at)
        document = CertificateDocument(
            number=number,
            template=template,
            holder_name=holder_name.strip(),
            holder_id=holder_id_number,
            facts=checked,
            issued_at=issued_at,
            valid_until=valid_until,
            issuer_code=(authority or ("", "", ""))[0],
            authority_zh=(authority or ("", "", ""))[1],
            authority_en=(authority or ("", "", ""))[2],
        )
        signer = current_signer(now=issued_at)
        certificate = Certificate.objects.create(
            number=number,
            template=template,
            holder_id_number=holder_id_number,
            holder_name=document.holder_name,
            holder_person=person_by_id_number(id_number=holder_id_number),
            facts=dict(document.facts),
            salt=document.salt,
            issued_at=document.issued_at,
            valid_until=document.valid_until,
            key_id=signer.public_key().kid,
            token=issue_token(document, signer),
            case_number=case_number,
            department=department or spec.department,
            issuer_code=document.issuer_code,
            authority_zh=document.authority_zh,
            authority_en=document.authority_en,
        )
        audit_record(
            action="certificate.issue",
            object_type="certificate",
            object_id=number,
            at=issued_at,
            actor=actor,
            data={
                "template": template,
                "case": case_number,
                "kid": certificate.key_id,
                "holder": mask_id_number(holder_id_number),
            },
        )
        # robust: a failed render is retried by the download, it must not undo a committed issue.
        transaction.on_commit(lambda: _render_after_commit(number), robust=True)
    return certificate


def _render_after_commit(number: str) -> None:
    from tongban.certificates.tasks import certificate_render

    certificate_render.enqueue(number)


def certificate_render(*, number: str) -> None:
    """Render and store the PDF of a certificate if it has none yet (idempotent)."""
    certificate = Certificate.objects.filter(number=number).first()
    if certificate is not None and not certificate.pdf:
        certificate_pdf(certificate)


def certificate_revoke(*, number: str, reason: str, actor: Viewer, at: dt.datetime, note: str = "") -> Certificate:
    """Revoke a certificate; verification answers "revoked" from this moment.

    Only administrators and the approvers of the certificate's issuing department may: the access
    funnel decides (``write=True``), and a certificate outside the actor's scope is not found.
    Raises Forbidden (role), Invalid (unknown reason), NotFound, Conflict (already revoked).
    """
    if getattr(actor, "role", None) not in REVOKE_ROLES:
        raise Forbidden(gettext("只有审批民警或管理员可以撤销证照"))
    if reason not in REASONS:
        raise Invalid(gettext("未知的撤销原因"), code="invalid_reason")
    with transaction.atomic():
        certificate = access_get(actor, Certificate.objects.select_for_update(), write=True, number=number)
        if certificate.revoked_at is not None:
            raise Conflict(gettext("该证照已被撤销"), code="already_revoked")
        certificate.revoked_at = at
        certificate.revoked_reason = reason
        certificate.revoked_note = note.strip()[:500]
        certificate.revoked_by_id = actor.pk
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_note", "revoked_by"])
        audit_record(
            action="certificate.revoke",
            object_type="certificate",
            object_id=number,
            at=at,
            actor=actor,
            data={"reason": reason},
        )
    return certificate


def certificate_staff_view_record(
    *, certificate: Certificate, actor: Viewer, at: dt.datetime, what: str = "view"
) -> None:
    """Record that a staff member looked at (or downloaded) a certificate."""
    if getattr(actor, "is_staff_role", False):
        audit_record(
            action=f"certificate.{what}", object_type="certificate", object_id=certificate.number, at=at, actor=actor
        )


@dataclass(frozen=True)
class PublicFact:
    label_zh: str
    label_en: str
    value: str


@dataclass(frozen=True)
class VerificationResult:
    """What the public verification page and API show: the verdict and only masked facts."""

    status: Status
    label_zh: str
    label_en: str
    claims: Claims | None = None
    kid: str | None = None
    title_zh: str = ""
    title_en: str = ""
    authority_zh: str = ""
    authority_en: str = ""
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""
    revoked_reason_zh: str = ""
    revoked_reason_en: str = ""
    facts: list[PublicFact] = field(default_factory=list)


def _verify_row(number: str) -> Certificate | None:
    """The certificate's row from the database the router reads from (a replica for public
    verification, when there is one); a certificate the replica does not have yet (issued a moment
    ago, its row still on the way) is read from the primary."""
    alias = router.db_for_read(Certificate) or DEFAULT_DB_ALIAS
    row = _verify_row_on(alias, number)
    if row is None and alias != DEFAULT_DB_ALIAS:
        row = _verify_row_on(DEFAULT_DB_ALIAS, number)
    return row


def _verify_row_on(alias: str, number: str) -> Certificate | None:
    """The columns verification needs, in one statement (tongban/certificates/sql.py: the ORM
    query's compiling cost more CPU than the rest of the request's verification)."""
    return verify_row(alias, number)


class _DatabaseRevocations:
    """The revocation source for online checks: the certificate's row, fetched once, only the
    columns verification needs (this is the hot path of the public endpoint). Besides the
    revocation it keeps what the answer needs: the template, the stored facts and the digest of
    the stored record, to compare with the one the token signs."""

    __slots__ = ("authority", "digest", "facts", "template")

    def __init__(self) -> None:
        self.template: str | None = None
        self.facts: dict[str, str] = {}
        self.digest: bytes = b""
        self.authority: tuple[str, str, str] = ("", "", "")

    def get(self, number: str) -> RevocationEntry | None:
        row = _verify_row(number)
        if row is None:
            return None
        self.template = row.template
        self.authority = (str(row.issuer_code), str(row.authority_zh), str(row.authority_en))
        self.facts = row.facts if isinstance(row.facts, dict) else {}
        self.digest = record_digest(
            number=number, template=row.template, holder_name=row.holder_name, holder_id=row.holder_id_number,
            facts=self.facts, issued_at=int(row.issued_at.timestamp()), valid_until=int(row.valid_until.timestamp()),
            salt=bytes(row.salt), authority=self.authority,
        )  # fmt: skip
        return None if row.revoked_at is None else RevocationEntry(number, row.revoked_at, row.revoked_reason)

    def matches(self, claims: Claims) -> bool:
        """True when the stored record is the document the token signs (``document_matches``)."""
        return (
            self.template is not None
            and claims.template == self.template
            and hmac.compare_digest(claims.digest, self.digest)
        )


def certificate_verify(
    *, token: str, at: dt.datetime, actor: Viewer | None = None, channel: str = "api", record: bool = True
) -> VerificationResult:
    """Verify a token online: signature against the published keys, revocation and validity from
    the database, and the stored facts against the signed digest. ``record=False`` leaves no audit
    entry (an operator's restore drill compares databases and must not change them). Never raises
    on bad input."""
    revocations = _DatabaseRevocations()
    outcome = verify(token[:2000], published_keys(), revocations, now=at)
    if outcome.status is Status.UNKNOWN_KEY:  # perhaps a key rotated in the last second
        outcome = verify(token[:2000], published_keys(refresh=True), revocations, now=at)
    status = outcome.status
    claims = outcome.claims
    # Signed by our key but not in our records, or records that no longer match: refuse.
    if claims is not None and status is not Status.REVOKED and not revocations.matches(claims):
        status = Status.TAMPERED
    label_zh, label_en = LABELS[status]
    if record:
        _audit_verification(
            number=claims.number if claims else "-", status=status.value, channel=channel, at=at, actor=actor
        )
    if claims is None:
        return VerificationResult(status=status, label_zh=label_zh, label_en=label_en, kid=outcome.kid)
    try:
        spec: CertificateTemplate | None = get_template(claims.template)
    except UnknownTemplate:
        spec = None
    facts = []
    if spec is not None and status is not Status.TAMPERED and revocations.template is not None:
        facts = [PublicFact(s.label_zh, s.label_en, v) for s, v in spec.public_facts(revocations.facts)]
    revocation = outcome.revocation
    reason = revocation.reason if revocation else ""
    reason_zh, reason_en = REASONS.get(reason, ("", ""))
    return VerificationResult(
        status=status,
        label_zh=label_zh,
        label_en=label_en,
        claims=claims,
        kid=outcome.kid,
        title_zh=spec.title_zh if spec else "",
        title_en=spec.title_en if spec else "",
        authority_zh=revocations.authority[1] or (spec.authority_zh if spec else ""),
        authority_en=revocations.authority[2] or (spec.authority_en if spec else ""),
        revoked_at=revocation.revoked_at if revocation else None,
        revoked_reason=reason,
        revoked_reason_zh=reason_zh,
        revoked_reason_en=reason_en,
        facts=facts,
    )


def _audit_verification(*, number: str, status: str, channel: str, at: dt.datetime, actor: Viewer | None) -> None:
    """Signed-in verifiers get one audit entry each, at once. Anonymous public verifications are
    many and come from anyone, so they are appended in batches (one chained entry listing every
    verification of the last second): a flood of lookups cannot turn the audit chain's single
    head row into a lock that every reader waits on. ``CERTIFICATE_VERIFY_AUDIT = "sync"``
    records each one immediately instead."""
    if getattr(actor, "is_authenticated", False) or getattr(settings, "CERTIFICATE_VERIFY_AUDIT", "batch") == "sync":
        audit_record(
            action="certificate.verify",
            object_type="certificate",
            object_id=number,
            at=at,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            data={"status": status, "channel": channel},
        )
        return
    verification_audit_buffer().add({"at": at.isoformat(), "number": number, "status": status, "channel": channel})


class VerificationAuditBuffer:
    """Anonymous verifications waiting to be written as one audit entry.

    A daemon thread writes what has gathered every ``interval`` seconds, and whatever is left is
    written when the process ends: at interpreter exit (``atexit``) and, for worker processes
    started by ``multiprocessing`` (granian's workers, which leave through ``os._exit`` and so
    skip ``atexit``), by a multiprocessing finaliser. Only a killed process (SIGKILL, a crash)
    loses up to one interval. Each process has its own buffer: a forked child never writes the
    events it inherited from its parent. A batch that cannot be written is kept for the next try
    (up to ``4 × limit`` events; past that the oldest are dropped and the loss is logged).
    """

    def __init__(
        self,
        *,
        interval: float = 1.0,
        autostart: bool = True,
        limit: int = 5000,
        write: Callable[[list[dict[str, str]]], None] | None = None,
    ) -> None:
        self.interval = interval
        self.autostart = autostart
        self.limit = limit
        self._write = write or _write_verification_batch
        self._pid = os.getpid()
        self._events: list[dict[str, str]] = []
        self._lock = threading.Lock()  # the waiting events and the thread
        self._writing = threading.Lock()  # one batch at a time: the exit flush waits for the thread's
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._hooked = False

    def add(self, event: dict[str, str]) -> None:
        with self._lock:
            self._events.append(event)
            full = len(self._events) >= self.limit
            if self.autostart and not self._stop.is_set() and (self._thread is None or not self._thread.is_alive()):
                self._start()
        if full:  # the thread is not keeping up: write in the caller rather than grow without bound
            try:
                self.flush()
            except Exception:
                logger.exception("could not write the verification audit batch")

    def _start(self) -> None:
        if not self._hooked:
            atexit.register(self.close)
            multiprocessing.util.Finalize(None, self.close, exitpriority=10)
            self._hooked = True
        self._thread = threading.Thread(target=self._run, name="cert-verify-audit", daemon=True)
        self._thread.start()

    def pending(self) -> int:
        """How many verifications wait to be written."""
        with self._lock:
            return len(self._events)

    def flush(self) -> int:
        """Write the waiting verifications as one audit entry; returns how many. On failure the
        events stay queued for the next flush and the error is raised."""
        if os.getpid() != self._pid:  # a copy inherited through fork: the parent writes these
            return 0
        with self._writing:
            with self._lock:
                events, self._events = self._events, []
            if not events:
                return 0
            try:
                self._write(events)
            except BaseException:
                with self._lock:
                    kept = events + self._events
                    dropped = max(0, len(kept) - 4 * self.limit)
                    self._events = kept[dropped:]
                if dropped:
                    logger.error("dropped %d verification audit events that could not be written", dropped)
                raise
        return len(events)

    def close(self) -> None:
        """Stop the thread and write what is left (at process exit; idempotent)."""
        if os.getpid() != self._pid:
            return
        self._stop.set()
        try:
            self.flush()
        except Exception:
            logger.exception("could not write the last verification audit batch")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:
                logger.exception("could not write the verification audit batch")
            finally:
                close_old_connections()


def _write_verification_batch(events: list[dict[str, str]]) -> None:
    audit_record(
        action="certificate.verify.batch",
        object_type="certificate",
        object_id=f"{len(events)} verifications",
        at=dt.datetime.fromisoformat(events[-1]["at"]),
        actor=None,
        data={"events": events},
    )


_buffers: dict[int, VerificationAuditBuffer] = {}
_buffers_lock = threading.Lock()


def verification_audit_buffer() -> VerificationAuditBuffer:
    """This process's buffer (a forked worker must not inherit its parent's thread or events)."""
    pid = os.getpid()
    buffer = _buffers.get(pid)
    if buffer is None:
        with _buffers_lock:
            buffer = _buffers.get(pid)
            if buffer is None:
                buffer = _buffers[pid] = VerificationAuditBuffer()
    return buffer
