"""Vectorised generation of one chunk of the synthetic population (no Django, no database).

A chunk is a fixed number of people drawn with its own random generator, seeded from
``(seed, chunk index)``, so the data depend only on the seed, the size and the reference date,
never on the database or the batch size used to load them. Only ``GenState`` carries over
between chunks: the next primary keys and the ID-number sequence counters.

Columns come out as numpy arrays (numbers, dates as ``datetime64[D]`` with NaT for null) or as
lists of strings (None for null); ``loader`` turns them into COPY text or SQLite rows.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import numpy as np

from tongban.common.ids import region_codes
from tongban.registry.generator.arrays import (
    CHUNK_PEOPLE,
    TABLES,
    YEAR,
    C,
    Column,
    G,
    GenState,
    H,
    P,
    People,
    S,
    SequenceExhausted,
    Table,
    add_years,
    date_of,
    scramble,
    tri,
    weights,
    ymd,
)
from tongban.registry.generator.city import KM_PER_DEG_LAT, City, names_model, population_model
from tongban.registry.generator.things import documents, dogs, licences, vehicles_and_checks

__all__ = ["CHUNK_PEOPLE", "TABLES", "Column", "GenState", "SequenceExhausted", "Table", "generate_chunk"]

_DAY1900 = -25567  # 1900-01-01 in days since 1970-01-01
_ROLE = {"H": H, "S": S, "C": C, "P": P, "G": G}
LEVELS = ("none", "primary", "junior", "senior", "college", "bachelor", "master", "doctor")
# The level someone still in education has completed: a bachelor's student has finished senior school.
_PREVIOUS = np.array([0, 0, 1, 2, 3, 3, 5, 6])


@cache
def _province_codes() -> dict[str, np.ndarray]:
    """District-level region codes per province (no 省/市 aggregate codes, no Hangzhou)."""
    out: dict[str, list[str]] = {}
    for code in sorted(region_codes()):
        if code.endswith("00") or code.startswith("3301"):
            continue
        out.setdefault(code[:2], []).append(code)
    return {k: np.array(v) for k, v in out.items()}


def _birthplaces(rng: np.random.Generator, n: int) -> np.ndarray:
    """Region codes of people born outside the city (migrant source provinces)."""
    provs, p = weights(population_model()["migrant_source"])
    table = _province_codes()
    pick = rng.choice(len(provs), size=n, p=p)
    out = np.empty(n, dtype="<U6")
    for i, prov in enumerate(provs):
        mask = pick == i
        codes = table[prov]
        out[mask] = codes[rng.integers(len(codes), size=int(mask.sum()))]
    return out


def _sizes(rng: np.random.Generator, dist: dict[Any, float] | tuple[int, int], total: int) -> np.ndarray:
    """Group sizes summing exactly to ``total`` (the last group is cut short)."""
    if total <= 0:
        return np.zeros(0, np.int64)
    parts: list[np.ndarray] = []
    acc = 0
    while acc < total:
        if isinstance(dist, tuple):
            draw = rng.integers(dist[0], dist[1] + 1, size=max(16, total // dist[0]))
        else:
            keys, p = weights(dist)
            draw = np.array(keys, np.int64)[rng.choice(len(keys), size=max(16, total // 2), p=p)]
        parts.append(draw)
        acc += int(draw.sum())
    sizes = np.concatenate(parts)
    cs = np.cumsum(sizes)
    n = int(np.searchsorted(cs, total)) + 1
    sizes = sizes[:n].copy()
    sizes[-1] -= int(cs[n - 1]) - total
    return sizes


def _family_members(rng: np.random.Generator, total: int) -> tuple[People, np.ndarray]:
    """Family households: templates of roles per size, ages and sexes that fit together."""
    model = population_model()
    sizes = _sizes(rng, model["household_size"], total)
    nh = len(sizes)
    full = sizes.copy()
    if nh:
        # the last household was cut short: choose its template by the size it would have had
        keys, p = weights(model["household_size"])
        full[-1] = max(int(full[-1]), int(np.array(keys)[rng.choice(len(keys), p=p)]))
    t_roles: list[np.ndarray] = []
    t_lo: list[float] = []
    t_hi: list[float] = []
    tmpl = np.zeros(nh, np.int64)
    for size, options in sorted(model["templates"].items()):
        first = len(t_roles)
        for opt in options:
            t_roles.append(np.array([_ROLE[c] for c in opt["roles"]], np.int64))
            t_lo.append(float(opt["head"][0]))
            t_hi.append(float(opt["head"][1]))
        w = np.array([float(o["weight"]) for o in options])
        mask = full == int(size)
        tmpl[mask] = first + rng.choice(len(options), size=int(mask.sum()), p=w / w.sum())
    hh_parts, role_parts, pos_parts = [], [], []
    for t, roles in enumerate(t_roles):
        idx = np.flatnonzero(tmpl == t)
        hh_parts.append(np.repeat(idx, len(roles)))
        role_parts.append(np.tile(roles, len(idx)))
        pos_parts.append(np.tile(np.arange(len(roles)), len(idx)))
    hh = np.concatenate(hh_parts) if hh_parts else np.zeros(0, np.int64)
    role = np.concatenate(role_parts) if role_parts else np.zeros(0, np.int64)
    pos = np.concatenate(pos_parts) if pos_parts else np.zeros(0, np.int64)
    order = np.lexsort((pos, hh))[:total]
    hh, role = hh[order], role[order]
    n = len(hh)

    lo, hi = np.array(t_lo), np.array(t_hi)
    head_age = rng.uniform(lo[tmpl], hi[tmpl])
    has_spouse = np.zeros(nh, bool)
    has_spouse[hh[role == S]] = True
    head_male = rng.random(nh) < np.where(has_spouse, 0.72, 0.5)

    age = np.empty(n)
    male = np.empty(n, bool)
    ha = head_age[hh]
    hm = head_male[hh]
    m = role == H
    age[m], male[m] = ha[m], hm[m]
    m = role == S
    age[m] = np.clip(ha[m] + np.where(hm[m], -2.0, 2.0) + rng.normal(0, 3, int(m.sum())), 20, 99)
    male[m] = ~hm[m]
    m = role == C
    gap = 22 + rng.random(int(m.sum())) * np.clip(ha[m] - 22, 0, 12)
    age[m] = np.maximum(ha[m] - gap, 0) + rng.random(int(m.sum())) * 0.99
    male[m] = rng.random(int(m.sum())) < 0.515
    m = role == P
    age[m] = np.minimum(ha[m] + rng.uniform(22, 34, int(m.sum())), 99.5)
    prev_p = np.zeros(n, bool)
    prev_p[1:] = (role[:-1] == P) & (hh[:-1] == hh[1:])
    next_p = np.zeros(n, bool)
    next_p[:-1] = (role[1:] == P) & (hh[1:] == hh[:-1])
    male[m] = np.where(next_p[m], True, np.where(prev_p[m], False, rng.random(int(m.sum())) < 0.35))
    m = role == G
    child_age = np.zeros(nh)
    child_age[hh[role == C]] = age[role == C]
    ca = child_age[hh[m]]
    age[m] = (
        np.maximum(ca - 20 - rng.random(int(m.sum())) * np.clip(ca - 20, 0, 12), 0) + rng.random(int(m.sum())) * 0.99
    )
    male[m] = rng.random(int(m.sum())) < 0.515
    return People(n, np.zeros(n, np.int64), hh, role, age, male), head_male


def _collective_members(rng: np.random.Generator, total: int, first_group: int) -> People:
    model = population_model()
    lo, hi = model["collective_size"]
    sizes = _sizes(rng, (int(lo), int(hi)), total)
    group = first_group + np.repeat(np.arange(len(sizes)), sizes)
    n = len(group)
    return People(
        n, np.ones(n, np.int64), group, np.full(n, -1, np.int64), tri(rng, 18, 24, 55, n), rng.random(n) < 0.55
    )


def _migrant_members(rng: np.random.Generator, total: int) -> People:
    model = population_model()
    sizes = _sizes(rng, model["migrant_group_size"], total)
    ng = len(sizes)
    group = np.repeat(np.arange(ng), sizes)
    pos = np.arange(len(group)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    role = np.select([pos == 0, pos == 1], [H, S], C)
    n = len(group)
    lo, hi = model["migrant_age"]
    with_kids = sizes >= 3
    head_age = np.where(with_kids, tri(rng, 24, 34, 52, ng), tri(rng, lo, model["migrant_age_mode"], hi, ng))
    head_male = rng.random(ng) < np.where(sizes >= 2, 0.7, 0.58)
    ha, hm = head_age[group], head_male[group]
    age = np.empty(n)
    male = np.empty(n, bool)
    m = role == H
    age[m], male[m] = ha[m], hm[m]
    m = role == S
    age[m] = np.clip(ha[m] + np.where(hm[m], -2.0, 2.0) + rng.normal(0, 2.5, int(m.sum())), 18, 70)
    male[m] = ~hm[m]
    m = role == C
    gap = 21 + rng.random(int(m.sum())) * np.clip(ha[m] - 21, 0, 14)
    age[m] = np.maximum(ha[m] - gap, 0) + rng.random(int(m.sum())) * 0.99
    male[m] = rng.random(int(m.sum())) < 0.52
    return People(n, np.full(n, 2, np.int64), group, role, age, male)


def _concat(parts: list[People]) -> People:
    return People(
        sum(p.n for p in parts),
        np.concatenate([p.kind for p in parts]),
        np.concatenate([p.group for p in parts]),
        np.concatenate([p.role for p in parts]),
        np.concatenate([p.age for p in parts]),
        np.concatenate([p.male for p in parts]),
    )


def _place(rng: np.random.Generator, city: City, district: np.ndarray) -> np.ndarray:
    """A community for each place in ``district`` (street by weight, community uniformly)."""
    n = len(district)
    street = np.empty(n, np.int64)
    for di, streets in enumerate(city.district_streets):
        mask = district == di
        w = city.street_weight[streets]
        street[mask] = streets[rng.choice(len(streets), size=int(mask.sum()), p=w / w.sum())]
    starts = np.array([c[0] for c in city.street_communities])
    counts = np.array([len(c) for c in city.street_communities])
    return starts[street] + (rng.random(n) * counts[street]).astype(np.int64)


def _allocate_sequences(state: GenState, keys: np.ndarray) -> np.ndarray:
    """The next free ordinal for every key (region, birth date, sex), in chunk order."""
    if len(keys) == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    uniq, first, counts = np.unique(sk, return_index=True, return_counts=True)
    rank = np.arange(len(sk)) - np.repeat(first, counts)
    pos = np.searchsorted(state.seq_keys, uniq)
    found = np.zeros(len(uniq), bool)
    if len(state.seq_keys):
        found = (pos < len(state.seq_keys)) & (state.seq_keys[np.minimum(pos, len(state.seq_keys) - 1)] == uniq)
    base = np.zeros(len(uniq), np.int64)
    base[found] = state.seq_counts[pos[found]]
    out = np.empty(len(keys), np.int64)
    out[order] = np.repeat(base, counts) + rank
    state.seq_counts[pos[found]] = base[found] + counts[found]
    state.seq_keys = np.insert(state.seq_keys, pos[~found], uniq[~found])
    state.seq_counts = np.insert(state.seq_counts, pos[~found], counts[~found])
    return out


def _id_numbers(
    state: GenState, region: np.ndarray, birth: np.ndarray, male: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Unique GB 11643 numbers; a birth date moves a day when its 499 sequence numbers are used up."""
    birth = birth.copy()
    region_int = region.astype(np.int64)
    k = np.zeros(len(birth), np.int64)
    todo = np.arange(len(birth))
    for _ in range(30):
        keys = (region_int[todo] * 65536 + (birth[todo].astype(np.int64) - _DAY1900)) * 2 + male[todo]
        k[todo] = _allocate_sequences(state, keys)
        over = k[todo] >= 499
        if not over.any():
            break
        todo = todo[over]
        birth[todo] = birth[todo] - np.timedelta64(1, "D")
    else:
        raise SequenceExhausted("too many people share a region code and birth date")
    keys = (region_int * 65536 + (birth.astype(np.int64) - _DAY1900)) * 2 + male
    slot = (k + (keys % 1_000_003) * 7919) % 499
    seq = 2 * slot + np.where(male, 1, 2)
    y, m, d = ymd(birth)
    prefix = region_int * 10**11 + (y * 10000 + m * 100 + d) * 1000 + seq
    total = np.zeros(len(prefix), np.int64)
    rest = prefix.copy()
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for w in reversed(weights):
        total += (rest % 10) * w
        rest //= 10
    checks = np.array(list("10X98765432"))[total % 11].tolist()
    return [f"{p:017d}{c}" for p, c in zip(prefix.tolist(), checks, strict=True)], birth


