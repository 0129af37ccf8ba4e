"""Demo 微安居 data, by seed: the first demo citizen lets their home (approved, QR code, the second
demo citizen as a confirmed tenant for seven months, an open hazard) and has a second
declaration waiting for the station; a notice to the street of that home and the demo
citizens' questions (one answered); and some sixty other landlords of the demo city with
properties in every state, tenancies and hazards open, rectified, closed and overdue.
Idempotent: nothing is added once any property exists."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Protocol

from tongban.accounts.models import User
from tongban.common.clock import local_today
from tongban.common.roles import Department, Role
from tongban.registry.models import Address, Person
from tongban.registry.selectors import demo_person_candidates
from tongban.rentals import hazards as hz
from tongban.rentals import services as svc
from tongban.rentals.models import HazardKind, RentalProperty

SEED = 2026
LANDLORDS = 60
NOTES = [
    (HazardKind.FIRE, "未配置灭火器"),
    (HazardKind.ELECTRIC, "电线私拉乱接"),
    (HazardKind.EBIKE, "电动车在室内充电"),
    (HazardKind.GAS, "燃气软管老化"),
    (HazardKind.ESCAPE, "楼道堆放杂物"),
    (HazardKind.CROWDED, "隔断群租超员"),
]


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def _account(person: Person) -> User:
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
        user.set_unusable_password()  # a landlord or tenant of the demo city; not a demo login
        user.save()
    return user


def _officer() -> User | None:
    return User.objects.filter(role=Role.APPROVER, department=Department.ZHIAN).order_by("pk").first()


def _property(landlord: User, address_id: int, rng: random.Random, at: dt.datetime, *, own: bool) -> Any:
    rooms = rng.choice([1, 1, 2, 2, 3, 4, 6])
    return svc.property_declare(
        landlord=landlord,
        address_id=address_id,
        rooms=rooms,
        capacity=rooms * rng.choice([1, 2, 2, 3]),
        certificate_no=""
        if own
        else f"浙({at.year - rng.randint(2, 15)})杭州市不动产权第{rng.randint(10**6, 10**7):07d}号",
        now=at,
    )


def _hazards(prop: Any, officer: User, rng: random.Random, now: dt.datetime) -> None:
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        found = now - dt.timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 5))
        kind, note = rng.choice(NOTES)
        h = hz.hazard_record(
            number=prop.number,
            actor=officer,
            kind=kind,
            note=note,
            working_days=rng.choice([3, 5, 10]),
            now=found,
        )
        fate = rng.random()
        if fate < 0.55 and h.due_at < now:
            fixed = min(h.due_at, now) - dt.timedelta(hours=2)
            hz.hazard_rectify(pk=h.pk, actor=prop.landlord, note="已按要求整改", now=max(fixed, found))
            if fate < 0.45:
                hz.hazard_close(pk=h.pk, actor=officer, now=max(fixed, found) + dt.timedelta(hours=1))


def demo_load(*, now: dt.datetime, stdout: Writer) -> None:
    """Properties with QR codes, tenancies and hazards (see the module's docstring)."""
    officer = _officer()
    if officer is None or RentalProperty.objects.exists():
        return
    rng = random.Random(SEED)
    today = local_today(now)
    demo = [User.objects.filter(person=p).first() for p in demo_person_candidates(limit=2)]
    first, second = [*demo, None, None][:2]
    household = first.person.household if first is not None and first.person else None
    if first is not None and household is not None:
        home = household.address_id
        prop = _property(first, home, rng, now - dt.timedelta(days=240), own=True)
        prop = svc.property_review(number=prop.number, actor=officer, approve=True, now=now - dt.timedelta(days=239))
        if second is not None:
            t = svc.tenancy_declare(
                token=svc.property_token(prop), tenant=second, moved_in_on=today - dt.timedelta(days=213), now=now
            )
            svc.tenancy_answer(pk=t.pk, actor=first, confirm=True, now=now)
        _hazards(prop, officer, random.Random(SEED + 1), now)
        other = Address.objects.exclude(pk=home).filter(district_code=household.district_code).first()
        if other is not None:
            _property(first, other.pk, rng, now - dt.timedelta(hours=3), own=False)
    taken = set(RentalProperty.objects.values_list("address_id", flat=True))
    exclude = [u.person_id for u in demo if u is not None]
    people = list(
        Person.objects.filter(household__isnull=False, birth_date__lt=today.replace(year=today.year - 25))
        .exclude(pk__in=exclude)
        .order_by("pk")
        .values_list("pk", flat=True)[: LANDLORDS * 6]
    )
    rng.shuffle(people)
    landlords, tenants = people[:LANDLORDS], people[LANDLORDS:]
    made = 0
    for pk in landlords:
        person = Person.objects.select_related("household").get(pk=pk)
        address_id = person.household.address_id  # type: ignore[union-attr]
        if address_id in taken:
            continue
        taken.add(address_id)
        landlord = _account(person)
        declared = now - dt.timedelta(days=rng.randint(1, 400))
        prop = _property(landlord, address_id, rng, declared, own=True)
        made += 1
        fate = rng.random()
        if fate < 0.12:
            continue  # waiting for the station
        reviewed = declared + dt.timedelta(hours=rng.randint(2, 30))
        if fate < 0.18:
            svc.property_review(
                number=prop.number, actor=officer, approve=False, note="产权信息与申报不符", now=reviewed
            )
            continue
        prop = svc.property_review(number=prop.number, actor=officer, approve=True, now=min(reviewed, now))
        token = svc.property_token(prop)
        for _ in range(min(prop.capacity, rng.choice([0, 1, 1, 2, 3]))):
            if not tenants:
                break
            tenant = _account(Person.objects.get(pk=tenants.pop()))
            start = max(local_today(prop.reviewed_at), today - dt.timedelta(days=360))
            moved_in = start + dt.timedelta(days=rng.randint(0, max(0, (today - start).days)))
            t = svc.tenancy_declare(token=token, tenant=tenant, moved_in_on=moved_in, now=now)
            roll = rng.random()
            if roll < 0.8:
                svc.tenancy_answer(pk=t.pk, actor=landlord, confirm=True, now=now)
                if roll < 0.25 and moved_in < today:
                    out = moved_in + dt.timedelta(days=rng.randint(1, (today - moved_in).days))
                    svc.tenancy_move_out(pk=t.pk, actor=tenant, moved_out_on=out, now=now)
            elif roll < 0.88:
                svc.tenancy_answer(pk=t.pk, actor=landlord, confirm=False, note="该房客未在此居住", now=now)
        _hazards(prop, officer, rng, now)
    _notice_and_questions(officer, first, second, now)
    stdout.write(f"rentals: {RentalProperty.objects.count()} properties declared ({made} in the demo city)\n")


def _notice_and_questions(officer: User, first: User | None, second: User | None, now: dt.datetime) -> None:
    """A notice to the street of the first demo citizen's home (else the officer's first district),
    an answered question of the second demo citizen and an open one of the first."""
    from tongban.rentals import bulletins, helpdesk

    areas = {a["code"]: a for a in bulletins.notice_areas(user=officer)}
    home = first.person.household.address if first and first.person and first.person.household else None
    street = home.community.parent_id if home is not None else None
    code = street if street in areas else next((c for c, a in areas.items() if a["level"] == "district"), None)
    if code is not None:
        bulletins.notice_publish(
            actor=officer,
            area_code=code,
            title="电动车安全充电提示",
            body="近期将开展出租房屋消防检查，请勿在室内和楼道为电动车充电，请房东检查灭火器是否在有效期内。",
            now=now - dt.timedelta(days=2),
        )
    stations = helpdesk.stations()
    if not stations:
        return
    station = next((s for s in stations if s["id"] == officer.outlet_id), stations[0])
    if second is not None:
        q = helpdesk.question_ask(
            asker=second,
            station_id=station["id"],
            text="搬家后还需要在系统里申报搬离吗？",
            now=now - dt.timedelta(days=3),
        )
        helpdesk.question_answer(
            pk=q.pk,
            actor=officer,
            answer="需要。请在“微安居 · 我的租房记录”中申报搬离，房东无需另行操作。",
            now=now - dt.timedelta(days=2),
        )
    if first is not None:
        helpdesk.question_ask(
            asker=first, station_id=station["id"], text="房屋加装隔断需要重新申报吗？", now=now - dt.timedelta(hours=5)
        )
