"""Background work of the figures: the incremental refresh."""

from __future__ import annotations

from django_tasks import task

from tongban.common.clock import now


@task()
def figures_refresh_task() -> dict[str, float]:
    """Bring the figures up to date (cron: ``tongban figures-refresh`` every few minutes)."""
    from tongban.insights.services import figures_refresh

    r = figures_refresh(now=now())
    return {"cases": r.cases, "days": r.days, "seconds": round(r.seconds, 3)}
