"""Certificate templates, loaded from ``certificates/data/templates.yaml``.

A template says what a certificate of its kind lists and how the public sees it; the bureau edits
the YAML, not this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml

from tongban.common.masking import mask_address, mask_id_number, mask_name

MaskKind = Literal["none", "name", "id", "address", "partial"]
# A fact is a line on a one-page certificate, not a document.
MAX_FACT_LENGTH = 120
_MASKS: frozenset[str] = frozenset({"none", "name", "id", "address", "partial"})


class UnknownTemplate(KeyError):
    """No template has this code."""


class InvalidFacts(ValueError):
    """Facts that do not match their template (missing or unexpected keys, wrong types)."""


def mask_partial(value: str) -> str:
    """Keep the first two and last two characters: 鲁F12345 → 鲁F***45."""
    if len(value) <= 4:
        return value[:1] + "*" * (len(value) - 1)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_value(value: str, kind: str) -> str:
    """Apply one of the template mask kinds to a fact value."""
    if kind == "none":
        return value
    if kind == "name":
        return mask_name(value)
    if kind == "id":
        return mask_id_number(value)
    if kind == "address":
        return mask_address(value)
    if kind == "partial":
        return mask_partial(value)
    raise ValueError(f"unknown mask kind {kind!r}")


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact a template lists: its key, bilingual label and public visibility."""

    key: str
    label_zh: str
    label_en: str
    public: bool
    mask: str


@dataclass(frozen=True, slots=True)
class CertificateTemplate:
    """What one kind of certificate says, who issues it and how long it is valid."""

    code: str
    title_zh: str
    title_en: str
    authority_zh: str
    authority_en: str
    issuer_code: str
    department: str  # the department whose approvers act on (revoke) certificates of this kind
    validity_days: int
    max_validity_days: int
    facts: tuple[FactSpec, ...]
    body_zh: str
    body_en: str
    closing_zh: str
    # A unit of the city bureau that issues this kind (交通警察支队), not the handling outlet's bureau.
    authority_unit_zh: str = ""
    authority_unit_en: str = ""

    def fact(self, key: str) -> FactSpec:
        """The spec of one fact; raises KeyError."""
        for spec in self.facts:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def validate_facts(self, facts: Mapping[str, object]) -> dict[str, str]:
        """Return the facts as strings in template order; raises InvalidFacts."""
        expected = [spec.key for spec in self.facts]
        missing = [key for key in expected if key not in facts]
        extra = sorted(set(facts) - set(expected))
        if missing or extra:
            raise InvalidFacts(f"template {self.code}: missing facts {missing}, unexpected facts {extra}")
        out: dict[str, str] = {}
        for key in expected:
            value = facts[key]
            if isinstance(value, bool) or not isinstance(value, str | int | dt.date):
                raise InvalidFacts(f"template {self.code}: fact {key!r} must be text, a number or a date")
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
            if not text.strip():
                raise InvalidFacts(f"template {self.code}: fact {key!r} is empty")
            if len(text) > MAX_FACT_LENGTH:
                raise InvalidFacts(f"template {self.code}: fact {key!r} is longer than {MAX_FACT_LENGTH}")
            out[key] = text.strip()
        return out

    def valid_until(self, issued_at: dt.datetime, days: int | None = None) -> dt.datetime:
        """The end of validity (exclusive) for a certificate issued at ``issued_at``."""
        days = self.validity_days if days is None else days
        if not 0 < days <= self.max_validity_days:
            raise InvalidFacts(f"template {self.code}: validity {days} days outside 1..{self.max_validity_days}")
        return issued_at + dt.timedelta(days=days)

    def public_facts(self, facts: Mapping[str, str]) -> list[tuple[FactSpec, str]]:
        """The facts the public verification page may show, masked per template."""
        return [
            (spec, mask_value(facts[spec.key], spec.mask)) for spec in self.facts if spec.public and spec.key in facts
        ]

    def body(self, *, holder_name: str, holder_id: str, facts: Mapping[str, str], lang: str = "zh") -> str:
        """The body text with holder and facts filled in."""
        text = self.body_zh if lang == "zh" else self.body_en
        return text.format(holder_name=holder_name, holder_id=holder_id, **facts)


def _load(raw: Mapping[str, object]) -> CertificateTemplate:
    facts_raw = raw["facts"]
    assert isinstance(facts_raw, list)
    facts = []
    for fact in facts_raw:
        if fact["mask"] not in _MASKS:
            raise ValueError(f"template {raw['code']}: unknown mask {fact['mask']!r}")
        facts.append(
            FactSpec(
                key=str(fact["key"]),
                label_zh=str(fact["label_zh"]),
                label_en=str(fact["label_en"]),
                public=bool(fact["public"]),
                mask=str(fact["mask"]),
            )
        )
    return CertificateTemplate(
        code=str(raw["code"]),
        title_zh=str(raw["title_zh"]),
        title_en=str(raw["title_en"]),
        authority_zh=str(raw["authority_zh"]),
        authority_en=str(raw["authority_en"]),
        issuer_code=str(raw["issuer_code"]),
        department=str(raw["department"]),
        validity_days=int(str(raw["validity_days"])),
        max_validity_days=int(str(raw["max_validity_days"])),
        facts=tuple(facts),
        # Chinese lines join without a space, English lines with one.
        body_zh="".join(line.strip() for line in str(raw["body_zh"]).splitlines()),
        body_en=" ".join(str(raw["body_en"]).split()),
        closing_zh=str(raw.get("closing_zh", "")),
        authority_unit_zh=str(raw.get("authority_unit_zh", "")),
        authority_unit_en=str(raw.get("authority_unit_en", "")),
    )


@cache
def templates() -> dict[str, CertificateTemplate]:
    """Every template by code, in file order."""
    text = resources.files("tongban.certificates").joinpath("data/templates.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    loaded = [_load(raw) for raw in data["templates"]]
    return {template.code: template for template in loaded}


def get_template(code: str) -> CertificateTemplate:
    """The template with this code; raises UnknownTemplate."""
    try:
        return templates()[code]
    except KeyError:
        raise UnknownTemplate(code) from None
