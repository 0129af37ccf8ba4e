"""The eligibility rules of the shipped items, at their thresholds (seed 000 and 001), and the
rule language's edges. Specs come from the item files; facts are built by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from tongban.catalog.loader import ITEMS_DIR, item_file_read
from tongban.catalog.rules import Failure, add_years, age_on, eligibility_facts
from tongban.catalog.schemas import ItemSpec
from tongban.catalog.services import item_derive, item_eligibility, item_points

AT = dt.date(2026, 6, 30)


def spec(code: str) -> ItemSpec:
    return item_file_read(ITEMS_DIR / f"{code}.yaml").spec


def born(years: int, *, days: int = 0) -> dt.date:
    """A birth date that makes the person exactly ``years`` old on AT, ``days`` later."""
    return add_years(AT, -years) + dt.timedelta(days=days)


def failed(code: str, **kw: Any) -> list[str]:
    facts = eligibility_facts(at=kw.pop("at", AT), **kw)
    return [f.rule for f in item_eligibility(spec=spec(code), facts=facts)]


# --- graduate settlement (高校毕业生落户) ---------------------------------------------------------


def edu(level: str, graduated: dt.date | None = None, *, local: bool = False) -> dict[str, dict[str, Any]]:
    """Education facts of a person whose 户籍 is elsewhere (``local``: here already)."""
    return {
        "education": {"education": level, "graduated_on": graduated.isoformat() if graduated else None},
        "hukou": {"local": local, "hukou_region": "330106" if local else "420102"},
    }


@pytest.mark.parametrize("code", ["graduate_settlement", "points_settlement"])
def test_settlement_is_refused_to_a_person_with_local_hukou(code: str) -> None:
    form = {"has_employer": True, "years_worked": 9, "years_resident": 9, "social_insurance_years": 9}
    facts = edu("master", dt.date(2020, 7, 1), local=True)
    assert failed(code, form=form, supplied=facts, birth_date=born(30)) == ["not_yet_local"]
    assert failed(code, form=form, supplied=edu("master", dt.date(2020, 7, 1)), birth_date=born(30)) == []


def test_bachelor_settles_without_a_job_up_to_two_years_after_graduation() -> None:
    graduated = dt.date(2024, 6, 30)
    form = {"has_employer": False, "settle_to": "talent_collective"}
    assert failed("graduate_settlement", form=form, supplied=edu("bachelor", graduated), birth_date=born(24)) == []
    later = dt.date(2026, 7, 1)
    assert failed(
        "graduate_settlement", at=later, form=form, supplied=edu("bachelor", graduated), birth_date=born(24)
    ) == ["bachelor_within_two_years"]
    with_job = {**form, "has_employer": True}
    assert (
        failed("graduate_settlement", at=later, form=with_job, supplied=edu("bachelor", graduated), birth_date=born(24))
        == []
    )


@pytest.mark.parametrize(("birth", "ok"), [(born(45), True), (born(46, days=1), True), (born(46), False)])
def test_master_settles_without_a_job_aged_45_or_under(birth: dt.date, ok: bool) -> None:
    form = {"has_employer": False, "settle_to": "talent_collective"}
    got = failed("graduate_settlement", form=form, supplied=edu("master", dt.date(2010, 7, 1)), birth_date=birth)
    assert got == ([] if ok else ["postgraduate_age"])


def test_master_over_45_settles_with_a_job() -> None:
    form = {"has_employer": True, "settle_to": "talent_collective"}
    assert (
        failed("graduate_settlement", form=form, supplied=edu("master", dt.date(2000, 7, 1)), birth_date=born(50)) == []
    )


def test_college_graduate_needs_a_job_and_to_be_a_fresh_graduate() -> None:
    fresh = dt.date(2026, 6, 20)
    assert failed(
        "graduate_settlement", form={"has_employer": False}, supplied=edu("college", fresh), birth_date=born(21)
    ) == ["college_needs_job"]
    assert (
        failed("graduate_settlement", form={"has_employer": True}, supplied=edu("college", fresh), birth_date=born(21))
        == []
    )
    old = dt.date(2024, 6, 20)
    assert failed(
        "graduate_settlement", form={"has_employer": True}, supplied=edu("college", old), birth_date=born(23)
    ) == ["college_needs_job"]


def test_no_degree_on_file_fails_with_the_missing_fact_named() -> None:
    facts = eligibility_facts(
        at=AT, form={"has_employer": True}, supplied={"hukou": {"local": False}}, birth_date=born(30)
    )
    [failure] = item_eligibility(spec=spec("graduate_settlement"), facts=facts)
    assert failure == Failure(
        "degree_level",
        "须具有普通高校大专及以上学历",
        "An associate degree or higher from a regular college is required",
        ("education.education",),
    )
    assert failure.reason == "须具有普通高校大专及以上学历"  # the reader's language (Chinese by default)
    with translation.override("en"):
        assert failure.reason == "An associate degree or higher from a regular college is required"


def test_senior_school_is_not_enough_for_graduate_settlement() -> None:
    assert failed("graduate_settlement", form={"has_employer": True}, supplied=edu("senior"), birth_date=born(30)) == [
        "degree_level"
    ]


# --- points settlement (积分落户) -----------------------------------------------------------------

WORKER = {
    "years_worked": 4,
    "years_resident": 4,
    "social_insurance_years": 4,
    "skill_certificate": "none",
    "own_home": False,
}


def test_points_table_sums_to_the_expected_total() -> None:
    facts = eligibility_facts(at=AT, form=WORKER, supplied=edu("senior"), birth_date=born(30))
    points = item_points(spec=spec("points_settlement"), facts=facts)
    assert points is not None
    # senior 20 + social insurance 4×10 + residence 4×5 = 80
    assert points.total == 80.0
    assert points.threshold == 100
    assert points.passed is False
    assert {ln.code: ln.points for ln in points.lines}["social_insurance"] == 40.0


def test_points_caps_apply() -> None:
    form = {**WORKER, "social_insurance_years": 30, "years_resident": 30}
    facts = eligibility_facts(at=AT, form=form, supplied=edu("senior"), birth_date=born(30))
    points = item_points(spec=spec("points_settlement"), facts=facts)
    assert points is not None
    assert points.total == 20 + 60 + 30


def test_a_worker_at_exactly_100_points_settles_and_at_95_does_not() -> None:
    # senior 20 + social insurance 6×10 + residence 4×5 = 100
    exactly = {**WORKER, "social_insurance_years": 6}
    facts = eligibility_facts(at=AT, form=exactly, supplied=edu("senior"), birth_date=born(30))
    assert item_points(spec=spec("points_settlement"), facts=facts).total == 100.0  # type: ignore[union-attr]
    assert failed("points_settlement", form=exactly, supplied=edu("senior"), birth_date=born(30)) == []
    # senior 20 + 5×10 + 5×5 = 95
    short = {**WORKER, "social_insurance_years": 5, "years_resident": 5}
    assert failed("points_settlement", form=short, supplied=edu("senior"), birth_date=born(30)) == ["points_threshold"]


def test_skill_and_home_points() -> None:
    form = {**WORKER, "skill_certificate": "senior", "own_home": True}
    facts = eligibility_facts(at=AT, form=form, supplied=edu("college"), birth_date=born(30))
    points = item_points(spec=spec("points_settlement"), facts=facts)
    assert points is not None
    assert points.total == 40 + 40 + 20 + 30 + 10


@pytest.mark.parametrize(("birth", "ok"), [(born(39), True), (born(40, days=1), True), (born(40), False)])
def test_points_settlement_is_for_workers_under_40(birth: dt.date, ok: bool) -> None:
    form = {**WORKER, "social_insurance_years": 6}
    assert failed("points_settlement", form=form, supplied=edu("senior"), birth_date=birth) == (
        [] if ok else ["under_40"]
    )


def test_points_settlement_needs_high_school_and_four_years() -> None:
    form = {**WORKER, "social_insurance_years": 6}
    assert failed("points_settlement", form=form, supplied=edu("junior"), birth_date=born(30)) == [
        "high_school",
        "points_threshold",  # junior education also scores 0 points there
    ]
    short = {**form, "years_worked": 3, "years_resident": 3, "social_insurance_years": 8, "skill_certificate": "senior"}
    assert failed("points_settlement", form=short, supplied=edu("senior"), birth_date=born(30)) == [
        "four_years_worked",
        "four_years_resident",
    ]


# --- residence permit, security guard, licence expiry ------------------------------------------


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (24, True)])
def test_residence_permit_after_half_a_year(months: int, ok: bool) -> None:
    form = {"basis": "employment", "months_resident": months, "address": "x"}
    assert failed("residence_permit", form=form, birth_date=born(30)) == ([] if ok else ["half_year"])


def test_residence_permit_is_not_for_local_residents() -> None:
    form = {"basis": "study", "months_resident": 12, "address": "x"}
    assert failed("residence_permit", form=form, supplied={"hukou": {"local": True}}) == ["not_local"]
    assert failed("residence_permit", form=form, supplied={"hukou": {"local": False}}) == []


@pytest.mark.parametrize(("birth", "ok"), [(born(18), True), (born(18, days=1), False)])
def test_security_guard_from_18(birth: dt.date, ok: bool) -> None:
    got = failed("security_guard_certificate", form={"exam_score": 75}, supplied=edu("junior"), birth_date=birth)
    assert got == ([] if ok else ["adult"])


def test_age_is_read_from_the_id_number_when_no_birth_date_is_given() -> None:
    from tongban.common.ids import make_id_number

    young = make_id_number("330106", born(18, days=1), 11)
    assert failed("security_guard_certificate", form={"exam_score": 75}, supplied=edu("junior"), id_number=young) == [
        "adult"
    ]


@pytest.mark.parametrize(
    ("valid_until", "ok"), [(AT + dt.timedelta(days=90), True), (AT + dt.timedelta(days=91), False)]
)
def test_licence_renewal_within_90_days_of_expiry(valid_until: dt.date, ok: bool) -> None:
    supplied = {
        "driver_licence": {"valid_until": valid_until.isoformat(), "status": "valid"},
        "medical_check": {"valid_until": "2027-01-01"},
    }
    assert failed("driver_licence_expiry", form={}, supplied=supplied) == ([] if ok else ["within_90_days"])


def test_licence_replacement_needs_the_hospital_record() -> None:
    supplied = {"driver_licence": {"valid_until": "2030-01-01", "status": "valid"}}
    assert failed("driver_licence_replace", form={"reason": "lost"}, supplied=supplied) == ["medical_on_file"]


# --- truck pass classification (seed 001) --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "length", "gross", "klass"),
    [
        ("van", 6000, 8000, "light"),  # 车长不超过6米、总质量不超过8吨的厢式货车按轻型货车
        ("van", 6000, 8001, "large"),  # 6 m is "large" under GA 802 unless the van rule applies
        ("van", 5990, 8001, "medium"),
        ("box", 6000, 8000, "large"),  # the van rule is for vans only
        ("box", 5999, 4499, "light"),
        ("box", 5999, 4500, "medium"),
        ("box", 5999, 11999, "medium"),
        ("box", 5999, 12000, "large"),
    ],
)
def test_truck_classes(body: str, length: int, gross: int, klass: str) -> None:
    facts = eligibility_facts(at=AT, form={"body": body, "length_mm": length, "gross_kg": gross})
    derived = item_derive(spec=spec("truck_pass"), facts=facts)
    assert derived["truck_class"] == klass
    assert derived["night_all_roads"] == ("22:30-05:30" if klass == "large" else None)


def test_truck_pass_limits_from_the_seed() -> None:
    truck = spec("truck_pass")
    assert (truck.promised_limit.value, truck.promised_limit.unit) == (8, "working_hours")  # 1 working day
    assert truck.result.validity_days == 90
    assert truck.form_schema["properties"]["days"]["maximum"] == 90
    assert [m.source for m in truck.materials] == ["vehicle", "enterprise_vehicle"]  # no licence or ID copies
    facts = eligibility_facts(at=AT, form={"days": 91}, supplied={"vehicle": {"vehicles": [{"plate": "鲁F1"}]}})
    assert [f.rule for f in item_eligibility(spec=truck, facts=facts)] == ["at_most_90_days"]


# --- the rule language ---------------------------------------------------------------------------


def tiny(rule: dict[str, Any]) -> ItemSpec:
    return ItemSpec.model_validate(
        {
            "code": "t_rule",
            "name_zh": "规则",
            "name_en": "Rule",
            "department": "zhian",
            "legal_basis": [{"title_zh": "依据"}],
            "channels": ["online"],
            "legal_limit": {"value": 1},
            "promised_limit": {"value": 1},
            "result": {"kind": "notice"},
            "eligibility": [{"code": "rr", "reason_zh": "不符合", "reason_en": "Not met", "require": rule}],
        }
    )


@pytest.mark.parametrize(
    ("rule", "form", "ok"),
    [
        ({"fact": "form.n", "op": "eq", "value": 1}, {"n": True}, False),  # True is not 1
        ({"fact": "form.flag", "op": "is_true"}, {"flag": 1}, False),  # 1 is not True
        ({"fact": "form.n", "op": "ge", "value": 3}, {"n": "5"}, False),  # a string is not a number: no crash
        ({"fact": "form.n", "op": "ge", "value": 3}, {"n": 3}, True),
        ({"not": {"fact": "form.n", "op": "in", "value": [1, 2]}}, {"n": 3}, True),
        ({"fact": "form.s", "op": "missing"}, {"s": ""}, True),
        ({"fact": "form.s", "op": "exists"}, {"s": ""}, False),
        (
            {
                "all": [
                    {"fact": "form.a", "op": "eq", "value": 1},
                    {"any": [{"fact": "form.b", "op": "eq", "value": 2}, {"fact": "form.c", "op": "eq", "value": 3}]},
                ]
            },
            {"a": 1, "c": 3},
            True,
        ),
        ({"fact": "form.d", "op": "days_since_le", "value": 10}, {"d": "2026-06-20"}, True),
        ({"fact": "form.d", "op": "days_since_le", "value": 10}, {"d": "2026-06-19"}, False),
        ({"fact": "form.d", "op": "days_until_ge", "value": 20}, {"d": "2026-07-20"}, True),
        ({"fact": "form.d", "op": "days_until_ge", "value": 20}, {"d": "not a date"}, False),
    ],
)
def test_rule_language(rule: dict[str, Any], form: dict[str, Any], ok: bool) -> None:
    failures = item_eligibility(spec=tiny(rule), facts=eligibility_facts(at=AT, form=form))
    assert (failures == []) is ok


def test_missing_facts_are_listed_once_each() -> None:
    rule = {
        "all": [
            {"fact": "form.a", "op": "eq", "value": 1},
            {"fact": "education.education", "op": "eq", "value": "master"},
        ]
    }
    [failure] = item_eligibility(spec=tiny(rule), facts=eligibility_facts(at=AT, form={}))
    assert failure.missing == ("education.education", "form.a")


def test_facts_need_a_decision_date() -> None:
    with pytest.raises(ValueError, match="decision date"):
        item_eligibility(spec=tiny({"fact": "age", "op": "ge", "value": 1}), facts={"form": {}})


def test_age_and_anniversaries() -> None:
    assert age_on(dt.date(2000, 2, 29), dt.date(2018, 2, 28)) == 17
    assert age_on(dt.date(2000, 2, 29), dt.date(2018, 3, 1)) == 18
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


# --- dog licence: the vaccination of the dog applied for (seed 002) -------------------------------


def dogs(*records: tuple[str, dt.date]) -> dict[str, Any]:
    return {
        "dog_vaccination": {"dogs": [{"chip": c, "name": "豆豆", "valid_until": d.isoformat()} for c, d in records]}
    }


@pytest.mark.parametrize("code", ["dog_registration", "dog_licence_renew"])
@pytest.mark.parametrize(
    ("valid_until", "ok"), [(AT, True), (AT - dt.timedelta(days=1), False), (AT.replace(day=1), False)]
)
def test_dog_licence_reads_the_vaccination_of_the_chip_applied_for(code: str, valid_until: dt.date, ok: bool) -> None:
    form = {"chip": "C-1", "dog_name": "豆豆", "breed": "柯基", "address": "路1号"}
    # the owner's other dog is vaccinated for a year more; it does not count for C-1
    facts = dogs(("C-2", AT + dt.timedelta(days=365)), ("C-1", valid_until))
    assert failed(code, form=form, supplied=facts, birth_date=born(30)) == ([] if ok else ["vaccinated"])


def test_dog_licence_for_a_chip_with_no_record_names_the_fact_not_known() -> None:
    facts = eligibility_facts(at=AT, form={"chip": "C-9"}, supplied=dogs(("C-1", AT)), birth_date=born(30))
    [failure] = item_eligibility(spec=spec("dog_licence_renew"), facts=facts)
    assert failure.rule == "vaccinated"
    assert failure.missing == ("dog_vaccination.dogs[chip=form.chip].valid_until",)
