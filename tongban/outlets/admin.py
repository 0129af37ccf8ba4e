"""Administrators maintain outlets here; saving goes through ``outlet_upsert`` (validated, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.common.request import viewer
from tongban.outlets.geo import OpeningHours
from tongban.outlets.models import Outlet
from tongban.outlets.selectors import to_wgs84
from tongban.outlets.services import outlet_upsert


class OutletForm(forms.ModelForm):
    items_text = forms.CharField(
        label=gettext_lazy("可办事项编码（逗号分隔）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    datum = forms.ChoiceField(
        label=gettext_lazy("坐标系"),
        choices=[("wgs84", "WGS-84"), ("gcj02", gettext_lazy("GCJ-02（国内地图拾取）"))],
        initial="wgs84",
    )

    class Meta:
        model = Outlet
        fields = (
            "code",
            "name",
            "kind",
            "region_code",
            "address",
            "phone",
            "lat",
            "lng",
            "hours",
            "extended_hours",
            "home_visit",
            "bookable",
            "active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["items_text"].initial = ", ".join(
                self.instance.items.order_by("item_code").values_list("item_code", flat=True)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lat") is None or data.get("lng") is None:
            raise forms.ValidationError(gettext("请填写坐标"))
        try:
            to_wgs84(lat=data["lat"], lng=data["lng"], datum=data.get("datum", "wgs84"))
            OpeningHours.from_data(data.get("hours") or {})
        except (DomainError, ValueError, AttributeError) as exc:
            raise forms.ValidationError(getattr(exc, "message", str(exc))) from exc
        return data


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    form = OutletForm
    list_display = ("code", "name", "kind", "region_code", "extended_hours", "home_visit", "bookable", "active")
    list_filter = ("kind", "region_code", "extended_hours", "home_visit", "bookable", "active")
    search_fields = ("code", "name", "address")

    def save_model(self, request: HttpRequest, obj: Outlet, form: Any, change: bool) -> None:
        data = form.cleaned_data
        items = [c.strip() for c in data.get("items_text", "").replace("，", ",").split(",") if c.strip()]
        fields = {
            k: data[k]
            for k in (
                "name",
                "kind",
                "region_code",
                "address",
                "phone",
                "extended_hours",
                "home_visit",
                "bookable",
                "active",
            )
        }
        try:
            saved = outlet_upsert(
                code=data["code"],
                lat=data["lat"],
                lng=data["lng"],
                datum=data["datum"],
                hours=data["hours"],
                items=items,
                at=now(),
                actor=viewer(request),
                **fields,
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        obj.pk = saved.pk
