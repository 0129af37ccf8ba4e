"""The item files: every shipped file is valid, and bad files are refused with errors that name
the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tongban.catalog.loader import ITEMS_DIR, CatalogFileError, item_files_read

REPO = Path(__file__).resolve().parents[3]

GOOD = """\
code: {code}
name_zh: 测试事项
name_en: Test item
department: zhian
legal_basis: [{{title_zh: 测试依据}}]
channels: [online]
materials: []
legal_limit: {{value: 3, unit: working_days}}
promised_limit: {{value: 1, unit: working_days}}
result: {{kind: notice}}
"""


def write(directory: Path, code: str, text: str) -> Path:
    path = directory / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(directory: Path) -> list[str]:
    """The problem lines, with the directory prefix (``<dir>/``) removed for brevity."""
    with pytest.raises(CatalogFileError) as exc:
        item_files_read(directory)
    prefix = directory.name + "/"
    assert all(line.startswith(prefix) for line in exc.value.problems), exc.value.problems
    return [line.removeprefix(prefix) for line in exc.value.problems]


def test_every_shipped_item_file_is_valid_and_named_after_its_code() -> None:
    loaded = item_files_read()
    assert len(loaded) == len(list(ITEMS_DIR.glob("*.yaml")))
    for li in loaded:
        assert li.path == f"items/{li.spec.code}.yaml"


def test_the_items_the_seeds_require_are_shipped() -> None:
    codes = {li.spec.code for li in item_files_read()}
    assert {
        "id_card_first",
        "id_card_renew",
        "hukou_transfer",
        "graduate_settlement",
        "points_settlement",
        "residence_permit",
        "passport",
        "hk_macao_permit",
        "driver_licence_replace",
        "truck_pass",
        "dog_registration",
        "rental_registration",
        "no_criminal_record",
    } <= codes


def test_a_good_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "t_ok", GOOD.format(code="t_ok"))
    [li] = item_files_read(tmp_path)
    assert li.spec.code == "t_ok"
    assert li.spec.zero_materials is True


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("promised_limit: {value: 1, unit: working_days}", "promised_limit: {value: 1, unit: days}"),
            "t_bad.yaml: promised_limit.unit: Input should be 'working_days' or 'working_hours'",
        ),
        (("name_zh: 测试事项\n", ""), "t_bad.yaml: name_zh: Field required"),
        (("department: zhian", "department: police"), "t_bad.yaml: department: Input should be"),
        (
            ("materials: []", "materials: [{code: m1, name_zh: 材料, name_en: M, source: tax}]"),
            "t_bad.yaml: materials[0].source: Input should be 'hukou'",
        ),
        (
            ("materials: []", "materials: [{code: m1, name_zh: 材料, name_en: M, photo_standard: visa}]"),
            "t_bad.yaml: materials[0].photo_standard: Input should be 'id_card'",
        ),
        (
            ("channels: [online]", "channels: [window]\noutlet_types: [bank]"),
            "t_bad.yaml: outlet_types: Value error, unknown outlet type 'bank'".replace("Value error, ", ""),
        ),
        (
            ("channels: [online]", "channels: [window]"),
            "t_bad.yaml: (item): an item handled at a window or kiosk names its outlet_types",
        ),
        (
            ("result: {kind: notice}", "result: {kind: certificate}"),
            "t_bad.yaml: result: a certificate result names its certificate_template",
        ),
        (
            ("result: {kind: notice}", "result: {kind: certificate, certificate_template: PASSPORT}"),
            "t_bad.yaml: result.certificate_template: Input should be 'NCR'",
        ),
        (
            ("materials: []", "materials: []\ncommitment: {allowed: true}"),
            "t_bad.yaml: commitment: supplement_days is required when the commitment is allowed",
        ),
        (
            ("materials: []", "materials: []\nform_schema: {type: object, properties: {a: {type: integr}}}"),
            "t_bad.yaml: form_schema: not a valid JSON Schema at properties/a/type",
        ),
        (
            (
                "materials: []",
                "materials: []\neligibility: [{code: r1, require: {fact: form.a, op: between, value: 1},"
                " reason_zh: 原因, reason_en: Reason}]",
            ),
            "t_bad.yaml: eligibility[0].require.op: Input should be 'eq'",
        ),
        (
            (
                "materials: []",
                "materials: []\neligibility: [{code: r1, require: {fact: os.system, op: eq, value: 1},"
                " reason_zh: 原因, reason_en: Reason}]",
            ),
            "t_bad.yaml: eligibility[0].require.fact: String should match pattern",
        ),
        (
            (
                "materials: []",
                "materials: []\neligibility: [{code: r1, require: {any: [{fact: age, op: ge}]},"
                " reason_zh: 原因, reason_en: Reason}]",
            ),
            "t_bad.yaml: eligibility[0].require.any[0]: op 'ge' needs a value",
        ),
        (
            ("legal_limit: {value: 3, unit: working_days}", "legal_limit: {value: 3, unit: working_days}\nfee: 3"),
            "t_bad.yaml: fee: Extra inputs are not permitted",
        ),
        (
            ("promised_limit: {value: 1, unit: working_days}", "promised_limit: {value: 9, unit: working_days}"),
            "t_bad.yaml: (item): promised_limit may not exceed legal_limit",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_file_and_field(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    text = GOOD.format(code="t_bad")
    assert old in text
    write(tmp_path, "t_bad", text.replace(old, new))
    lines = problems(tmp_path)
    assert any(line.startswith(expected) for line in lines), lines
    assert all(line.startswith("t_bad.yaml: ") for line in lines)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    write(tmp_path, "t_syntax", "code: t_syntax\nname_zh: [unclosed\n")
    assert problems(tmp_path) == [problems(tmp_path)[0]]
    assert problems(tmp_path)[0].startswith("t_syntax.yaml: line ")


def test_code_must_match_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "t_other", GOOD.format(code="t_named"))
    assert problems(tmp_path) == ["t_other.yaml: code: must equal the file name 't_other', not 't_named'"]


def test_every_bad_file_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "t_a", GOOD.format(code="t_a").replace("department: zhian", "department: x"))
    write(tmp_path, "t_b", GOOD.format(code="t_b").replace("channels: [online]", "channels: []"))
    write(tmp_path, "t_c", GOOD.format(code="t_c"))
    lines = problems(tmp_path)
    assert [line.split(":")[0] for line in lines] == ["t_a.yaml", "t_b.yaml"]
    assert lines[1] == "t_b.yaml: channels: List should have at least 1 item after validation, not 0"


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "t_list", "- a\n- b\n")
    assert problems(tmp_path) == ["t_list.yaml: (item): must be a mapping of fields, not list"]


# --- the vocabularies agree with the modules that own them ---------------------------------------


def test_certificate_template_codes_exist_in_the_certificates_data() -> None:
    from typing import get_args

    from tongban.catalog.schemas import CertificateTemplateCode

    data = yaml.safe_load((REPO / "tongban/certificates/data/templates.yaml").read_text(encoding="utf-8"))
    assert set(get_args(CertificateTemplateCode)) <= {t["code"] for t in data["templates"]}


def test_photo_standard_codes_exist_in_the_photo_standards() -> None:
    from typing import get_args

    from tongban.catalog.schemas import PhotoStandardCode

    data = yaml.safe_load((REPO / "tongban/photos/engine/data/standards.yaml").read_text(encoding="utf-8"))
    assert set(get_args(PhotoStandardCode)) <= {s["code"] for s in data["standards"]}


def test_registry_source_codes_are_the_configured_sources(settings: object) -> None:
    from typing import get_args

    from tongban.catalog.schemas import RegistrySourceCode

    assert set(get_args(RegistrySourceCode)) == set(settings.REGISTRY_SOURCES)  # type: ignore[attr-defined]
