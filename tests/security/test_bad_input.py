"""Finding 6 of issue 16: bad input is a clear 4xx (problem+json in the API), never a server error.

The probe's cases are reproduced one by one, then generalised over every JSON-body operation of
the OpenAPI document, so an endpoint added later is covered too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tongban.common.params import MAX_PAGE, NotDigits, ascii_digits, page_number

BIG = 2**63  # one past the largest bigint
PROBLEM = "application/problem+json"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    from tongban.config.api import api

    doc = api.get_openapi_schema()
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


JSON_BODY_OPERATIONS = [
    pytest.param(method, path, id=f"{method.upper()} {path}")
    for path, method, op in _operations()
    if "application/json" in op.get("requestBody", {}).get("content", {})
]


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.content[:300]
    assert r["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(r.content)
    assert body["status"] == status
    return body


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/cases/queue"])
def test_a_page_past_any_column_is_refused_by_the_api(api: Any, personas: Any, url: str) -> None:
    client = api(personas.approvers["huzheng"])
    body = _problem(client.get(f"{url}?page={BIG}"), 422)
    assert body["errors"][0]["loc"][-1] == "page"
    _problem(client.get(f"{url}?page={MAX_PAGE + 1}"), 422)
    _problem(client.get(f"{url}?page=١٢"), 422)  # Arabic-Indic digits are not a page number
    assert client.get(f"{url}?page=１").status_code == 200  # full-width digits normalise (NFKC)


@pytest.mark.parametrize("url", ["/cases/mine/", "/cases/queue/"])
def test_a_page_past_any_column_shows_the_first_page(api: Any, personas: Any, url: str) -> None:
    user = personas.citizen if "mine" in url else personas.approvers["huzheng"]
    r = api(user).get(f"{url}?page={BIG}")
    assert r.status_code == 200
    assert "第 1 页" in r.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/appointments/", "/api/v1/appointments/A1/reschedule"])
def test_a_slot_id_past_any_column_is_refused(api: Any, personas: Any, url: str) -> None:
    r = api(personas.citizen).post(url, {"slot_id": BIG, "item_code": "x"}, content_type="application/json")
    body = _problem(r, 422)
    assert body["errors"][0]["loc"][-1] == "slot_id"


@pytest.mark.parametrize(("method", "path"), JSON_BODY_OPERATIONS)
def test_a_lone_surrogate_in_json_is_a_400(api: Any, personas: Any, method: str, path: str) -> None:
    raw = b'{"\\udc80": "\\udc80", "item_code": "\\udc80", "slot_id": 1, "form": {"a": "\\udc80"}}'
    client = api(personas.admin)
    r = client.generic(method.upper(), _filled(path), raw, content_type="application/json")
    assert _problem(r, 400)["code"] == "bad_text"
    nul = b'{"item_code": "a\\u0000", "id_number": "a\\u0000"}'
    r = client.generic(method.upper(), _filled(path), nul, content_type="application/json")
    assert _problem(r, 400)["code"] == "bad_text"


OTHER_TYPES = ["multipart/form-data; boundary=x", "text/plain", "application/x-www-form-urlencoded"]


@pytest.mark.parametrize(("method", "path"), JSON_BODY_OPERATIONS)
@pytest.mark.parametrize("ctype", OTHER_TYPES)
def test_a_json_body_under_another_content_type_is_a_415(
    api: Any, personas: Any, method: str, path: str, ctype: str
) -> None:
    client = api(personas.admin)
    r = client.generic(method.upper(), _filled(path), b'{"item_code": "a", "slot_id": 1}', content_type=ctype)
    assert _problem(r, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(("method", "path"), JSON_BODY_OPERATIONS)
@pytest.mark.parametrize("raw", [b'{"a":', b"\xff\xfe", b'{"a": NaN}', b"[" * 100_000])
def test_undecodable_json_is_a_400(api: Any, personas: Any, method: str, path: str, raw: bytes) -> None:
    r = api(personas.admin).generic(method.upper(), _filled(path), raw, content_type="application/json")
    assert _problem(r, 400)["code"] == "bad_json"


def test_a_malformed_multipart_upload_is_a_problem(api: Any, personas: Any) -> None:
    r = api(personas.citizen).post("/api/v1/photos/captures", b"{}", content_type="multipart/form-data")
    assert _problem(r, 400)["code"] == "bad_multipart"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases/preview?item_code=%00",
        "/api/v1/appointments/slots?outlet=%00&item=x",
        "/api/v1/outlets/%00",
        "/api/v1/catalog/items?q=a%00",
    ],
)
def test_a_nul_in_the_query_or_path_is_a_400(api: Any, personas: Any, url: str) -> None:
    assert _problem(api(personas.citizen).get(url), 400)["code"] == "bad_text"


def test_a_nul_on_a_page_is_a_plain_400(api: Any, personas: Any) -> None:
    r = api(personas.citizen).get("/catalog/?q=%00")
    assert r.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/outlets/nearest?lat=30&lng=120&k={BIG}",
        f"/api/v1/photos/captures/{BIG}",
        f"/api/v1/catalog/items/passport_first?version={BIG}",
        "/api/v1/appointments/slots?outlet=x&item=y&days=0",
    ],
)
def test_other_numbers_are_bounded(api: Any, personas: Any, url: str) -> None:
    _problem(api(personas.citizen).get(url), 422)


def test_every_integer_input_of_the_api_has_bounds() -> None:
    """A new integer parameter or body field without ``PageNumber``/``RowId``/``Count`` (or its own
    ``ge``/``le``) fails here."""
    from tongban.config.api import api

    doc = api.get_openapi_schema()
    components = doc.get("components", {}).get("schemas", {})
    unbounded: list[str] = []

    def walk(schema: dict[str, Any], where: str, seen: frozenset[str] = frozenset()) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], f"{where}<{name}>", seen | {name})
            return
        if schema.get("type") == "integer" and ("maximum" not in schema or "minimum" not in schema):
            unbounded.append(where)
        for key in ("anyOf", "oneOf", "allOf"):
            for i, sub in enumerate(schema.get(key, [])):
                walk(sub, f"{where}|{i}", seen)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}", seen)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], f"{where}{{}}", seen)

    for path, method, op in _operations():
        for p in op.get("parameters", []):
            walk(p.get("schema", {}), f"{method} {path} {p['name']}")
        for ctype, content in op.get("requestBody", {}).get("content", {}).items():
            walk(content.get("schema", {}), f"{method} {path} body({ctype})")
    assert unbounded == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", "12"), (" ０７ ", "07"), ("١٢", None), ("１٢", None), ("12a", None), ("", None), ("-1", None), ("²", "2")],
)
def test_ascii_digits_after_nfkc(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(NotDigits):
            ascii_digits(text)
    else:
        assert ascii_digits(text) == expected


def test_page_number_bounds() -> None:
    assert page_number(None) == 1
    assert page_number("3") == 3
    for bad in (str(BIG), "0", str(MAX_PAGE + 1), "٣"):
        with pytest.raises(NotDigits):
            page_number(bad)


PERSONAL_NAMES = re.compile(r"id_?number|phone|mobile|id_?card|name$", re.IGNORECASE)


def test_no_operation_takes_personal_data_in_its_url() -> None:
    """Issue 16 finding 9 / G15: an ID number or phone never travels in a URL (access logs,
    browser history, Referer); such inputs are body fields (``POST /api/v1/cases/preview``)."""
    in_url = [
        f"{method.upper()} {path} {p['name']}"
        for path, method, op in _operations()
        for p in op.get("parameters", [])
        if p["in"] in ("query", "path") and PERSONAL_NAMES.search(p["name"])
    ]
    assert in_url == []


def test_staff_preview_by_post_keeps_the_id_number_out_of_the_url(api: Any, personas: Any) -> None:
    client = api(personas.clerk)
    idn = personas.citizen.id_number
    r = client.post(
        "/api/v1/cases/preview", {"item_code": "no_such", "id_number": idn}, content_type="application/json"
    )
    assert r.status_code == 404 and r.json()["code"] == "item_not_found"  # the person was found: only the item is not
    r = client.get("/api/v1/cases/preview", {"item_code": "no_such", "id_number": idn})
    assert r.status_code == 404 and r.json()["code"] == "not_found"  # GET never reads an ID number


@pytest.mark.parametrize(("method", "path"), JSON_BODY_OPERATIONS)
def test_a_json_array_for_an_object_body_is_refused(api: Any, personas: Any, method: str, path: str) -> None:
    r = api(personas.admin).generic(method.upper(), _filled(path), b"[null, {}, []]", content_type="application/json")
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:300])


def test_an_array_is_not_an_eligibility_question(api: Any, personas: Any) -> None:
    # every field of the eligibility body has a default: ninja would read a list as "all left out"
    url = "/api/v1/catalog/items/no_criminal_record/eligibility"
    ok = api(personas.citizen).post(url, {}, content_type="application/json")
    assert ok.status_code == 200, ok.content[:300]
    r = api(personas.citizen).post(url, b"[null, {}]", content_type="application/json")
    assert r.status_code == 422, r.content[:300]