def _names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray, surname: np.ndarray) -> list[str]:
    names = names_model()
    sn = np.array(list(names["surnames"]), dtype=object)[surname]
    given = np.empty(len(male), dtype=object)
    cohorts = (
        ("before_1970", birth_year < 1970),
        ("1970_1989", (birth_year >= 1970) & (birth_year < 1990)),
        ("after_1990", birth_year >= 1990),
    )
    for cohort, cmask in cohorts:
        for sex, smask in (("M", male), ("F", ~male)):
            mask = cmask & smask
            k = int(mask.sum())
            pool = np.array(names["given"][cohort][sex], dtype=object)
            a = pool[rng.integers(len(pool), size=k)].tolist()
            b = pool[rng.integers(len(pool), size=k)].tolist()
            two = (rng.random(k) < 0.72).tolist()
            given[mask] = [x if (not t or len(x) > 1) else x + y[0] for x, y, t in zip(a, b, two, strict=True)]
    return [s + g for s, g in zip(sn.tolist(), given.tolist(), strict=True)]


def _surnames(rng: np.random.Generator, n: int, local: np.ndarray) -> np.ndarray:
    table = names_model()["surnames"]
    nat = np.array([v[0] for v in table.values()], float)
    zj = np.array([v[1] for v in table.values()], float)
    out = rng.choice(len(nat), size=n, p=nat / nat.sum())
    out[local] = rng.choice(len(zj), size=int(local.sum()), p=zj / zj.sum())
    return out


