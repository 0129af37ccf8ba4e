"""Demo dog data, by seed: a dozen licensed dogs of the demo city (licences issued from their
vaccination records, each with its tag number), violations recorded by the 治安 officer against
some of them and against the first demo citizen's licence, and two reports of a problem dog,
one open and one closed. Idempotent: nothing is added once any violation or report exists."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from tongban.accounts.models import User
from tongban.certificates.models import Certificate
from tongban.certificates.services import certificate_issue
from tongban.certificates.tags import dog_tag_draw
from tongban.common.roles import Department, Role
from tongban.dogs import services as svc
from tongban.dogs.models import Report, Violation, ViolationKind
from tongban.registry.models import Dog

SEED = 2026
LICENSED = 12
PLACES = ["西湖区文三路", "拱墅区莫干山路", "上城区解放路", "滨江区江南大道", "西溪湿地东门", "城西银泰城广场"]


def _licence(dog: Dog, at: dt.datetime) -> Certificate:
    owner = dog.owner
    number = f"DEMO-DOG-{dog.chip}"
    found = Certificate.objects.filter(case_number=number).first()
    if found is not None:
        return found
    region = str(owner.hukou_region or "")
    with transaction.atomic():
        return _issue(dog, owner, region, number, at)


def _issue(dog: Dog, owner: Any, region: str, number: str, at: dt.datetime) -> Certificate:
    return certificate_issue(
        template="DOG",
        holder_id_number=owner.id_number,
        holder_name=owner.name,
        facts={
            "tag_number": dog_tag_draw(chip=dog.chip, holder_id_number=owner.id_number, region=region),
            "chip": dog.chip,
            "dog_name": dog.name,
            "breed": dog.breed,
            "colour": "未登记",
            "vaccination": f"芯片{dog.chip}，免疫有效期至{dog.vaccine_valid_until.isoformat()}",
            "address": owner.household.address.full if owner.household else "",
        },
        case_number=number,
        issued_at=at,
    )


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Licensed dogs, violations and reports (see the module's docstring)."""
    officer = User.objects.filter(role=Role.APPROVER, department=Department.ZHIAN).order_by("pk").first()
    if officer is None or Violation.objects.exists() or Report.objects.exists():
        return
    rng = random.Random(SEED)
    dogs = list(
        Dog.objects.filter(vaccine_valid_until__gt=now.date() + dt.timedelta(days=30), owner__household__isnull=False)
        .select_related("owner__household__address")
        .order_by("pk")[:LICENSED]
    )
    licences = [_licence(d, now - dt.timedelta(days=rng.randint(3, 200))) for d in dogs]
    own = Certificate.objects.filter(case_number="DEMO-DOG", revoked_at__isnull=True).first()
    targets = ([own] * 2 if own is not None else []) + rng.sample(licences, min(4, len(licences)))
    kinds = [ViolationKind.NO_LEASH] * 4 + [ViolationKind.DANGEROUS_BREED, ViolationKind.OTHER]
    for i, cert in enumerate(targets):
        kind = kinds[i % len(kinds)]
        svc.violation_record(
            actor=officer,
            licence=cert.number,
            kind=kind,
            place=rng.choice(PLACES),
            note="犬只吠叫扰民，已当场教育" if kind == ViolationKind.OTHER else "",
            now=now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 10)),
        )
    svc.report_submit(
        reporter=None,
        client="demo",
        place="翠苑一区 12 幢楼下",
        description="一只大型犬经常不束链在楼下游荡，孩子害怕",
        now=now - dt.timedelta(hours=5),
    )
    closed = svc.report_submit(
        reporter=None,
        client="demo",
        place="文三路菜场门口",
        description="疑似禁养犬只，未束犬链",
        contact="13900001111",
        now=now - dt.timedelta(days=3),
    )
    svc.report_close(
        pk=closed.pk, actor=officer, note="已找到犬主，犬只已办证并束链，已教育", now=now - dt.timedelta(days=2)
    )
    counts = f"{Violation.objects.count()} violations, {Report.objects.count()} reports"
    stdout.write(f"dogs: {len(licences)} licensed dogs, {counts}\n")
