"""A base for API output schemas that the views fill with plain dicts.

ninja's ``Schema`` validates every field through its attribute getter (``DjangoGetter``), which
reads ORM objects and resolvers; for a dict that costs several times pydantic's own validation
(a submission's response: about a tenth of its CPU). Outputs built as dicts use ``DictOut``:
pydantic validates them natively, and the OpenAPI document is the same.
"""

from __future__ import annotations

from pydantic import BaseModel


class DictOut(BaseModel):
    """An output schema validated from a plain dict (or a pydantic model), not from ORM objects."""


class ObjectIn(BaseModel):
    """A JSON-body input schema whose fields all have defaults. ninja's ``Schema`` reads fields
    from any object by attribute, so an array or a number would pass as "every field left out";
    a plain pydantic model takes only a JSON object (422 otherwise)."""
