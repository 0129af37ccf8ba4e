"""The item specification (事项规格): what one version of a catalog item says.

``ItemSpec`` is the contract other modules build on (cases, outlets, appointments). It is a frozen
pydantic model: the YAML files under ``catalog/items/`` are validated against it on load, the
database keeps each version's ``model_dump(mode="json")`` as immutable JSON, and the API returns
it as is (so OpenAPI documents it from the same class).

Eligibility rules are data in a small, safe rule language (no ``eval``):

    Condition := {"all": [Condition, ...]} | {"any": [Condition, ...]} | {"not": Condition}
               | {"fact": "<path>", "op": "<op>", "value": <json>}

A fact path is dotted: ``form.<field>`` (what the applicant filled in), ``<source>.<key>`` (what a
registry source supplied, e.g. ``education.graduated_on``), ``age`` (whole years at the decision
date, from the birth date), ``points`` (the item's points table summed), or ``derived.<name>``.
The evaluator is in ``tongban.catalog.rules``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PlainSerializer, Tag, field_validator, model_validator

from tongban.common.roles import OutletKind

# --- vocabularies -------------------------------------------------------------------------------

DepartmentCode = Literal["huzheng", "churujing", "jiaoguan", "zhian"]
Channel = Literal["online", "window", "kiosk", "phone"]
Reach = Literal["local", "province", "national"]  # 本地 / 全省通办 / 跨省通办
Applicant = Literal["citizen", "enterprise"]
LimitUnit = Literal["working_days", "working_hours"]
#: Legal limits are sometimes set in natural days (居民身份证法: 60 日); promised limits, which
#: cases run against, are always working days or working hours.
LegalLimitUnit = Literal["working_days", "working_hours", "calendar_days"]
ResultKind = Literal["certificate", "document", "notice"]
ApprovalRole = Literal["clerk", "approver"]

#: Registry sources (``tongban.registry.sources``) a material may be satisfied by (一证通办).
RegistrySourceCode = Literal[
    "hukou",
    "id_card",
    "driver_licence",
    "vehicle",
    "medical_check",
    "education",
    "dog_vaccination",
    "enterprise_vehicle",
    "tenancy",
]
#: Photo standards (``tongban/photos/engine/data/standards.yaml`` codes).
PhotoStandardCode = Literal[
    "id_card", "social_security_card", "residence_permit", "driver_licence", "passport", "hk_macao_permit"
]
#: Certificate templates (``tongban/certificates/data/templates.yaml`` codes).
CertificateTemplateCode = Literal["NCR", "RP", "TP", "DOG", "RENT", "SETTLE"]

Op = Literal[
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "not_in",
    "exists",
    "missing",
    "is_true",
    "is_false",
    # dates (ISO strings or dates) against the decision date, in whole years / days:
    "years_since_le",
    "years_since_ge",
    "days_since_le",
    "days_since_ge",
    "days_until_le",
    "days_until_ge",
]

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,47}$"
FACT_PATTERN = (
    r"^(form|derived|person|hukou|id_card|driver_licence|vehicle|medical_check|education|dog_vaccination"
    r"|enterprise_vehicle|tenancy)(\.[A-Za-z0-9_]+(\[[a-z_]+=form\.[a-z0-9_]+\])?)+$|^(age|points)$"
)

Code = Annotated[str, Field(pattern=CODE_PATTERN)]
#: Yuan, exact in Python, a JSON number on the wire (fees are whole yuan or fen).
Yuan = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="always")]
ZhText = Annotated[str, Field(min_length=1, max_length=2000)]
EnText = Annotated[str, Field(min_length=1, max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- conditions ---------------------------------------------------------------------------------


class Compare(_Frozen):
    """One comparison of a fact with a literal value."""

    fact: Annotated[str, Field(pattern=FACT_PATTERN)]
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _value_shape(self) -> Compare:
        needs_none = self.op in ("exists", "missing", "is_true", "is_false")
        if needs_none and self.value is not None:
            raise ValueError(f"op {self.op!r} takes no value")
        if not needs_none and self.value is None:
            raise ValueError(f"op {self.op!r} needs a value")
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs a list value")
        if self.op.startswith(("years_", "days_")) and (
            isinstance(self.value, bool) or not isinstance(self.value, int)
        ):
            raise ValueError(f"op {self.op!r} needs a whole number")
        return self


class AllOf(_Frozen):
    """Every condition holds."""

    all: list[Condition] = Field(min_length=1)


class AnyOf(_Frozen):
    """At least one condition holds."""

    any: list[Condition] = Field(min_length=1)


class NotOf(_Frozen):
    """The condition does not hold."""

    not_: Condition = Field(alias="not")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True)


def _condition_kind(v: Any) -> str:
    keys = set(v) if isinstance(v, dict) else {type(v).__name__.lower()}
    for key, tag in (
        ("all", "AllOf"),
        ("allof", "AllOf"),
        ("any", "AnyOf"),
        ("anyof", "AnyOf"),
        ("not", "NotOf"),
        ("notof", "NotOf"),
    ):
        if key in keys:
            return tag
    return "Compare"


# A condition is told apart by its key, so a mistake is reported against the one shape meant.
Condition = Annotated[
    Annotated[Compare, Tag("Compare")]
    | Annotated[AllOf, Tag("AllOf")]
    | Annotated[AnyOf, Tag("AnyOf")]
    | Annotated[NotOf, Tag("NotOf")],
    Discriminator(_condition_kind),
]


class EligibilityRule(_Frozen):
    """A condition the applicant must meet, with the reason shown when it is not met.

    ``when`` limits the rule to applicants it concerns (e.g. only bachelor's graduates).
    """

    code: Code
    when: Condition | None = None
    require: Condition
    reason_zh: ZhText
    reason_en: EnText


class PointsEntry(_Frozen):
    """One line of a points table: fixed points when a condition holds, or points per unit of a
    numeric fact (capped)."""

    code: Code
    label_zh: ZhText
    label_en: EnText
    when: Condition | None = None
    points: float | None = None
    per_unit_of: Annotated[str, Field(pattern=FACT_PATTERN)] | None = None
    per_unit: float | None = None
    cap: float | None = None

    @model_validator(mode="after")
    def _shape(self) -> PointsEntry:
        fixed = self.points is not None
        scaled = self.per_unit_of is not None or self.per_unit is not None
        if fixed == scaled:
            raise ValueError("give either points (with when) or per_unit_of + per_unit")
        if fixed and self.when is None:
            raise ValueError("fixed points need a when condition")
        if scaled and (self.per_unit_of is None or self.per_unit is None):
            raise ValueError("per_unit_of and per_unit go together")
        return self


class PointsTable(_Frozen):
    """A points scheme (积分): the sum of the entries is the ``points`` fact."""

    threshold: float = Field(ge=0)
    entries: list[PointsEntry] = Field(min_length=1)
    basis_zh: ZhText | None = None
    basis_en: EnText | None = None


class DerivedCase(_Frozen):
    when: Condition
    value: Any


class DerivedFact(_Frozen):
    """A fact computed from others by the first case that holds (e.g. the truck class)."""

    name: Code
    label_zh: ZhText
    label_en: EnText
    cases: list[DerivedCase] = Field(min_length=1)
    default: Any = None


# --- the item -----------------------------------------------------------------------------------


class LegalBasis(_Frozen):
    """A law, regulation or normative document the item rests on (cited by title and article)."""

    title_zh: ZhText
    title_en: EnText | None = None
    article: str | None = None
    url: str | None = None


class Material(_Frozen):
    """One material (申请材料). With ``source`` the registry supplies it (一证通办, never asked of
    the applicant); with ``photo_standard`` it is a photo derived from the photo library."""

    code: Code
    name_zh: ZhText
    name_en: EnText
    required: bool = True
    source: RegistrySourceCode | None = None
    photo_standard: PhotoStandardCode | None = None
    note_zh: ZhText | None = None
    note_en: EnText | None = None
    # When the source has no record, the applicant's upload stands in once staff verify it.
    upload_verifies: bool = False

    @property
    def supplied(self) -> bool:
        """Supplied without the applicant bringing it: from a registry source or the photo library."""
        return self.source is not None or self.photo_standard is not None

    @model_validator(mode="after")
    def _one_provider(self) -> Material:
        if self.source is not None and self.photo_standard is not None:
            raise ValueError("a material comes from a registry source or from the photo library, not both")
        if self.upload_verifies and self.source is None:
            raise ValueError("upload_verifies stands in for a registry source: the material needs a source")
        return self


class TimeLimit(_Frozen):
    """A promised time limit (承诺时限) cases run against; ``value`` 0 means on the spot (即办)."""

    value: int = Field(ge=0, le=366)
    unit: LimitUnit = "working_days"


class LegalLimit(_Frozen):
    """A legal time limit (法定时限) as the law states it; ``value`` 0 means on the spot."""

    value: int = Field(ge=0, le=366)
    unit: LegalLimitUnit = "working_days"


class Commitment(_Frozen):
    """告知承诺: may the case be accepted with materials missing, and how long to supplement them."""

    allowed: bool = False
    supplement_days: int | None = Field(default=None, ge=1, le=180)

    @model_validator(mode="after")
    def _days_iff_allowed(self) -> Commitment:
        if self.allowed and self.supplement_days is None:
            raise ValueError("supplement_days is required when the commitment is allowed")
        if not self.allowed and self.supplement_days is not None:
            raise ValueError("supplement_days only applies when the commitment is allowed")
        return self


class Result(_Frozen):
    """What the applicant receives: an e-certificate, a physical document (handed over at the
    window or posted), or a notice (a receipt that a registration is recorded is a notice).

    A certificate maps each fact its template states to where the value comes from (``facts``:
    key → candidates, the first one present wins): a path (``form.plate``, ``derived.truck_class``,
    a registry source's fact such as ``hukou.address``, a list item picked by a form value as in
    ``dog_vaccination.dogs[chip=form.chip].breed``, or a value of the case: ``today``,
    ``valid_until``, ``period_from``, ``residence_since``, ``case.number``, ``handling.region_name``,
    ``person.hukou_region_name``, ``dog_tag.number``: a dog licence's tag, assigned at issue), or a
    text with ``{path}`` placeholders. ``labels`` say how codes read on the certificate
    (``light: 轻型货车``). See ``tongban.cases.outcomes``."""

    kind: ResultKind
    certificate_template: CertificateTemplateCode | None = None
    validity_days: int | None = Field(default=None, ge=1, le=36600)
    # valid for the period the applicant chose (form paths to its first day and its days), not from issue
    validity_start: str | None = Field(default=None, pattern=r"^form\.[a-z_]+$")
    validity_days_from: str | None = Field(default=None, pattern=r"^form\.[a-z_]+$")
    name_zh: ZhText | None = None
    name_en: EnText | None = None
    facts: dict[str, list[str]] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _template_iff_certificate(self) -> Result:
        if self.kind == "certificate" and self.certificate_template is None:
            raise ValueError("a certificate result names its certificate_template")
        if self.kind != "certificate" and self.certificate_template is not None:
            raise ValueError("only a certificate result has a certificate_template")
        if (self.validity_start is None) != (self.validity_days_from is None):
            raise ValueError("validity_start and validity_days_from go together")
        if self.certificate_template is not None:
            from tongban.certificates.selectors import template_get  # imported late (app registry)

            template = template_get(code=self.certificate_template)
            if self.validity_days is not None and self.validity_days > template.max_validity_days:
                raise ValueError(
                    f"certificate {template.code} is valid at most {template.max_validity_days} days,"
                    f" not {self.validity_days}"
                )
            keys = [f.key for f in template.facts]
            unmapped = [k for k in keys if not self.facts.get(k)]
            extra = sorted(set(self.facts) - set(keys))
            if unmapped or extra:
                raise ValueError(
                    f"certificate {self.certificate_template}: facts not mapped {unmapped}, unknown facts {extra}"
                )
        elif self.facts:
            raise ValueError("only a certificate result maps facts")
        return self


class ApprovalStep(_Frozen):
    """One step of the decision: which role of which department acts."""

    role: ApprovalRole
    department: DepartmentCode | None = None
    name_zh: ZhText
    name_en: EnText


class Source(_Frozen):
    """A public document the item's rules were taken from (seed press conference or guide)."""

    title: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None


class ItemSpec(_Frozen):
    """One version of a catalog item (事项). Immutable once published."""

    code: Code
    version: int = Field(default=1, ge=1)
    name_zh: ZhText
    name_en: EnText
    department: DepartmentCode
    summary_zh: ZhText | None = None
    summary_en: EnText | None = None
    conditions_zh: ZhText | None = None
    conditions_en: EnText | None = None
    applicants: list[Applicant] = Field(default_factory=lambda: list[Applicant](["citizen"]), min_length=1)
    legal_basis: list[LegalBasis] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    outlet_types: list[str] = Field(default_factory=list)
    reach: Reach = "local"
    # Where a case is handled: at the applicant's 户籍地 ("hukou", the default of 户政 items), or
    # where they live ("residence": settlement, residence permits); other items where accepted.
    jurisdiction: Literal["hukou", "residence"] | None = None
    materials: list[Material] = Field(default_factory=list)
    form_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    eligibility: list[EligibilityRule] = Field(default_factory=list)
    points: PointsTable | None = None
    derived: list[DerivedFact] = Field(default_factory=list)
    fee_yuan: Yuan = Field(default=Decimal(0), ge=0, max_digits=8, decimal_places=2)
    fee_note_zh: ZhText | None = None
    fee_note_en: EnText | None = None
    legal_limit: LegalLimit
    promised_limit: TimeLimit
    # 加急: a shorter promised limit an applicant (or the clerk for them) may ask for; None: not offered.
    expedited: TimeLimit | None = None
    # 上门办: the outlet may come to the applicant's home (people who cannot travel).
    home_visit: bool = False
    commitment: Commitment = Field(default_factory=Commitment)
    result: Result
    approval: list[ApprovalStep] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)

    @field_validator("channels", "outlet_types", "applicants")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("values must be unique")
        return v

    @field_validator("outlet_types")
    @classmethod
    def _outlet_kinds(cls, v: list[str]) -> list[str]:
        known = set(OutletKind.values)
        for kind in v:
            if kind not in known:
                raise ValueError(f"unknown outlet type {kind!r}; known: {', '.join(sorted(known))}")
        return v

    @field_validator("form_schema")
    @classmethod
    def _json_schema(cls, v: dict[str, Any]) -> dict[str, Any]:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(v)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            raise ValueError(f"not a valid JSON Schema at {where}: {exc.message}") from None
        if v.get("type") != "object":
            raise ValueError('the form schema must be {"type": "object", ...}')
        from tongban.catalog.words import form_words_check

        form_words_check(v, "form_schema")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ItemSpec:
        codes = [m.code for m in self.materials]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate material codes: {', '.join(dupes)}")
        rule_codes = [r.code for r in self.eligibility]
        if len(set(rule_codes)) != len(rule_codes):
            raise ValueError("duplicate eligibility rule codes")
        if self.promised_limit.unit == self.legal_limit.unit and self.promised_limit.value > self.legal_limit.value:
            raise ValueError("promised_limit may not exceed legal_limit")
        fast = self.expedited
        if fast is not None and (fast.unit != self.promised_limit.unit or fast.value >= self.promised_limit.value):
            raise ValueError("expedited must be shorter than promised_limit, in the same unit")
        if self.window_needed and not self.outlet_types:
            raise ValueError("an item handled at a window or kiosk names its outlet_types")
        return self

    # --- computed views (not stored; derived from the fields above) -----------------------------

    @property
    def handled_at_hukou(self) -> bool:
        """Handled by the authority of the applicant's 户籍地 (a 户政 item unless it says otherwise)."""
        return self.jurisdiction == "hukou" or (self.jurisdiction is None and self.department == "huzheng")

    @property
    def window_needed(self) -> bool:
        """Handled at a window or kiosk (so outlets matter)."""
        return "window" in self.channels or "kiosk" in self.channels

    @property
    def online(self) -> bool:
        """可网办: the item can be applied for online."""
        return "online" in self.channels

    @property
    def required_materials(self) -> list[Material]:
        return [m for m in self.materials if m.required]

    @property
    def id_card_only(self) -> bool:
        """一证通办: the applicant brings nothing but the ID card — every required material is
        supplied by a registry source or, for a photo, by the photo library (一拍共享: the photo
        taken once at any window is reused). Vacuously true for an item with no materials."""
        return all(m.supplied for m in self.required_materials)

    @property
    def zero_materials(self) -> bool:
        """零材料: the item lists no materials at all."""
        return not self.materials


for _m in (AllOf, AnyOf, NotOf, EligibilityRule, PointsEntry, DerivedCase, ItemSpec):
    _m.model_rebuild()
