"""``tongban cert``: offline verification and key management, without Django or a database.

    tongban cert verify (FILE.pdf | IMAGE | TOKEN) --public-keys DIR [--revocations FILE] [--json]
    tongban cert keygen --dir DIR      create the first key or rotate to a new one
    tongban cert keys --dir DIR        print the public key set

``verify`` exits 0 when the certificate is genuine, 1 for any other verdict, 2 on a usage error
(unreadable key set, a revocation list whose signature fails, no token in the input).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from tongban.certificates.core.extract import NoToken, extract
from tongban.certificates.core.keys import KeyDirectory, KeyMaterialError, KeySet
from tongban.certificates.core.revocation import REASONS, InvalidRevocationList, RevocationList
from tongban.certificates.core.templates import UnknownTemplate, get_template
from tongban.certificates.core.verify import Status, Verification, document_matches, verify
from tongban.common.clock import SHANGHAI

REVOCATIONS_FILE = "revocations.cose"


class UsageError(Exception):
    """Bad arguments or unusable inputs (exit status 2)."""


def _local(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _load_revocations(args: argparse.Namespace, keyset: KeySet) -> RevocationList | None:
    path: Path | None = Path(args.revocations) if args.revocations else None
    keys_path = Path(args.public_keys)
    if path is None and keys_path.is_dir() and (keys_path / REVOCATIONS_FILE).exists():
        path = keys_path / REVOCATIONS_FILE
    if path is None:
        return None
    try:
        return RevocationList.verify_and_load(path.read_bytes(), keyset)
    except (OSError, InvalidRevocationList) as exc:
        raise UsageError(f"revocation list {path}: {exc}") from exc


def run_verify(args: argparse.Namespace, out: TextIO) -> int:
    try:
        keyset = KeySet.load(args.public_keys)
    except (OSError, KeyMaterialError) as exc:
        raise UsageError(f"public keys {args.public_keys}: {exc}") from exc
    revocations = _load_revocations(args, keyset)
    now = dt.datetime.fromisoformat(args.now) if args.now else dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise UsageError("--now needs a timezone, e.g. 2026-11-22T10:00:00+08:00")
    try:
        extracted = extract(args.source)
    except NoToken as exc:
        raise UsageError(str(exc)) from exc
    result = verify(extracted.token, keyset, revocations, now=now)
    document_check = "absent"
    if result.claims is not None:
        if extracted.document is not None:
            document_check = "match" if document_matches(result.claims, extracted.document) else "mismatch"
        elif extracted.document_error:
            document_check = "mismatch"
        if document_check == "mismatch":
            # The signed token is fine but the full facts shipped with it were altered.
            result = Verification(Status.TAMPERED, result.claims, result.kid, detail="document does not match")
    report = _report(result, extracted.source, document_check, extracted.document, revocations, now)
    if args.json:
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_human(report, out)
    return 0 if result.genuine else 1


def _report(
    result: Verification,
    source: str,
    document_check: str,
    document: Any,
    revocations: RevocationList | None,
    now: dt.datetime,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "status": result.status.value,
        "label_zh": result.label_zh,
        "label_en": result.label_en,
        "token_source": source,
        "kid": result.kid,
        "detail": result.detail,
        "document": document_check,
        "revocations": None,
    }
    if revocations is not None:
        report["revocations"] = {
            "this_update": revocations.this_update.isoformat(),
            "next_update": revocations.next_update.isoformat(),
            "stale": revocations.is_stale(now),
            "entries": len(revocations.entries),
        }
    if result.revocation is not None:
        zh, en = REASONS.get(result.revocation.reason, (result.revocation.reason, ""))
        report["revoked"] = {
            "at": result.revocation.revoked_at.isoformat(),
            "reason": result.revocation.reason,
            "reason_zh": zh,
            "reason_en": en,
        }
    claims = result.claims
    if claims is not None:
        try:
            template = get_template(claims.template)
            title_zh, title_en, authority = template.title_zh, template.title_en, template.authority_zh
        except UnknownTemplate:
            title_zh = title_en = authority = ""
        report["certificate"] = {
            "number": claims.number,
            "template": claims.template,
            "title_zh": title_zh,
            "title_en": title_en,
            "issuer": claims.issuer,
            "authority": authority,
            "holder_name": claims.holder_name_masked,
            "holder_id": claims.holder_id_masked,
            "issued_at": claims.issued_at.isoformat(),
            "valid_until": claims.valid_until.isoformat(),
        }
        if document is not None and document_check == "match":
            # What the signature certifies, in full: the verifier compares it with the page, since
            # the visible page text is not what is signed.
            labels = {}
            if title_zh:
                labels = {spec.key: f"{spec.label_zh} {spec.label_en}" for spec in template.facts}
            report["certificate"]["signed_document"] = {
                "holder_name": document.holder_name,
                "holder_id": document.holder_id,
                "facts": [{"key": k, "label": labels.get(k, k), "value": v} for k, v in document.facts.items()],
            }
    return report


def _print_human(report: dict[str, Any], out: TextIO) -> None:
    out.write(f"结果 Result: {report['label_zh']} / {report['label_en']} [{report['status']}]\n")
    cert = report.get("certificate")
    if cert:
        out.write(f"证照 Certificate: {cert['title_zh']} {cert['title_en']} ({cert['template']})\n")
        out.write(f"编号 Number: {cert['number']}\n")
        out.write(f"持证人 Holder: {cert['holder_name']} {cert['holder_id']}\n")
        issued = _local(dt.datetime.fromisoformat(cert["issued_at"]))
        until = _local(dt.datetime.fromisoformat(cert["valid_until"]))
        out.write(f"签发 Issued: {issued} 北京时间 by {cert['authority']} [{cert['issuer']}]\n")
        out.write(f"有效期至 Valid until: {until} 北京时间\n")
        signed = cert.get("signed_document")
        if signed:
            out.write(
                "签名所证明的完整内容（请与纸面/页面核对）/ What the signature certifies (compare with the page):\n"
            )
            out.write(f"  持证人 Holder: {signed['holder_name']} {signed['holder_id']}\n")
            for fact in signed["facts"]:
                out.write(f"  {fact['label']}: {fact['value']}\n")
    if report["kid"]:
        out.write(f"密钥 Key id: {report['kid']}\n")
    if "revoked" in report:
        r = report["revoked"]
        out.write(f"撤销 Revoked: {r['at']} — {r['reason_zh']} / {r['reason_en']}\n")
    documents = {
        "match": "PDF 内嵌的完整内容与签名一致 / the full document in the PDF matches the signature",
        "mismatch": "PDF 内嵌的完整内容与签名不一致 / the full document in the PDF does NOT match",
        "absent": "未核对完整内容（仅核验码）/ token only, full document not checked",
    }
    out.write(f"内容 Document: {documents[report['document']]}\n")
    rev = report["revocations"]
    if rev is None:
        out.write("撤销列表 Revocation list: 未提供，未检查撤销 / none given, revocation not checked\n")
    else:
        stale = "（已过期，请更新 / STALE, download a new one）" if rev["stale"] else ""
        out.write(f"撤销列表 Revocation list: {rev['this_update']}, {rev['entries']} entries{stale}\n")


def run_keygen(args: argparse.Namespace, out: TextIO) -> int:
    directory = KeyDirectory(args.dir)
    signer = directory.rotate(now=dt.datetime.now(dt.UTC))
    out.write(f"new signing key {signer.kid}; public key set: {directory.keyset_path}\n")
    return 0


def run_keys(args: argparse.Namespace, out: TextIO) -> int:
    out.write(KeyDirectory(args.dir).key_set().dumps())
    return 0


def build_parser(prog: str = "tongban cert") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="电子证照离线工具 / certificate tools")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="verify a certificate PDF, a QR image or a token offline")
    v.add_argument("source", help="FILE.pdf, an image of the QR code, or the token text (TB1.…)")
    v.add_argument("--public-keys", required=True, help="directory or file with the JSON key set")
    v.add_argument("--revocations", help=f"signed revocation list (default: DIR/{REVOCATIONS_FILE})")
    v.add_argument("--now", help="check validity at this ISO time instead of now")
    v.add_argument("--json", action="store_true", help="print a JSON report")
    v.set_defaults(func=run_verify)
    k = sub.add_parser("keygen", help="create or rotate the signing key in a key directory")
    k.add_argument("--dir", required=True)
    k.set_defaults(func=run_keygen)
    s = sub.add_parser("keys", help="print the public key set of a key directory")
    s.add_argument("--dir", required=True)
    s.set_defaults(func=run_keys)
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None, prog: str = "tongban cert") -> int:
    """Run the CLI; returns the exit status."""
    out = out or sys.stdout
    args = build_parser(prog).parse_args(argv)
    try:
        status: int = args.func(args, out)
    except UsageError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
