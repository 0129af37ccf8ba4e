"""Dog-licence tag numbers (犬牌号), drawn under a row lock: two licences issued at the same
moment never share a number (the count of licences read without a lock could give both the same)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from tongban.certificates.models import Certificate, DogTagCounter


def _kept(*, chip: str, holder_id_number: str) -> str | None:
    """The tag of the holder's last licence for this chip: an annual renewal keeps the dog's tag."""
    kept = (
        Certificate.objects.filter(template="DOG", holder_id_number=holder_id_number, facts__chip=chip)
        .order_by("-issued_at", "-id")
        .values_list("facts__tag_number", flat=True)
        .first()
    )
    return str(kept) if kept else None


def _prefix(region: str) -> str:
    return (region or str(settings.DEMO_CITY_CODE))[:4]


def _highest_issued(prefix: str) -> int:
    """The highest tag number of the city on a licence already issued (licences before the counter)."""
    tags = Certificate.objects.filter(template="DOG", facts__tag_number__startswith=f"{prefix}-")
    numbers = [str(t).rpartition("-")[2] for t in tags.values_list("facts__tag_number", flat=True)]
    return max((int(n) for n in numbers if n.isdigit()), default=0)


def _counter(prefix: str) -> DogTagCounter:
    """The city's counter row, locked until the caller's transaction ends."""
    try:
        return DogTagCounter.objects.select_for_update().get(prefix=prefix)
    except DogTagCounter.DoesNotExist:
        pass
    try:
        with transaction.atomic():  # a savepoint: another transaction may create it first
            DogTagCounter.objects.create(prefix=prefix, last=_highest_issued(prefix))
    except IntegrityError:
        pass
    return DogTagCounter.objects.select_for_update().get(prefix=prefix)


def dog_tag_preview(*, chip: str, holder_id_number: str, region: str) -> str:
    """The tag a licence would carry if issued now (no lock, nothing drawn): for checks before
    approval. The number itself is drawn at issue by ``dog_tag_draw``."""
    kept = _kept(chip=chip, holder_id_number=holder_id_number)
    if kept:
        return kept
    prefix = _prefix(region)
    counter = DogTagCounter.objects.filter(prefix=prefix).values_list("last", flat=True).first()
    last = counter if counter is not None else _highest_issued(prefix)
    return f"{prefix}-{last + 1:06d}"


def dog_tag_draw(*, chip: str, holder_id_number: str, region: str) -> str:
    """The tag number a dog licence for this chip carries: the holder's last licence's for the
    same chip, else the next number of the city, ``<city code>-<6 digits>`` (e.g. ``3204-000012``),
    drawn from the city's counter under a row lock held until the issuing transaction ends.

    Must run inside that transaction (``transaction.atomic``)."""
    kept = _kept(chip=chip, holder_id_number=holder_id_number)
    if kept:
        return kept
    prefix = _prefix(region)
    counter = _counter(prefix)
    n = counter.last + 1
    dog_certs = Certificate.objects.filter(template="DOG")
    while dog_certs.filter(facts__tag_number=f"{prefix}-{n:06d}").exists():  # set by hand (demo, tests)
        n += 1
    counter.last = n
    counter.save(update_fields=["last"])
    return f"{prefix}-{n:06d}"
