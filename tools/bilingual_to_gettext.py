"""Turn "中文 / English" string literals in tongban's Python code into gettext with English in the .po.

    .venv/bin/python tools/bilingual_to_gettext.py [--check] [FILE ...]

A literal (or a run of implicitly concatenated literals, f-strings included) whose text is Chinese,
then `` / ``, then English becomes ``gettext("中文")``; an f-string becomes
``gettext("… %(name)s …") % {"name": expr}``. Each pair is added to
tongban/locale/en/LC_MESSAGES/django.po (msgid the Chinese, msgstr the English) unless the msgid
is already there. ``--check`` lists what would change and exits 1 if anything would (a lint for
new pairs). Re-runnable: a file with no pair is left alone. Then run ``ruff check --fix`` and
``ruff format`` on the changed files, and ``tongban compile-translations``.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "tongban/locale/en/LC_MESSAGES/django.po"
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u303f]")
SKIP = ("/tests/", "/migrations/", "/certificates/core/")


def _split(text: str) -> tuple[str, str] | None:
    """``("中文", "English")`` for a bilingual text, else None. Splits at the last `` / `` whose
    left side has Chinese and whose right side starts with a Latin letter or a placeholder."""
    for m in reversed(list(re.finditer(r" / ", text))):
        left, right = text[: m.start()], text[m.end() :]
        if CJK.search(left) and re.match(r"[A-Za-z{(“\"']", right):
            # the English side may quote data (names), but must not be mostly Chinese
            if len(CJK.findall(right)) * 3 > len(right):
                continue
            return left.rstrip(), right.strip()
    return None


def _pieces(node: ast.expr) -> list[tuple[str, ast.FormattedValue | None]]:
    """Literal text and formatted values, in order."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, None)]
    assert isinstance(node, ast.JoinedStr)
    out: list[tuple[str, ast.FormattedValue | None]] = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            out.append((str(v.value), None))
        else:
            assert isinstance(v, ast.FormattedValue)
            out.append(("", v))
    return out


def _name_for(src: str, used: dict[str, str]) -> str:
    if src in used:
        return used[src]
    base = re.sub(r"[^0-9a-zA-Z_]+", "_", src.split("(")[0].split(".")[-1].split("[")[0]).strip("_").lower() or "value"
    if base[0].isdigit():
        base = "v" + base
    name, n = base, 2
    while name in used.values():
        name, n = f"{base}{n}", n + 1
    used[src] = name
    return name


def _value_src(v: ast.FormattedValue, source: str) -> str:
    expr = ast.get_source_segment(source, v.value) or ast.unparse(v.value)
    if v.conversion == ord("r"):
        expr = f"repr({expr})"
    elif v.conversion == ord("s"):
        expr = f"str({expr})"
    if v.format_spec is not None:
        spec = "".join(str(c.value) for c in v.format_spec.values if isinstance(c, ast.Constant))  # type: ignore[attr-defined]
        expr = f"format({expr}, {spec!r})"
    return expr


def _convert(node: ast.expr, source: str) -> tuple[str, str, str] | None:
    """(replacement code, msgid, msgstr) for a bilingual literal, else None."""
    pieces = _pieces(node)
    # the text with a unique marker per value, to split and then rebuild each side
    marks: list[str] = []
    text = ""
    for lit, val in pieces:
        if val is None:
            text += lit
        else:
            src = _value_src(val, source)
            if src not in marks:
                marks.append(src)
            text += f"\x00{marks.index(src)}\x00"
    pair = _split(text)
    if pair is None:
        return None
    used: dict[str, str] = {}
    in_zh = {int(i) for i in re.findall(r"\x00(\d+)\x00", pair[0])}
    escape = bool(in_zh)

    def side(s: str, zh: bool) -> str:
        s = s.replace("%", "%%") if escape else s
        if not zh:  # a value only the English named (a code, a repr) is dropped: Chinese is the source
            s = re.sub(r"\s*\x00(\d+)\x00", lambda m: m.group(0) if int(m.group(1)) in in_zh else "", s)
        return re.sub(r"\x00(\d+)\x00", lambda m: f"%({_name_for(marks[int(m.group(1))], used)})s", s)

    zh = side(pair[0], True)
    en = side(pair[1], False).rstrip(" :")
    if "\x00" in zh or "\x00" in en:
        return None
    call = f"gettext({json.dumps(zh, ensure_ascii=False)})"
    if used:
        args = ", ".join(f'"{name}": {expr}' for expr, name in used.items())
        call = f"({call} % {{{args}}})"
    return call, zh, en


