"""Administrators edit items here. The specification is edited as YAML (the same shape as the
files under ``catalog/items/``); saving validates it and appends a new version, so cases filed
under an earlier version keep theirs. Versions themselves are read-only."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tongban.catalog.loader import CatalogFileError, spec_validate
from tongban.catalog.models import Item, ItemVersion
from tongban.catalog.schemas import ItemSpec
from tongban.catalog.services import item_create, item_publish_set, item_version_create
from tongban.common.admin import ReadOnlyAdminMixin
from tongban.common.clock import now
from tongban.common.errors import Invalid
from tongban.common.request import viewer


def spec_to_yaml(spec: dict[str, Any]) -> str:
    """A version's spec as readable YAML: Chinese kept as is, fields in the schema's order (a
    PostgreSQL jsonb column returns keys in its own order), empty optional fields left out."""
    body = ItemSpec.model_validate({**spec, "version": 1}).model_dump(
        mode="json", by_alias=True, exclude={"version"}, exclude_none=True
    )
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


class ItemForm(forms.ModelForm):
    spec_yaml = forms.CharField(
        label=_("事项规格（YAML）"),
        widget=forms.Textarea(attrs={"rows": 40, "cols": 110, "style": "font-family: monospace"}),
        help_text=_("与 catalog/items/*.yaml 相同的结构；保存后生成新版本，已受理的办件仍按原版本办理。"),
    )
    note = forms.CharField(label=_("修订说明"), max_length=200, required=False)

    class Meta:
        model = Item
        fields = ["published"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            current = ItemVersion.objects.filter(item=self.instance, version=self.instance.current_version).first()
            if current is not None:
                self.fields["spec_yaml"].initial = spec_to_yaml(current.spec)

    def clean_spec_yaml(self) -> dict[str, Any]:
        text = self.cleaned_data["spec_yaml"]
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise forms.ValidationError(_("不是有效的 YAML：%(error)s"), params={"error": exc}) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("须为字段映射（code: …, name_zh: …）"))
        name = self.instance.code if self.instance.pk else "spec"
        try:
            spec = spec_validate({**data, "version": 1}, name=name)
        except CatalogFileError as exc:
            raise forms.ValidationError(exc.problems) from None
        if self.instance.pk and spec.code != self.instance.code:
            raise forms.ValidationError(_("不能修改事项编码"))
        if not self.instance.pk and Item.objects.filter(code=spec.code).exists():
            raise forms.ValidationError(_("事项编码已存在"))
        return dict(data)


class ItemVersionInline(admin.TabularInline):
    model = ItemVersion
    fields = ("version", "origin", "source_file", "created_at", "created_by", "note", "digest")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-version"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    form = ItemForm
    list_display = ["code", "name_zh", "department", "current_version", "published", "updated_at"]
    list_filter = ["department", "published"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ("code", "name_zh", "name_en", "department", "current_version", "updated_at")
    inlines = [ItemVersionInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["published", "spec_yaml", "note"]
        return ["code", "name_zh", "department", "current_version", "updated_at", "published", "spec_yaml", "note"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Item, form: Any, change: bool) -> None:
        at = now()
        data = form.cleaned_data["spec_yaml"]
        note = form.cleaned_data.get("note", "")
        try:
            if not change:
                item_create(data=data, actor=viewer(request), at=at, note=note)
                created = Item.objects.get(code=data["code"])
                obj.pk, obj.code = created.pk, created.code
                obj._state.adding = False
                return
            before = obj.current_version
            spec = item_version_create(code=obj.code, data=data, actor=viewer(request), at=at, note=note)
            if spec.version != before:
                messages.info(request, _("已生成第 %(v)s 版") % {"v": spec.version})
            published = form.cleaned_data.get("published", obj.published)
            item_publish_set(code=obj.code, published=published, actor=viewer(request), at=at)
        except Invalid as exc:  # raced with another edit; the form already validated the shape
            messages.error(request, exc.message)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The version inline is read-only (no field can change, no row can be added), so saving it
        # writes nothing; it runs only so the admin's change message sees a saved formset.
        super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases point at versions; withdraw an item by unpublishing it


@admin.register(ItemVersion)
class ItemVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["item", "version", "origin", "created_at", "note"]
    list_filter = ["origin"]
    search_fields = ["item__code", "item__name_zh"]
    readonly_fields = [
        "item",
        "version",
        "origin",
        "source_file",
        "created_at",
        "created_by",
        "note",
        "digest",
        "spec_pretty",
    ]
    exclude = ["spec"]

    @admin.display(description=_("规格"))
    def spec_pretty(self, obj: ItemVersion) -> str:
        return spec_to_yaml(obj.spec)
