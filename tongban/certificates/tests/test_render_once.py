"""A certificate's PDF is one object however often it is rendered: a worker killed after storing
the file but before recording it, then run again, writes the same object, not a second one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from tongban.certificates.models import Certificate
from tongban.certificates.selectors import certificate_pdf_name
from tongban.certificates.services import certificate_issue, certificate_render
from tongban.storage.models import StoredFile

from .conftest import SAMPLE_FACTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # render by hand
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tongban.storage.backends.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


def _pdfs(media: Path) -> list[str]:
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*.pdf"))


def test_a_render_repeated_after_a_crash_leaves_one_object(personas: Any, now: dt.datetime, media: Path) -> None:
    citizen = personas.citizen
    certificate = certificate_issue(
        template="NCR",
        holder_id_number=citizen.id_number,
        holder_name=citizen.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number="HZ-2026-000042",
        issued_at=now,
    )
    name = certificate_pdf_name(certificate)
    # The first render stored its file and died before the row said so.
    storages["default"].save(name, ContentFile(b"%PDF- a render killed before it recorded the file"))
    assert not Certificate.objects.get(pk=certificate.pk).pdf

    certificate_render(number=certificate.number)
    certificate_render(number=certificate.number)  # delivered twice: finds the PDF on file

    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.pdf.name == name == f"certificates/2026/03/{certificate.number}.pdf"
    assert _pdfs(media) == [name]
    with stored.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF") and b"killed" not in data
    assert list(StoredFile.objects.values_list("name", flat=True)) == [name]
