"""Background work of the photo library."""

from __future__ import annotations

from django_tasks import task

from tongban.common.clock import now


@task()
def photo_derive_task(capture_id: int) -> int:
    """Derive every standard for a capture (enqueued after the capture commits)."""
    from tongban.photos.services import photo_derive

    return len(photo_derive(capture_id=capture_id, at=now()))
