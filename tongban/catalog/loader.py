"""Reading and validating the item files (``catalog/items/*.yaml``).

Each file holds one item. A file that does not parse or does not match ``ItemSpec`` raises
``CatalogFileError`` naming the file and the field, e.g.::

    items/truck_pass.yaml: promised_limit.unit: Input should be 'working_days' or 'working_hours'

Loading never stops at the first bad file: every problem of every file is reported at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tongban.catalog.schemas import ItemSpec

ITEMS_DIR = Path(__file__).resolve().parent / "items"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same result, faster


class CatalogFileError(ValueError):
    """One or more item files are invalid; ``problems`` lists "file: field: message" lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class LoadedItem:
    """A validated item file: the spec, where it came from, and a hash of its content."""

    spec: ItemSpec
    path: str
    digest: str


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # pydantic names union branches after their class; they are noise to a reader.
            if part in ("Compare", "AllOf", "AnyOf", "NotOf") or str(part).startswith("function-"):
                continue
            out += ("." if out else "") + str(part)
    return out or "(item)"


def validation_problems(name: str, exc: ValidationError) -> list[str]:
    """Human lines for a pydantic error, each naming the file and the field path."""
    seen: set[str] = set()
    lines = []
    for err in exc.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        line = f"{name}: {_loc(err['loc'])}: {msg}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def spec_digest(data: dict[str, Any]) -> str:
    """A stable hash of a spec's content (version excluded), to notice edits."""
    body = {k: v for k, v in data.items() if k != "version"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def spec_validate(data: Any, *, name: str = "spec") -> ItemSpec:
    """Validate one item given as a mapping. Raises CatalogFileError naming ``name`` and fields."""
    if not isinstance(data, dict):
        raise CatalogFileError([f"{name}: (item): must be a mapping of fields, not {type(data).__name__}"])
    try:
        return ItemSpec.model_validate(data)
    except ValidationError as exc:
        raise CatalogFileError(validation_problems(name, exc)) from None


def item_file_read(path: Path, *, base: Path = ITEMS_DIR) -> LoadedItem:
    """Read and validate one item file. Raises CatalogFileError."""
    try:
        name = str(path.relative_to(base.parent))
    except ValueError:
        name = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise CatalogFileError([f"{name}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError([f"{name}: (file): cannot read: {exc}"]) from None
    spec = spec_validate(data, name=name)
    if spec.code != path.stem:
        raise CatalogFileError([f"{name}: code: must equal the file name {path.stem!r}, not {spec.code!r}"])
    return LoadedItem(spec=spec, path=name, digest=spec_digest(spec.model_dump(mode="json")))


def item_files_read(directory: Path = ITEMS_DIR) -> list[LoadedItem]:
    """Read every ``*.yaml`` file in ``directory``, sorted by code. Raises CatalogFileError listing
    the problems of every bad file."""
    problems: list[str] = []
    loaded: list[LoadedItem] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            loaded.append(item_file_read(path, base=directory))
        except CatalogFileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CatalogFileError(problems)
    return loaded