def _po_entries() -> set[str]:
    ids: set[str] = set()
    for m in re.finditer(
        r'^msgid "((?:[^"\\]|\\.)*)"\n((?:"(?:[^"\\]|\\.)*"\n)*)', PO.read_text(encoding="utf-8"), re.M
    ):
        full = m.group(1) + "".join(re.findall(r'^"((?:[^"\\]|\\.)*)"$', m.group(2), re.M))
        ids.add(full.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8"))
    return ids


def _po_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _has_gettext_import(tree: ast.Module) -> bool:
    return any(
        isinstance(n, ast.ImportFrom)
        and n.module == "django.utils.translation"
        and any(a.name == "gettext" and a.asname is None for a in n.names)
        for n in tree.body
    )


def convert_file(path: Path) -> list[tuple[str, str]]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    targets: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            targets.append(node)
    # skip values nested inside an f-string (they are handled with it) and docstrings
    inner = {id(v) for n in targets if isinstance(n, ast.JoinedStr) for v in ast.walk(n) if v is not n}
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    pairs: list[tuple[str, str]] = []
    for node in targets:
        if id(node) in inner or node.end_lineno is None or node.end_col_offset is None:
            continue
        done = _convert(node, source)
        if done is None:
            continue
        call, zh, en = done
        start = offsets[node.lineno - 1] + len(lines[node.lineno - 1].encode()[: node.col_offset].decode())
        end = offsets[node.end_lineno - 1] + len(lines[node.end_lineno - 1].encode()[: node.end_col_offset].decode())
        edits.append((start, end, call))
        pairs.append((zh, en))
    if not edits:
        return []
    for start, end, call in sorted(edits, reverse=True):
        source = source[:start] + call + source[end:]
    if not _has_gettext_import(tree):
        # after the __future__ import (or the module docstring), before other imports
        m = re.search(r"^from __future__ import annotations\n", source, re.M)
        at = m.end() if m else 0
        source = source[:at] + "\nfrom django.utils.translation import gettext\n" + source[at:]
    ast.parse(source)
    path.write_text(source, encoding="utf-8")
    return pairs


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files = [Path(a) for a in argv if not a.startswith("--")] or sorted((ROOT / "tongban").rglob("*.py"))
    files = [f for f in files if not any(s in str(f) for s in SKIP)]
    known = _po_entries()
    new: list[tuple[str, str]] = []
    changed = []
    for f in files:
        if check:
            tree = ast.parse(f.read_text(encoding="utf-8"))
            hits = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and _split(n.value)
            ]
            if hits:
                changed.append(f)
                for n in hits:
                    print(f"{f}:{n.lineno}: {n.value!r}")
            continue
        pairs = convert_file(f)
        if pairs:
            changed.append(f)
            for zh, en in pairs:
                if zh not in known:
                    known.add(zh)
                    new.append((zh, en))
    if new:
        flags = lambda s: "#, python-format\n" if "%(" in s else ""  # noqa: E731
        with PO.open("a", encoding="utf-8") as fh:
            for zh, en in new:
                fh.write(f"\n{flags(zh)}msgid {_po_quote(zh)}\nmsgstr {_po_quote(en)}\n")
    for f in changed:
        print(f)
    return 1 if (check and changed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
