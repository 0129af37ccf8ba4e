"""Things people hold, drawn for one chunk: identity documents, driving licences, vehicles,
drivers' medical checks and dogs."""

from __future__ import annotations

import numpy as np

from tongban.registry.generator.arrays import (
    LONG_TERM,
    YEAR,
    GenState,
    H,
    People,
    Table,
    add_years,
    scramble,
    weights,
)
from tongban.registry.generator.city import City, population_model

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
PLATE_CHARS = PLATE_LETTERS + "0123456789"


def _police(city: City, district: int) -> str:
    """The issuing police authority of a district: 杭州市公安局上城分局, 桐庐县公安局."""
    name = city.districts[district].police
    return f"{city.police}{name}" if name.endswith("分局") else name


def documents(
    rng: np.random.Generator,
    city: City,
    state: GenState,
    seed: int,
    pp: People,
    person_ids: np.ndarray,
    id_numbers: list[str],
    birth: np.ndarray,
    region: np.ndarray,
    local: np.ndarray,
    district: np.ndarray,
    since: np.ndarray,
    today: np.datetime64,
) -> dict[str, Table]:
    """ID cards (validity by age at issue, 居民身份证法 第五条), passports, permits, residence permits."""
    model = population_model()["documents"]
    provinces = population_model()["provinces"]
    n = pp.n
    age = pp.age
    police_of = [_police(city, d) for d in range(len(city.districts))]
    has_card = (age >= 16) | (rng.random(n) < float(model["id_card_minor_share"]))
    issue_age = np.where(age >= 16, 16 + rng.random(n) * np.minimum(age - 16, 1.5), rng.random(n) * age)

    def validity(a: np.ndarray) -> np.ndarray:
        return np.select([a < 16, a < 26, a < 46], [5, 10, 20], 0)  # 0 = long-term

    previous = np.full(n, np.nan)
    for _ in range(8):
        v = validity(issue_age)
        expiry_age = issue_age + v
        renew = (v > 0) & (expiry_age <= age)
        if not renew.any():
            break
        previous = np.where(renew, issue_age, previous)
        issue_age = np.where(renew, expiry_age - rng.random(n) * 0.25, issue_age)
    # Some cards that fell due in the last 300 days have not been renewed yet: keep the old one.
    recent = ~np.isnan(previous) & (age - issue_age < 300 / YEAR) & (age >= 18)
    lapsed = recent & (rng.random(n) < float(model["id_card_lapsed_share"]))
    issue_age = np.where(lapsed, previous, issue_age)
    issued = birth + (issue_age * YEAR).astype(np.int64).astype("timedelta64[D]")
    issued = np.minimum(issued, today)
    # the validity follows the age on the day of issue, counted in whole days as people are
    v = validity((issued - birth).astype(np.int64) / YEAR)
    expires = np.where(v > 0, add_years(issued, v), np.datetime64("NaT"))
    card_idx = np.flatnonzero(has_card)
    police = [
        police_of[d] if loc else f"{provinces.get(code[:2], '')}{code}公安局"
        for d, loc, code in zip(
            district[card_idx].tolist(), local[card_idx].tolist(), region[card_idx].tolist(), strict=True
        )
    ]
    kinds: list[list[str]] = [["id_card"] * len(card_idx)]
    pid = [person_ids[card_idx]]
    numbers: list[list[str]] = [[id_numbers[i] for i in card_idx.tolist()]]
    iss = [issued[card_idx]]
    exp = [expires[card_idx]]
    auth: list[list[str]] = [police]

    # passports and Hong Kong/Macao permits: issued in the last ten years, 10 y (5 y under 16)
    for kind, share_key, modulus, mult in (
        ("passport", "passport_share", 24 * 10**7, 48_271),
        ("hk_macao", "hk_macao_share", 10**8, 69_623),
    ):
        share = np.where(local, float(model[share_key]["local"]), float(model[share_key]["migrant"]))
        holders = np.flatnonzero((age >= 3) & (rng.random(n) < share * np.where(age < 16, 0.3, 1.0)))
        ago = np.minimum(rng.random(len(holders)) * 10, age[holders] - 0.5)
        d_issued = today - (ago * YEAR).astype(np.int64).astype("timedelta64[D]")
        years = np.where(age[holders] - ago < 16, 5, 10)
        start = state.next_id["identitydocument"] + sum(len(k) for k in kinds)
        code = scramble(np.arange(start, start + len(holders), dtype=np.int64), modulus, mult, seed % 10**7)
        if kind == "passport":
            nums = [f"E{PLATE_LETTERS[c // 10**7]}{c % 10**7:07d}" for c in code.tolist()]
        else:
            nums = [f"C{c:08d}" for c in code.tolist()]
        kinds.append([kind] * len(holders))
        pid.append(person_ids[holders])
        numbers.append(nums)
        iss.append(d_issued)
        exp.append(add_years(d_issued, years))
        auth.append(["公安部出入境管理局"] * len(holders))

    # residence permits: migrants 16+ registered six months or more; renewed (签注) every year
    eligible = ~local & (age >= 16) & ~np.isnat(since) & (since <= today - np.timedelta64(183, "D"))
    holders = np.flatnonzero(eligible & (rng.random(n) < float(model["residence_permit_share"])))
    first = since[holders] + rng.integers(183, 230, len(holders)).astype("timedelta64[D]")
    first = np.minimum(first, today)
    years_held = ((today - first).astype(np.int64) // 366) + 1
    current = rng.random(len(holders)) < 0.9
    kinds.append(["residence_permit"] * len(holders))
    pid.append(person_ids[holders])
    numbers.append(
        [
            f"JZ{region_code}{i:010d}"
            for region_code, i in zip(
                [city.districts[d].code for d in district[holders].tolist()],
                (person_ids[holders] * 7 + 3).tolist(),
                strict=True,
            )
        ]
    )
    # the card on file is the latest yearly endorsement (签注): a few lapsed a year ago
    term = np.where(current, years_held, np.maximum(years_held - 1, 1))
    iss.append(add_years(first, term - 1))
    exp.append(add_years(first, term))
    auth.append([police_of[d] for d in district[holders].tolist()])

    flat_kinds = [k for part in kinds for k in part]
    m = len(flat_kinds)
    return {
        "identitydocument": {
            "id": state.take("identitydocument", m),
            "person_id": np.concatenate(pid),
            "kind": flat_kinds,
            "number": [x for part in numbers for x in part],
            "issued_on": np.concatenate(iss),
            "expires_on": np.concatenate(exp),
            "authority": [x for part in auth for x in part],
        }
    }


def licences(
    rng: np.random.Generator,
    state: GenState,
    pp: People,
    person_ids: np.ndarray,
    birth: np.ndarray,
    today: np.datetime64,
) -> tuple[Table, np.ndarray]:
    model = population_model()["licence"]
    n = pp.n
    share = np.zeros(n)
    for band in model["share"]:
        lo, hi = band["ages"]
        mask = (pp.age >= lo) & (pp.age < hi)
        share[mask] = np.where(pp.male[mask], float(band["M"]), float(band["F"]))
    holders = np.flatnonzero(rng.random(n) < share)
    k = len(holders)
    age = pp.age[holders]
    classes, cp = weights(model["class"])
    cls = np.array(classes, dtype=object)[rng.choice(len(classes), size=k, p=cp)]
    professional = np.isin(cls, ("A1", "A2", "B1", "B2"))
    cls[professional & (age < 26)] = "C1"
    first_age = 18 + rng.exponential(6, k)
    young = first_age >= age
    first_age[young] = 18 + rng.random(int(young.sum())) * np.maximum(age[young] - 18, 0)
    first = birth[holders] + (first_age * YEAR).astype(np.int64).astype("timedelta64[D]")
    held = (today - first).astype(np.int64) / YEAR
    # 6 years, then 10, then long-term
    until = np.where(held < 6, add_years(first, 6), np.where(held < 16, add_years(first, 16), LONG_TERM))
    lapsed = (rng.random(k) < float(model["lapsed_share"])) & (held >= 6)
    until = np.where(lapsed, today - rng.integers(1, 365, k).astype("timedelta64[D]"), until)
    status = np.where(lapsed, "expired", "valid").tolist()
    return {
        "id": state.take("driverlicence", k),
        "person_id": person_ids[holders],
        "vehicle_class": cls.tolist(),
        "first_issued": first,
        "valid_until": until,
        "status": status,
    }, holders


def _plates(prefix: str, index: np.ndarray, nev: np.ndarray, seed: int) -> list[str]:
    """Unique plates: 5 characters for ordinary plates, D/F + 5 for new-energy (different lengths)."""
    ordinary = scramble(index, 24 * 34**4, 7_368_787, (seed * 1_000_003 + 5_000_000) % (24 * 34**4))
    green = scramble(index, 2 * 34 * 10**4, 99_991, (seed * 7_919 + 123_457) % (2 * 34 * 10**4))
    out: list[str] = []
    for o, g, is_nev in zip(ordinary.tolist(), green.tolist(), nev.tolist(), strict=True):
        if is_nev:
            out.append(f"{prefix}{'DF'[g // 340_000]}{PLATE_CHARS[(g // 10**4) % 34]}{g % 10**4:04d}")
        else:
            chars = [PLATE_LETTERS[o // 34**4]]
            rest = o % 34**4
            for p in (34**3, 34**2, 34, 1):
                chars.append(PLATE_CHARS[(rest // p) % 34])
            out.append(prefix + "".join(chars))
    return out


def vehicles_and_checks(
    rng: np.random.Generator,
    city: City,
    state: GenState,
    seed: int,
    pp: People,
    person_ids: np.ndarray,
    holders: np.ndarray,
    lic: Table,
    district: np.ndarray,
    today: np.datetime64,
) -> dict[str, Table]:
    model = population_model()
    vm = model["vehicles"]
    cls = np.array(lic["vehicle_class"], dtype=object)
    first = np.asarray(lic["first_issued"])
    k = len(holders)
    ab = np.isin(cls, ("A1", "A2", "B1", "B2"))
    owns = (rng.random(k) < float(vm["owner_share"])) & (cls != "D")
    owners = np.flatnonzero(owns)
    v = len(owners)
    kinds, kp = weights({name: spec["weight"] for name, spec in vm["kinds"].items()})
    kind = np.array(kinds, dtype=object)[rng.choice(len(kinds), size=v, p=kp)]
    heavy = ab[owners] & (rng.random(v) < float(vm["heavy_truck"]["share_of_ab"]))
    kind[heavy] = "heavy_truck"
    length = np.zeros(v, np.int64)
    gross = np.zeros(v, np.int64)
    specs = {**vm["kinds"], "heavy_truck": vm["heavy_truck"]}
    for name, spec in specs.items():
        mask = kind == name
        length[mask] = rng.integers(spec["length"][0], spec["length"][1] + 1, int(mask.sum())) // 10 * 10
        gross[mask] = rng.integers(spec["gross"][0], spec["gross"][1] + 1, int(mask.sum())) // 10 * 10
    since = np.maximum(first[owners], today - np.timedelta64(int(15 * YEAR), "D"))
    registered = since + (rng.random(v) * (today - since).astype(np.int64)).astype(np.int64).astype("timedelta64[D]")
    nev = (kind == "car") & (rng.random(v) < float(vm["nev_share"]))
    ids = state.take("vehicle", v)
    vehicles: Table = {
        "id": ids,
        "plate": _plates(city.plate_prefix, ids - 1, nev, seed),
        "owner_id": person_ids[holders[owners]],
        "kind": kind.tolist(),
        "length_mm": length,
        "gross_kg": gross,
        "registered_on": registered,
    }

    lm = model["licence"]
    checked = np.flatnonzero(ab | (rng.random(k) < float(lm["medical_check_share"])))
    c = len(checked)
    on = today - rng.integers(0, 540, c).astype("timedelta64[D]")
    on = np.maximum(on, first[checked])
    hospitals_default = city.hospitals.get("*", ["市人民医院"])
    hospital = []
    pick = rng.integers(0, 1000, c).tolist()
    for d, p in zip(district[holders[checked]].tolist(), pick, strict=True):
        options = city.hospitals.get(city.districts[d].code, hospitals_default)
        hospital.append(options[p % len(options)])
    checks: Table = {
        "id": state.take("medicalcheck", c),
        "person_id": person_ids[holders[checked]],
        "hospital": hospital,
        "checked_on": on,
        "passed": rng.random(c) < float(lm["medical_check_pass"]),
        "valid_until": on + np.timedelta64(int(lm["medical_check_valid_days"]), "D"),
    }
    return {"vehicle": vehicles, "medicalcheck": checks}


def dogs(
    rng: np.random.Generator,
    state: GenState,
    seed: int,
    pp: People,
    person_ids: np.ndarray,
    local: np.ndarray,
    today: np.datetime64,
) -> Table:
    model = population_model()["dogs"]
    head = (pp.role == H) & (pp.age >= 18)
    share = np.where(local, float(model["household_share"]), float(model["household_share"]) / 3)
    owners = np.flatnonzero(head & (rng.random(pp.n) < share))
    k = len(owners)
    ids = state.take("dog", k)
    breeds, bp = weights(model["breeds"])
    on = today - rng.integers(0, 480, k).astype("timedelta64[D]")
    chip = scramble(ids - 1, 10**12, 387_420_489, (seed * 2_654_435_761 + 271_828_182) % 10**12)
    return {
        "id": ids,
        "owner_id": person_ids[owners],
        "name": np.array(model["names"], dtype=object)[rng.integers(len(model["names"]), size=k)].tolist(),
        "breed": np.array(breeds, dtype=object)[rng.choice(len(breeds), size=k, p=bp)].tolist(),
        "chip": [f"156{x:012d}" for x in chip.tolist()],
        "vaccinated_on": on,
        "vaccine_valid_until": on + np.timedelta64(int(model["vaccine_valid_days"]), "D"),
    }
