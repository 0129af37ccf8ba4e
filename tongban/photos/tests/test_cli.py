"""``tongban photo check|derive|import`` through Django's call_command."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from tongban.photos.tests.faces import FACES, window_portrait

pytestmark = pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available")

BAD = FACES / "18f_kate_patterned_bg.jpg"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("photo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_check_json_and_exit_status() -> None:
    rep = json.loads(run("check", str(window_portrait()), "--json"))
    assert rep["passed"] is True and rep["face_count"] == 1
    with pytest.raises(CommandError) as err:
        run("check", str(BAD))
    assert err.value.returncode == 1


@pytest.mark.django_db
def test_derive_one_and_all(tmp_path: Path) -> None:
    out = tmp_path / "id.jpg"
    text = run("derive", str(window_portrait()), "--standard", "id_card", "--out", str(out))
    assert "verified" in text
    img = Image.open(out)
    assert img.size == (358, 441) and img.info["dpi"] == (350, 350)
    run("derive", str(window_portrait()), "--all", "--out-dir", str(tmp_path / "all"))
    assert len(list((tmp_path / "all").glob("*.jpg"))) == 6
    with pytest.raises(CommandError, match="unknown standard"):
        run("derive", str(window_portrait()), "--standard", "visa", "--out", str(out))
    with pytest.raises(CommandError):
        run("derive", str(BAD), "--standard", "id_card", "--out", str(tmp_path / "bad.jpg"))
    assert not (tmp_path / "bad.jpg").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # forked workers need commits
@pytest.mark.parametrize("workers", ["1", "2"])
def test_import_is_resumable_and_summarises_failures(tmp_path: Path, workers: str) -> None:
    from tongban.common.ids import make_id_number
    from tongban.photos.models import PhotoCapture

    src = tmp_path / "archive"
    (src / "sub").mkdir(parents=True)
    idn = make_id_number("330106", dt.date(1958, 4, 2), 77)
    shutil.copy(window_portrait(), src / f"{idn}.jpg")
    shutil.copy(BAD, src / "sub" / "unknown-person.jpg")
    (src / "broken.jpg").write_bytes(window_portrait().read_bytes()[:5000])
    (src / "notes.txt").write_text("not a photo")
    text = run("import", str(src), "--workers", workers, "--no-progress")
    assert "3 files, 0 already imported, 3 to go" in text
    assert "imported 3, passed 1, failed 2" in text
    assert "refused: corrupt" in text and "background_uniformity" in text
    good = PhotoCapture.objects.get(id_number=idn)
    assert good.channel == "import" and good.derivatives.count() == 6
    assert PhotoCapture.objects.count() == 3
    again = run("import", str(src), "--workers", workers, "--no-progress")
    assert "3 already imported, 0 to go" in again
    assert PhotoCapture.objects.count() == 3


def test_missing_directory() -> None:
    with pytest.raises(CommandError, match="not a directory"):
        run("import", "/nonexistent/dir")
