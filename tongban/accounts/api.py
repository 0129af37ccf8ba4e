"""Account endpoints: who am I."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from tongban.accounts.schemas import MeOut
from tongban.common.masking import mask_id_number, mask_phone

router = Router(tags=["accounts 账户"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    """The caller's own account; ID and phone are shown masked even to their owner on the wire."""
    user = request.user
    return {
        "username": mask_id_number(user.username) if user.id_number else user.username,  # type: ignore[union-attr]
        "role": user.role,  # type: ignore[union-attr]
        "real_name": user.real_name,  # type: ignore[union-attr]
        "id_number": mask_id_number(user.id_number),  # type: ignore[union-attr]
        "phone": mask_phone(user.phone),  # type: ignore[union-attr]
        "outlet": user.outlet.name if user.outlet_id else None,  # type: ignore[union-attr]
        "department": user.department,  # type: ignore[union-attr]
    }
