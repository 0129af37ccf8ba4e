"""Page forms: the application form generated from an item's JSON Schema, and action forms."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.common.params import MAX_ROW_ID

_INTEGER = re.compile(r"-?[0-9]{1,19}")
_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")


def _ascii_number(value: Any, pattern: re.Pattern[str]) -> Any:
    # Django's number fields accept any script's digits ("١٢" is 12): normalise (NFKC: full-width
    # "１２" is 12) and then require ASCII digits, so a number has one spelling (issue 16).
    if not isinstance(value, str) or value.strip() == "":
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    if not pattern.fullmatch(text):
        raise forms.ValidationError(_("请输入数字（0–9）"), code="invalid")
    return text


class AsciiIntegerField(forms.IntegerField):
    """An integer typed with the digits 0–9 (after NFKC), within a 64-bit column."""

    def to_python(self, value: Any) -> int | None:
        return super().to_python(_ascii_number(value, _INTEGER))


class AsciiFloatField(forms.FloatField):
    """A decimal number typed with the digits 0–9 (after NFKC)."""

    def to_python(self, value: Any) -> Any:  # float | None (the stubs type FloatField as IntegerField's)
        return super().to_python(_ascii_number(value, _NUMBER))


def schema_form_class(schema: dict[str, Any]) -> type[forms.Form]:
    """A Django form with one field per property of a ``{"type": "object"}`` JSON Schema.

    Labels are in the active language (``tongban.catalog.words``). Supported: string (enum →
    choice labelled from ``x-labels``, format date → date, maxLength), integer and number (minimum,
    maximum), boolean. The schema itself is checked again by the service (jsonschema), so this
    form only shapes the input.
    """
    from tongban.catalog.words import choice_label, field_title

    required = set(schema.get("required", []))
    fields: dict[str, forms.Field] = {}
    for name, prop in (schema.get("properties") or {}).items():
        label = field_title(prop, name)
        req = name in required
        help_text = prop.get("description", "")
        kind = prop.get("type")
        field: forms.Field
        if kind == "string" and "enum" in prop:
            choices = [(v, choice_label(prop, v)) for v in prop["enum"]]
            field = forms.ChoiceField(
                label=label, required=req, choices=([("", "—")] if not req else []) + choices, help_text=help_text
            )
        elif kind == "string" and prop.get("format") == "date":
            field = forms.DateField(
                label=label, required=req, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
            )
        elif kind == "string":
            field = forms.CharField(label=label, required=req, max_length=prop.get("maxLength"), help_text=help_text)
        elif kind == "integer":
            field = AsciiIntegerField(
                label=label,
                required=req,
                min_value=prop.get("minimum", -MAX_ROW_ID),
                max_value=prop.get("maximum", MAX_ROW_ID),
                help_text=help_text,
                initial=prop.get("default"),
            )
        elif kind == "number":
            field = AsciiFloatField(
                label=label,
                required=req,
                min_value=prop.get("minimum"),
                max_value=prop.get("maximum"),
                help_text=help_text,
            )
        elif kind == "boolean":
            field = forms.BooleanField(label=label, required=False, help_text=help_text)
        else:
            continue  # nested objects and arrays are not asked on a page; the API takes them
        fields[name] = field
    return type("ItemForm", (forms.Form,), fields)


def form_data(form: forms.Form) -> dict[str, Any]:
    """The cleaned values as JSON (dates as ISO strings), leaving out empty optional fields."""
    out: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if value in (None, ""):
            continue
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


class ActForm(forms.Form):
    """A move from a case page: the target status and, where needed, a reason."""

    to = forms.CharField(max_length=24)
    reason = forms.CharField(label=_("理由"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    commitment = forms.BooleanField(required=False)
