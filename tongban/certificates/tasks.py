"""Background work: render and store a certificate's PDF after the issuing transaction commits."""

from __future__ import annotations

from django_tasks import task


@task()
def certificate_render(number: str) -> None:
    from tongban.certificates.services import certificate_render as render

    render(number=number)
