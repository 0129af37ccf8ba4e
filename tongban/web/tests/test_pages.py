import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_home_is_chinese_by_default_and_switches_to_english() -> None:
    client = Client()
    home = client.get("/")
    html = home.content.decode()
    assert home.status_code == 200 and 'lang="zh-CN"' in html and "一窗通办" in html
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    english = client.get("/").content.decode()
    assert 'lang="en"' in english and "Log in" in english


@pytest.mark.django_db
def test_openapi_docs_are_served() -> None:
    client = Client()
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"].startswith("tongban")
    assert "/api/v1/registry/persons/lookup" in schema["paths"]


@pytest.mark.django_db
def test_health_and_bare_endpoints() -> None:
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    assert client.get("/bench/bare").json() == {"ok": True}


def test_each_role_reaches_its_pages_from_home(personas, api) -> None:
    citizen_home = api(personas.citizen).get("/").content.decode()
    assert "/registry/me/" in citizen_home and "/workbench/" not in citizen_home
    clerk_home = api(personas.clerk).get("/").content.decode()
    assert "/workbench/" in clerk_home and "/registry/me/" not in clerk_home
    admin_home = api(personas.admin).get("/").content.decode()
    assert "/admin/" in admin_home


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "brand"), [("zh-hans", "通办 <small>tongban</small>"), ("en", ">tongban</a>")])
def test_the_header_brand_names_the_product_once_per_language(lang: str, brand: str) -> None:
    client = Client()
    client.cookies["django_language"] = lang
    body = client.get(reverse("web:home")).content.decode()
    assert brand in body
    assert "tongban <small>tongban</small>" not in body


def test_the_workbench_lookup_says_it_is_working(personas, api) -> None:
    """The look-up takes a moment: while it runs, its button is disabled (no second request) and a
    note says what is being read."""
    page = api(personas.clerk).get("/workbench/").content.decode()
    form = page.split('hx-post="/workbench/"')[1].split("</form>")[0]
    assert 'hx-disabled-elt="find button"' in form
    assert 'class="htmx-indicator muted" role="status">正在读取人口信息和证照数据…' in form