@cache
def _employers(city_name: str) -> tuple[list[str], np.ndarray]:
    """A fixed pool of employer names for the city (independent of the seed)."""
    parts = population_model()["employer_parts"]
    rng = np.random.default_rng(7)
    forms, fp = weights(parts["form"])
    names: list[str] = list(parts["public"])
    seen = set(names)
    while len(names) < 1500:
        place = parts["place"][rng.integers(len(parts["place"]))]
        place = city_name.removesuffix("市") if place == "杭州" else place
        name = (
            f"{place}{parts['brand'][rng.integers(len(parts['brand']))]}"
            f"{parts['trade'][rng.integers(len(parts['trade']))]}{forms[rng.choice(len(forms), p=fp)]}"
        )
        if name not in seen:
            seen.add(name)
            names.append(name)
    w = 1.0 / (np.arange(len(names)) + 8.0)
    return names, w / w.sum()


def generate_chunk(
    *, city: City, state: GenState, seed: int, index: int, people: int, as_of: dt.date
) -> dict[str, Table]:
    """Generate ``people`` people with their households, addresses, documents and things.

    Deterministic for (city, seed, index, people, as_of) and the state left by earlier chunks.
    """
    rng = np.random.default_rng([seed, index])
    model = population_model()
    today = np.datetime64(as_of, "D")
    dists = city.districts
    nd = len(dists)
    dw = np.array([d.weight for d in dists])
    ms = np.array([d.migrant_share for d in dists])
    migrant_share = float((dw * ms).sum() / dw.sum())
    n_migrants = round(people * migrant_share)
    n_locals = people - n_migrants
    n_collective = round(n_locals * float(model["collective_share"]))

    fam, head_male_fam = _family_members(rng, n_locals - n_collective)
    n_fam_hh = int(fam.group.max()) + 1 if fam.n else 0
    col = _collective_members(rng, n_collective, n_fam_hh)
    n_hh = int(col.group.max()) + 1 if col.n else n_fam_hh
    mig = _migrant_members(rng, n_migrants)
    pp = _concat([fam, col, mig])
    n = pp.n
    local = pp.kind < 2
    is_mig = ~local

    # --- places: households and migrant groups get a district and a community --------------
    local_w = dw * (1 - ms)
    hh_district = rng.choice(nd, size=n_hh, p=local_w / local_w.sum())
    n_groups = int(mig.group.max()) + 1 if mig.n else 0
    group_size = np.bincount(mig.group, minlength=n_groups)
    dorm_group = (group_size == 1) & (rng.random(n_groups) < float(model["migrant_dorm_share"]))
    # dormitories: consecutive dorm singles share one address
    dorm_idx = np.flatnonzero(dorm_group)
    dlo, dhi = model["migrant_dorm_size"]
    dorm_sizes = _sizes(rng, (int(dlo), int(dhi)), len(dorm_idx))
    dorm_of = np.repeat(np.arange(len(dorm_sizes)), dorm_sizes)
    # address list: households, then non-dorm migrant groups, then dormitories
    home_groups = np.flatnonzero(~dorm_group)
    n_addr = n_hh + len(home_groups) + len(dorm_sizes)
    addr_kind = np.concatenate(
        [
            np.zeros(n_fam_hh, np.int64),
            np.ones(n_hh - n_fam_hh, np.int64),
            np.full(len(home_groups), 2, np.int64),
            np.full(len(dorm_sizes), 3, np.int64),
        ]
    )
    mig_w = dw * ms
    addr_district = np.concatenate([hh_district, rng.choice(nd, size=n_addr - n_hh, p=mig_w / mig_w.sum())])
    addr_comm = _place(rng, city, addr_district)
    group_addr = np.empty(n_groups, np.int64)
    group_addr[home_groups] = n_hh + np.arange(len(home_groups))
    group_addr[dorm_idx] = n_hh + len(home_groups) + dorm_of
    # person → address (chunk-local) and district
    person_addr = np.where(local, pp.group, 0)
    person_addr[is_mig] = group_addr[pp.group[is_mig]]
    person_district = addr_district[person_addr]

    # --- ages, birth dates, birthplaces ---------------------------------------------------------
    birth = today - (pp.age * YEAR).astype(np.int64).astype("timedelta64[D]")
    by, _, _ = ymd(birth)
    dcodes = np.array([d.code for d in dists])
    region = np.array([d.id_code for d in dists])[person_district].astype("<U6")
    for di, d in enumerate(dists):
        for former, until in d.former:
            region[(person_district == di) & local & (by < until) & (region == d.id_code)] = former
    settled = local & (pp.age >= 22) & (pp.age < 55) & (rng.random(n) < float(model["settled_share"]))
    settled |= (pp.kind == 1) & (rng.random(n) < 0.6)
    # migrants: one birthplace per group (children registered with their parents), spouses their own
    group_place = _birthplaces(rng, n_groups)
    born_elsewhere = np.flatnonzero(settled)
    region[born_elsewhere] = _birthplaces(rng, len(born_elsewhere))
    mig_idx = np.flatnonzero(is_mig)
    region[mig_idx] = group_place[pp.group[mig_idx]]
    sp = mig_idx[(pp.role[mig_idx] == S) & (rng.random(len(mig_idx)) < 0.5)]
    region[sp] = _birthplaces(rng, len(sp))
    hukou = np.where(local, dcodes[person_district], region)

    person_ids = state.take("person", n)
    id_numbers, birth = _id_numbers(state, region, birth, pp.male)
    by, _, _ = ymd(birth)

    # --- names -----------------------------------------------------------------------------------
    surname = _surnames(rng, n, local)
    fam_idx = np.flatnonzero(pp.kind == 0)
    hh_head_sn = np.zeros(n_hh, np.int64)
    hh_sp_sn = np.full(n_hh, -1, np.int64)
    fam_role = pp.role[fam_idx]
    hh_head_sn[pp.group[fam_idx[fam_role == H]]] = surname[fam_idx[fam_role == H]]
    hh_sp_sn[pp.group[fam_idx[fam_role == S]]] = surname[fam_idx[fam_role == S]]
    head_male_hh = np.zeros(n_hh, bool)
    head_male_hh[: len(head_male_fam)] = head_male_fam
    family_sn = np.where(head_male_hh | (hh_sp_sn < 0), hh_head_sn, hh_sp_sn)
    kids = fam_idx[np.isin(fam_role, (C, G)) & (rng.random(len(fam_idx)) < 0.95)]
    surname[kids] = family_sn[pp.group[kids]]
    fathers = fam_idx[(fam_role == P) & pp.male[fam_idx]]
    surname[fathers] = hh_head_sn[pp.group[fathers]]
    g_head_sn = np.zeros(n_groups, np.int64)
    mh = mig_idx[pp.role[mig_idx] == H]
    g_head_sn[pp.group[mh]] = surname[mh]
    mk = mig_idx[(pp.role[mig_idx] == C) & (rng.random(len(mig_idx)) < 0.9)]
    surname[mk] = g_head_sn[pp.group[mk]]
    names = _names(rng, pp.male, by, surname)

    relation_table = np.array(
        ["户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "集体户成员", ""], dtype=object
    )
    rel = np.full(n, 9, np.int64)
    r = pp.role
    rel[local & (r == H)] = 0
    rel[local & (r == S)] = 1
    rel[local & (r == C)] = np.where(pp.male[local & (r == C)], 2, 3)
    rel[local & (r == P)] = np.where(pp.male[local & (r == P)], 4, 5)
    rel[local & (r == G)] = np.where(pp.male[local & (r == G)], 6, 7)
    rel[pp.kind == 1] = 8
    relation = relation_table[rel].tolist()

    eth_keys, eth_p = weights(model["ethnicity"])
    ethnicity = np.array(eth_keys, dtype=object)[rng.choice(len(eth_keys), size=n, p=eth_p)].tolist()

    # --- education -------------------------------------------------------------------------------
    edu = model["education"]
    completion = np.array([0] + [edu["completion_age"][lv] for lv in LEVELS[1:]], np.int64)
    level = np.zeros(n, np.int64)
    for group_name, gmask in (("local", local), ("migrant", is_mig)):
        for cohort, cmask in (
            ("before_1960", by < 1960),
            ("1960_1979", (by >= 1960) & (by < 1980)),
            ("1980_1994", (by >= 1980) & (by < 1995)),
            ("after_1994", by >= 1995),
        ):
            mask = gmask & cmask
            keys, p = weights(edu[group_name][cohort])
            level[mask] = np.array([LEVELS.index(k) for k in keys])[rng.choice(len(keys), size=int(mask.sum()), p=p)]
    extra = rng.integers(0, 2, n) + np.where(level == 7, rng.integers(0, 4, n), 0)
    grad = date_of(by + completion[level] + extra, 6, 30)
    studying = np.zeros(n, bool)
    for _ in range(len(LEVELS)):
        late = (level > 0) & (grad > today)
        if not late.any():
            break
        studying |= late & (pp.age < 35)
        level[late] = _PREVIOUS[level[late]]
        grad[late] = date_of(by[late] + completion[level[late]], 6, 30)
    grad[level == 0] = np.datetime64("NaT")
    education = np.array(LEVELS, dtype=object)[level].tolist()

    # --- residence registration (migrants), employment, social insurance -------------------------
    since = np.full(n, np.datetime64("NaT"), "datetime64[D]")
    g_since = (
        today
        - (np.minimum(rng.exponential(3.5, n_groups), 25) * YEAR).astype(np.int64).astype("timedelta64[D]")
        - np.timedelta64(7, "D")
    )
    since[mig_idx] = np.maximum(g_since[pp.group[mig_idx]], birth[mig_idx])
    adult16 = add_years(birth, 16)
    since[mig_idx] = np.where(
        (pp.age[mig_idx] >= 16) & (since[mig_idx] < adult16[mig_idx]),
        np.minimum(adult16[mig_idx], today),
        since[mig_idx],
    )

    emp_share = np.where(local, float(model["employment"]["local"]), float(model["employment"]["migrant"]))
    employed = (pp.age >= 18) & (pp.age < 60) & ~studying & (rng.random(n) < emp_share)
    employers, ew = _employers(city.name)
    emp_pick = rng.choice(len(employers), size=n, p=ew)
    employer = [employers[e] if ok else "" for e, ok in zip(emp_pick.tolist(), employed.tolist(), strict=True)]
    start = np.maximum(add_years(birth, 18), np.where(np.isnat(grad), add_years(birth, 18), grad))
    insured = start + (rng.uniform(0, 2.5, n) * YEAR).astype(np.int64).astype("timedelta64[D]")
    # people who started work recently joined somewhere between then and now
    late = insured >= today
    insured[late] = start[late] + (
        rng.random(int(late.sum())) * np.maximum((today - start[late]).astype(np.int64), 1)
    ).astype(np.int64).astype("timedelta64[D]")
    insured = np.where(is_mig & ~np.isnat(since), np.maximum(insured, since), insured)
    insured = np.minimum(insured, today - np.timedelta64(1, "D"))
    insured[~employed] = np.datetime64("NaT")

    # --- phones: unique by construction (a bijection of the person index) ------------------------
    has_phone = np.where(pp.age >= 16, rng.random(n) < 0.97, (pp.age >= 12) & (rng.random(n) < 0.5))
    prefixes = np.array(model["phone_prefixes"], np.int64)
    phone_num = prefixes[rng.integers(len(prefixes), size=n)] * 10**8 + scramble(
        person_ids - 1, 10**8, 73_939_133, (seed * 2_654_435_761 + 31_415_926) % 10**8
    )
    phone = [str(x) if ok else "" for x, ok in zip(phone_num.tolist(), has_phone.tolist(), strict=True)]

    # --- addresses and households -------------------------------------------------------------------
    addr_ids = state.take("address", n_addr)
    hh_ids = state.take("household", n_hh)
    addr_street = city.community_street[addr_comm]
    village = city.community_village[addr_comm]
    road_pick = rng.integers(6, size=n_addr)
    num = rng.integers(1, 400, size=n_addr)
    bld = rng.integers(1, 30, size=n_addr)
    unit = rng.integers(1, 5, size=n_addr)
    floor = rng.integers(1, 33, size=n_addr)
    room = rng.integers(1, 5, size=n_addr)
    vgroup = rng.integers(1, 16, size=n_addr)
    details: list[str] = []
    for k, st, rp, nu, b, u, f, ro, vg, vil in zip(
        addr_kind.tolist(),
        addr_street.tolist(),
        road_pick.tolist(),
        num.tolist(),
        bld.tolist(),
        unit.tolist(),
        floor.tolist(),
        room.tolist(),
        vgroup.tolist(),
        village.tolist(),
        strict=True,
    ):
        road = city.street_roads[st][rp]
        if k == 1:
            details.append(f"{road}{nu}号")
        elif k == 3:
            details.append(f"{road}{nu}号{b}幢宿舍{f}{ro:02d}室")
        elif vil:
            details.append(f"{vg}组{nu}号" if k == 0 else f"{vg}组{nu}号{ro}室")
        else:
            details.append(f"{road}{nu}号{b}幢{u}单元{f}{ro:02d}室")
    district_of_street = city.street_district
    prefix_full = [
        f"{city.province_name}{city.name}{dists[district_of_street[s]].name}{city.street_name[s]}"
        f"{city.community_name[c]}"
        for s, c in zip(addr_street.tolist(), addr_comm.tolist(), strict=True)
    ]
    full = [a + b for a, b in zip(prefix_full, details, strict=True)]
    jitter_km = np.where(village, 0.45, 0.25)
    alat = city.community_lat[addr_comm] + rng.normal(0, 1, n_addr) * jitter_km / KM_PER_DEG_LAT
    alng = city.community_lng[addr_comm] + rng.normal(0, 1, n_addr) * jitter_km / (
        KM_PER_DEG_LAT * np.cos(np.radians(city.community_lat[addr_comm]))
    )
    addr_dcode = dcodes[addr_district]
    address: Table = {
        "id": addr_ids,
        "community_id": [city.community_code[c] for c in addr_comm.tolist()],
        "district_code": addr_dcode.tolist(),
        "detail": details,
        "full": full,
        "lat": np.round(alat, 6),
        "lng": np.round(alng, 6),
    }
    # registered on: when the head turned 18..now (family), any time in 20 years (collective)
    head_age_hh = np.zeros(n_hh)
    heads = fam_idx[fam_role == H]
    head_age_hh[pp.group[heads]] = pp.age[heads]
    head_birth_hh = today - (head_age_hh * YEAR).astype(np.int64).astype("timedelta64[D]")
    reg_years = np.where(np.arange(n_hh) < n_fam_hh, 18 + rng.random(n_hh) * np.maximum(head_age_hh - 18, 0), 0.0)
    registered = np.where(
        np.arange(n_hh) < n_fam_hh,
        head_birth_hh + (reg_years * YEAR).astype(np.int64).astype("timedelta64[D]"),
        today - (rng.random(n_hh) * 20 * YEAR).astype(np.int64).astype("timedelta64[D]"),
    )
    registered = np.minimum(registered, today)
    household: Table = {
        "id": hh_ids,
        "number": [f"{d}{i:08d}" for d, i in zip(dcodes[hh_district].tolist(), hh_ids.tolist(), strict=True)],
        "kind": ["family"] * n_fam_hh + ["collective"] * (n_hh - n_fam_hh),
        "address_id": addr_ids[:n_hh],
        "district_code": dcodes[hh_district].tolist(),
        "registered_on": registered,
    }
    person_hh = np.where(local, hh_ids[np.minimum(pp.group, n_hh - 1)] if n_hh else 0, 0)
    person_res = np.where(is_mig, addr_ids[person_addr], 0)
    person: Table = {
        "id": person_ids,
        "id_number": id_numbers,
        "name": names,
        "gender": np.where(pp.male, "M", "F").tolist(),
        "birth_date": birth,
        "ethnicity": ethnicity,
        "household_id": np.where(local, person_hh, -1),
        "relation": relation,
        "hukou_region": hukou.tolist(),
        "residence_id": np.where(is_mig, person_res, -1),
        "residence_since": since,
        "phone": phone,
        "education": education,
        "graduated_on": grad,
        "employer": employer,
        "insured_since": insured,
    }

    tables = {"address": address, "household": household, "person": person}
    tables.update(
        documents(
            rng, city, state, seed, pp, person_ids, id_numbers, birth, region, local, person_district, since, today
        )
    )
    lic, holders = licences(rng, state, pp, person_ids, birth, today)
    tables["driverlicence"] = lic
    tables.update(vehicles_and_checks(rng, city, state, seed, pp, person_ids, holders, lic, person_district, today))
    tables["dog"] = dogs(rng, state, seed, pp, person_ids, local, today)
    return tables
