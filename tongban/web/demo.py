"""Demo accounts: a citizen, a second citizen, a clerk at a police-station window, an approver
per department, an administrator and an auditor. Idempotent."""

from __future__ import annotations

import datetime as dt

from tongban.accounts.models import User
from tongban.accounts.services import staff_create
from tongban.common.roles import Department, Role
from tongban.outlets.models import Outlet, OutletKind
from tongban.registry.selectors import demo_person_candidates, walk_in_candidate

DEMO_PASSWORD = "Tongban@2026"

STAFF = [
    ("clerk", Role.CLERK, "王窗口", "", "窗口受理员 @ 派出所综合窗口"),
    ("approver-huzheng", Role.APPROVER, "李户政", Department.HUZHENG, "审批民警 户政"),
    ("approver-churujing", Role.APPROVER, "赵出入境", Department.CHURUJING, "审批民警 出入境"),
    ("approver-jiaoguan", Role.APPROVER, "钱交管", Department.JIAOGUAN, "审批民警 交管"),
    ("approver-zhian", Role.APPROVER, "孙治安", Department.ZHIAN, "审批民警 治安"),
    ("admin", Role.ADMIN, "周管理", "", "管理员"),
    ("auditor", Role.AUDITOR, "吴审计", "", "审计员"),
]
# Heads (supervisor): the outlet head of the demo clerk's outlet and the head of 户政; they own
# the 差评 follow-ups and read the figures of their scope.
HEADS = [
    ("outlet-head", Role.CLERK, "陈所长", "", "网点负责人 @ 派出所综合窗口"),
    ("head-huzheng", Role.APPROVER, "郑户政", Department.HUZHENG, "部门负责人 户政"),
]


def _clerk_outlet() -> Outlet:
    outlet = Outlet.objects.filter(kind=OutletKind.POLICE_STATION, active=True).order_by("code").first()
    if outlet is None:
        outlet, _ = Outlet.objects.get_or_create(
            code="330106-PS-001",
            defaults={
                "name": "西湖区文新派出所综合窗口",
                "kind": OutletKind.POLICE_STATION,
                "region_code": "330106",
                "address": "杭州市西湖区文二西路 1 号",
                "lat": 30.2862,
                "lng": 120.1226,
            },
        )
    return outlet


def demo_accounts(*, at: dt.datetime) -> list[str]:
    """Create the demo accounts that do not exist yet; return one printable line per login."""
    lines: list[str] = []
    outlet = _clerk_outlet()
    for username, role, name, dept, label in [*STAFF, *HEADS]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                real_name=name,
                outlet=outlet if role == Role.CLERK else None,
                department=dept,
                now=at,
                check_password=False,
                supervisor=(username, role, name, dept, label) in HEADS,
            )
        elif role == Role.CLERK and user.outlet_id != outlet.pk:
            user.outlet = outlet
            user.save(update_fields=["outlet"])
        lines.append(f"{label:<28} {username}")
    for index, person in enumerate(demo_person_candidates(limit=2)):
        user = User.objects.filter(person=person).first()
        if user is None:
            user = User(
                username=person.id_number,
                id_number=person.id_number,
                real_name=person.name,
                phone=person.phone,
                role=Role.CITIZEN,
                person=person,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        label = "群众 citizen" if index == 0 else "群众 (另一位) other citizen"
        # The demo login must be typed in full; it is synthetic data, printed only by the demo.
        lines.append(f"{label:<28} {person.id_number}  ({person.name})")
    walk_in = walk_in_candidate()
    if walk_in is not None:
        lines.append(f"{'窗口现场申请人 walk-in':<28} {walk_in.id_number}  ({walk_in.name}, 无账号 no account)")
    return lines


def demo_help(*, site: str) -> list[str]:
    """How to try registration and the staff second factor in the demo (printed by demo-setup)."""
    from django.conf import settings

    from tongban.notifications.selectors import sms_outbox_path
    from tongban.registry.models import Person

    free = Person.objects.filter(account__isnull=True, household__isnull=False, birth_date__year__range=(1970, 2000))
    with_phone = free.exclude(phone="").order_by("id").first()
    without = free.filter(phone="").order_by("id").first()
    lines = ["", "Registration (real name, proved by possession):"]
    if with_phone is not None:
        lines.append(
            f"  {site}/accounts/register/  try {with_phone.id_number} ({with_phone.name}): the SMS code is written to "
            f"{sms_outbox_path() or 'the configured SMS gateway'}"
        )
    if without is not None:
        lines.append(
            f"  no phone in the registry, e.g. {without.id_number} ({without.name}): the clerk looks them up at "
            f"{site}/workbench/ and issues an activation code, used at {site}/accounts/activate/"
        )
    required = "required" if settings.REQUIRE_STAFF_2FA else "optional here, required in production"
    lines += [
        "",
        f"Staff second factor (TOTP, {required}): sign in as staff, open {site}/accounts/otp/setup/ "
        f"(linked from 我的账户 {site}/accounts/) and scan the QR code with an authenticator app.",
    ]
    return lines
