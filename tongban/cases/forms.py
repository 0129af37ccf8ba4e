"""Page forms: the application form generated from an item's JSON Schema, and action forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def schema_form_class(schema: dict[str, Any]) -> type[forms.Form]:
    """A Django form with one field per property of a ``{"type": "object"}`` JSON Schema.

    Supported: string (enum → choice, format date → date, maxLength), integer and number (minimum,
    maximum), boolean. The schema itself is checked again by the service (jsonschema), so this
    form only shapes the input.
    """
    required = set(schema.get("required", []))
    fields: dict[str, forms.Field] = {}
    for name, prop in (schema.get("properties") or {}).items():
        label = prop.get("title", name)
        req = name in required
        help_text = prop.get("description", "")
        kind = prop.get("type")
        field: forms.Field
        if kind == "string" and "enum" in prop:
            choices = [(v, v) for v in prop["enum"]]
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
            field = forms.IntegerField(
                label=label,
                required=req,
                min_value=prop.get("minimum"),
                max_value=prop.get("maximum"),
                help_text=help_text,
                initial=prop.get("default"),
            )
        elif kind == "number":
            field = forms.FloatField(
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
