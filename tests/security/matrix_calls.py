"""What the access matrix sends to each endpoint: one request per URL name (pages) and per
operation id (API), aimed at citizen A's objects (``{case_a}`` ... are filled from the world)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: Any = None  # a JSON body
    form: dict[str, Any] = field(default_factory=dict)  # a form body (pages)


API: dict[str, Call] = {
    "tongban_web_api_health": Call("GET", "/api/v1/health"),
    "tongban_web_auditlog_api_entries": Call("GET", "/api/v1/audit/entries?action=case.read"),
    "tongban_accounts_api_me": Call("GET", "/api/v1/accounts/me"),
    "tongban_registry_api_my_record": Call("GET", "/api/v1/registry/me"),
    "tongban_registry_api_lookup": Call("POST", "/api/v1/registry/persons/lookup", {"id_number": "{id_a}"}),
    "tongban_registry_api_reveal": Call(
        "POST",
        "/api/v1/registry/persons/reveal",
        {
            "id_number": "{id_a}",
            "field": "phone",
            "reason_code": "contact_applicant",
            "reason": "核对联系方式以便通知补正材料",
        },
    ),
    "tongban_catalog_api_list_items": Call("GET", "/api/v1/catalog/items"),
    "tongban_catalog_api_figures": Call("GET", "/api/v1/catalog/figures"),
    "tongban_catalog_api_get_item": Call("GET", "/api/v1/catalog/items/{item}"),
    "tongban_catalog_api_edit_item": Call("PUT", "/api/v1/catalog/items/{item}", {"spec": {}}),
    "tongban_catalog_api_get_versions": Call("GET", "/api/v1/catalog/items/{item}/versions"),
    "tongban_catalog_api_check_eligibility": Call(
        "POST", "/api/v1/catalog/items/{item}/eligibility", {"photo_standard": None}
    ),
    "tongban_cases_api_submit": Call("POST", "/api/v1/cases/", {"item_code": "{item}", "form": {}}),
    "tongban_cases_api_mine": Call("GET", "/api/v1/cases/"),
    "tongban_cases_api_queue": Call("GET", "/api/v1/cases/queue"),
    "tongban_cases_api_preview": Call("GET", "/api/v1/cases/preview?item_code={item}"),
    "tongban_cases_api_preview_for": Call(
        "POST", "/api/v1/cases/preview", {"item_code": "{item}", "id_number": "{id_a}"}
    ),
    "tongban_cases_api_flag_counts": Call("GET", "/api/v1/cases/flags"),
    "tongban_cases_api_bulk": Call("POST", "/api/v1/cases/bulk", {"numbers": ["{case_a}"], "to": "in_review"}),
    "tongban_cases_api_detail": Call("GET", "/api/v1/cases/{case_a}"),
    "tongban_cases_api_accept": Call("POST", "/api/v1/cases/{case_b}/accept", {"commitment": False}),
    "tongban_cases_api_transition": Call("POST", "/api/v1/cases/{case_a}/transitions", {"to": "withdrawn"}),
    "tongban_cases_api_material": Call("POST", "/api/v1/cases/{case_a}/materials", {"code": "paper"}),
    "tongban_photos_api_list_standards": Call("GET", "/api/v1/photos/standards"),
    "tongban_photos_api_create_capture": Call("POST", "/api/v1/photos/captures", form={"channel": ""}),
    "tongban_photos_api_get_capture": Call("GET", "/api/v1/photos/captures/{capture}"),
    "tongban_photos_api_get_derivative_for_standard": Call(
        "GET", "/api/v1/photos/captures/{capture}/derivatives/{standard}"
    ),
    "tongban_photos_api_get_derivative": Call("GET", "/api/v1/photos/derivatives/{derivative}"),
    "tongban_photos_api_my_offer": Call("GET", "/api/v1/photos/offers/{standard}"),
    "tongban_photos_api_record_use": Call(
        "POST", "/api/v1/photos/derivatives/{derivative}/uses", {"case_number": "{case_a}"}
    ),
    "tongban_certificates_api_verify_post": Call("POST", "/api/v1/certificates/verify", {"token": "TB1.x"}),
    "tongban_certificates_api_verify_get": Call("GET", "/api/v1/certificates/verify?t=TB1.x"),
    "tongban_certificates_api_keys": Call("GET", "/api/v1/certificates/keys.json"),
    "tongban_certificates_api_revocations": Call("GET", "/api/v1/certificates/revocations.cose"),
    "tongban_certificates_api_mine": Call("GET", "/api/v1/certificates/mine"),
    "tongban_certificates_api_detail": Call("GET", "/api/v1/certificates/{cert_a}"),
    "tongban_certificates_api_pdf": Call("GET", "/api/v1/certificates/{cert_a}/pdf"),
    "tongban_certificates_api_revoke": Call(
        "POST", "/api/v1/certificates/{cert_a}/revoke", {"reason": "issued_in_error", "note": "矩阵测试"}
    ),
    "tongban_outlets_api_nearest": Call("GET", "/api/v1/outlets/nearest?lat=30.28&lng=120.12"),
    "tongban_outlets_api_outlets": Call("GET", "/api/v1/outlets/"),
    "tongban_outlets_api_coverage": Call("GET", "/api/v1/outlets/coverage"),
    "tongban_outlets_api_outlet_detail": Call("GET", "/api/v1/outlets/{outlet_x}"),
    "tongban_appointments_api_slots": Call("GET", "/api/v1/appointments/slots?outlet=T-PS-BOOK&item={book_item}"),
    "tongban_appointments_api_book": Call(
        "POST", "/api/v1/appointments/", {"slot_id": "{slot_2}", "item_code": "{book_item}"}
    ),
    "tongban_appointments_api_mine": Call("GET", "/api/v1/appointments/mine"),
    "tongban_appointments_api_cancel": Call("POST", "/api/v1/appointments/{appt_a}/cancel"),
    "tongban_appointments_api_reschedule": Call(
        "POST", "/api/v1/appointments/{appt_a}/reschedule", {"slot_id": "{slot_2}"}
    ),
    "tongban_appointments_api_check_in": Call("POST", "/api/v1/appointments/{appt_a}/check-in"),
    "tongban_appointments_api_sessions": Call("GET", "/api/v1/appointments/sessions?outlet=T-PS-BOOK&item={book_item}"),
    "tongban_appointments_api_visit_request": Call(
        "POST",
        "/api/v1/appointments/home-visits",
        {
            "item_code": "t_doc",
            "outlet_code": "{outlet_x}",
            "address": "测试地址2号",
            "phone": "13800000456",
            "reason": "行动不便",
        },
    ),
    "tongban_appointments_api_visit_list": Call("GET", "/api/v1/appointments/home-visits"),
    "tongban_appointments_api_visit_schedule": Call(
        "POST", "/api/v1/appointments/home-visits/{visit_a}/schedule", {"visit_at": "2030-04-02T10:00:00+08:00"}
    ),
    "tongban_appointments_api_visit_close": Call(
        "POST", "/api/v1/appointments/home-visits/{visit_a}/close", {"done": False, "note": "矩阵"}
    ),
    "tongban_accounts_api_tokens": Call("GET", "/api/v1/accounts/tokens"),
    "tongban_accounts_api_token_create": Call("POST", "/api/v1/accounts/tokens", {"name": "矩阵", "days": 30}),
    "tongban_accounts_api_token_revoke": Call("DELETE", "/api/v1/accounts/tokens/{token_a}"),
    "tongban_notifications_api_inbox": Call("GET", "/api/v1/notifications/"),
    "tongban_notifications_api_unread": Call("GET", "/api/v1/notifications/unread"),
    "tongban_notifications_api_read": Call("POST", "/api/v1/notifications/{message_a}/read"),
    "tongban_notifications_api_read_all": Call("POST", "/api/v1/notifications/read-all"),
    "tongban_feedback_api_rate": Call("POST", "/api/v1/feedback/ratings", {"case_number": "{case_a}", "level": 5}),
    "tongban_feedback_api_mine": Call("GET", "/api/v1/feedback/ratings/mine"),
    "tongban_feedback_api_handover": Call("POST", "/api/v1/feedback/handover", {"case_number": "{case_a}"}),
    "tongban_feedback_api_handed": Call("POST", "/api/v1/feedback/handed", {"token": "x", "level": 5}),
    "tongban_feedback_api_followups": Call("GET", "/api/v1/feedback/followups"),
    "tongban_feedback_api_step": Call(
        "POST", "/api/v1/feedback/followups/{followup}/steps", {"step": "contact", "note": "矩阵"}
    ),
    "tongban_feedback_api_appeal": Call("POST", "/api/v1/feedback/ratings/{rating}/appeal", {"reason": "矩阵"}),
    "tongban_feedback_api_decide": Call(
        "POST", "/api/v1/feedback/ratings/{rating}/appeal/decision", {"uphold": False, "note": "矩阵"}
    ),
    "tongban_insights_api_figures": Call("GET", "/api/v1/insights/figures"),
    "tongban_insights_api_promise": Call("GET", "/api/v1/insights/promise/{item}"),
    "tongban_enterprises_api_mine": Call("GET", "/api/v1/enterprises/mine"),
    "tongban_enterprises_api_detail": Call("GET", "/api/v1/enterprises/e/{uscc_a}"),
    "tongban_enterprises_api_member_add": Call(
        "POST", "/api/v1/enterprises/e/{uscc_a}/members", {"id_number": "{id_a}", "role": "member"}
    ),
    # A plate not registered to the enterprise: refused before any case is filed.
    "tongban_enterprises_api_truck_passes": Call(
        "POST",
        "/api/v1/enterprises/e/{uscc_a}/truck-passes",
        {"plates": ["浙AZ0000"], "start_on": "2026-04-01", "days": 30, "area": "城区"},
    ),
    "tongban_enterprises_api_roadside_check": Call(
        "POST", "/api/v1/enterprises/roadside-check", {"token": "TB1.x", "road": "core"}
    ),
    "tongban_enterprises_api_liaison_list": Call("GET", "/api/v1/enterprises/liaison"),
    "tongban_enterprises_api_liaison_file": Call(
        "POST", "/api/v1/enterprises/e/{uscc_a}/liaison", {"subject": "矩阵", "body": "矩阵测试"}
    ),
    "tongban_enterprises_api_liaison_reply": Call(
        "POST", "/api/v1/enterprises/liaison/{liaison_a}/reply", {"reply": "已答复"}
    ),
    "tongban_enterprises_api_liaison_resolve": Call("POST", "/api/v1/enterprises/liaison/{liaison_a}/resolve"),
    "tongban_enterprises_api_liaison_reopen": Call("POST", "/api/v1/enterprises/liaison/{liaison_a}/reopen"),
    # 微安居 (tongban.rentals): citizen A's approved home, B declared as tenant, an open hazard.
    "tongban_rentals_api_declare": Call(
        "POST", "/api/v1/rentals/properties", {"address_id": 999999, "rooms": 1, "capacity": 1}
    ),
    "tongban_rentals_api_properties": Call("GET", "/api/v1/rentals/properties"),
    "tongban_rentals_api_property_get": Call("GET", "/api/v1/rentals/properties/{rental_a}"),
    "tongban_rentals_api_review": Call("POST", "/api/v1/rentals/properties/{rental_a}/review", {"approve": True}),
    "tongban_rentals_api_poster": Call("GET", "/api/v1/rentals/properties/{rental_a}/poster"),
    "tongban_rentals_api_tenancy_declare": Call(
        "POST", "/api/v1/rentals/tenancies", {"token": "{rental_token}", "moved_in_on": "2026-03-02"}
    ),
    "tongban_rentals_api_tenancies": Call("GET", "/api/v1/rentals/tenancies"),
    "tongban_rentals_api_tenancy_answer": Call(
        "POST", "/api/v1/rentals/tenancies/{tenancy_a}/answer", {"confirm": True}
    ),
    "tongban_rentals_api_tenancy_move_out": Call(
        "POST", "/api/v1/rentals/tenancies/{tenancy_a}/move-out", {"moved_out_on": "2026-03-09"}
    ),
    "tongban_rentals_api_hazard_record": Call(
        "POST", "/api/v1/rentals/properties/{rental_a}/hazards", {"kind": "gas", "note": "矩阵测试", "working_days": 3}
    ),
    "tongban_rentals_api_hazards": Call("GET", "/api/v1/rentals/hazards"),
    "tongban_rentals_api_hazard_rectify": Call(
        "POST", "/api/v1/rentals/hazards/{hazard_a}/rectify", {"note": "已整改"}
    ),
    "tongban_rentals_api_hazard_verdict": Call("POST", "/api/v1/rentals/hazards/{hazard_a}/verdict", {"close": True}),
    "tongban_rentals_api_figures": Call("GET", "/api/v1/rentals/figures"),
}

PAGES: dict[str, Call] = {
    "web:home": Call("GET", "/"),
    "web:workbench": Call("GET", "/workbench/"),
    "healthz": Call("GET", "/healthz"),
    "bench/bare": Call("GET", "/bench/bare"),
    "catalog:list": Call("GET", "/catalog/"),
    "catalog:guide": Call("GET", "/catalog/{slug}/"),
    "cases:apply": Call("GET", "/cases/apply/{item}/"),
    "cases:mine": Call("GET", "/cases/mine/"),
    "cases:queue": Call("GET", "/cases/queue/"),
    "cases:handover": Call("GET", "/cases/handover/"),
    "cases:bulk": Call("POST", "/cases/queue/bulk/", form={"numbers": ["{case_a}"], "to": "in_review"}),
    "cases:intake": Call("GET", "/cases/intake/"),
    "cases:flags": Call("GET", "/cases/flags/"),
    "cases:detail": Call("GET", "/cases/{case_a}/"),
    "cases:act": Call("POST", "/cases/{case_a}/act/", form={"to": "withdrawn", "confirmed": "1"}),
    "cases:material_verify": Call("POST", "/cases/{case_a}/verify/", form={"code": "paper"}),
    "cases:material": Call("POST", "/cases/{case_a}/material/", form={"code": "paper"}),
    "cases:receipt": Call("GET", "/cases/{case_a}/receipt/"),
    "cases:material_file": Call("GET", "/cases/{case_a}/material/paper/file/"),
    "photos:mine": Call("GET", "/photos/mine/"),
    "photos:desk": Call("GET", "/photos/desk/"),
    "photos:review": Call("GET", "/photos/captures/{capture}/review/"),
    "photos:original_file": Call("GET", "/photos/captures/{capture}/original/"),
    "photos:derivative_file": Call("GET", "/photos/derivatives/{derivative}/"),
    "photos:use": Call("POST", "/photos/derivatives/{derivative}/use/", form={"case_number": "{case_a}"}),
    "certificates:list": Call("GET", "/certificates/?q={cert_a}"),
    "certificates:verify": Call("GET", "/certificates/verify/"),
    "certificates:mine": Call("GET", "/certificates/mine/"),
    "certificates:keys": Call("GET", "/certificates/keys.json"),
    "certificates:detail": Call("GET", "/certificates/{cert_a}/"),
    "certificates:pdf": Call("GET", "/certificates/{cert_a}/pdf"),
    "certificates:revoke": Call(
        "POST", "/certificates/{cert_a}/revoke", form={"reason": "issued_in_error", "note": "矩阵"}
    ),
    "well_known_keys": Call("GET", "/.well-known/tongban-keys.json"),
    "outlets:map": Call("GET", "/outlets/map/"),
    "outlets:nearest": Call("GET", "/outlets/nearest/?lat=30.28&lng=120.12"),
    "appointments:book": Call("GET", "/appointments/book/?outlet=T-PS-BOOK&item={book_item}"),
    "appointments:mine": Call("GET", "/appointments/mine/"),
    "appointments:cancel": Call("POST", "/appointments/{appt_a}/cancel/"),
    "appointments:reschedule": Call("POST", "/appointments/{appt_a}/reschedule/", form={"slot_id": "{slot_2}"}),
    "appointments:for_item": Call("GET", "/appointments/for-item/{book_item}/"),
    "appointments:check_in": Call("POST", "/appointments/check-in/", form={"number": "{appt_a}"}),
    "appointments:visits": Call("GET", "/appointments/home-visits/"),
    "appointments:visit_request": Call("GET", "/appointments/home-visits/for/t_doc/"),
    "appointments:visit_act": Call(
        "POST", "/appointments/home-visits/{visit_a}/act/", form={"action": "schedule", "visit_at": "2030-04-02T10:00"}
    ),
    "rentals:mine": Call("GET", "/rentals/"),
    "rentals:declare": Call("GET", "/rentals/declare/"),
    "rentals:property": Call("GET", "/rentals/p/{rental_a}/"),
    "rentals:poster": Call("GET", "/rentals/p/{rental_a}/poster.pdf"),
    "rentals:scan": Call("GET", "/rentals/t/{rental_token}/"),
    "rentals:tenancy": Call("POST", "/rentals/tenancies/{tenancy_a}/", form={"action": "confirm"}),
    "rentals:hazard": Call("POST", "/rentals/hazards/{hazard_a}/", form={"action": "rectify", "note": "已整改"}),
    "rentals:station": Call("GET", "/rentals/station/"),
    "rentals:figures": Call("GET", "/rentals/figures/"),
    # Dogs (tongban.dogs): citizen A's dog licence with a violation; one open report.
    "dogs:mine": Call("GET", "/dogs/"),
    "dogs:record": Call(
        "POST", "/dogs/violations/new/", form={"licence": "{dog_cert_a}", "kind": "no_leash", "place": "矩阵路口"}
    ),
    "dogs:report": Call("POST", "/dogs/report/", form={"place": "矩阵小区", "description": "矩阵测试"}),
    "dogs:reports": Call("GET", "/dogs/reports/"),
    "dogs:report_close": Call("POST", "/dogs/reports/{dog_report}/close/", form={"note": "已处理"}),
    "rentals:notices": Call("GET", "/rentals/notices/"),
    "rentals:help": Call("GET", "/rentals/help/"),
    "rentals:questions": Call("GET", "/rentals/questions/"),
    "rentals:answers": Call("GET", "/rentals/answers/"),
    "rentals:answer": Call("POST", "/rentals/answers/{question_a}/", form={"answer": "矩阵测试答复"}),
    "accounts:login": Call("GET", "/accounts/login/"),
    "accounts:logout": Call("POST", "/accounts/logout/"),
    "accounts:register": Call("GET", "/accounts/register/"),
    "accounts:otp": Call("GET", "/accounts/otp/"),
    "accounts:otp_setup": Call("GET", "/accounts/otp/setup/"),
    "registry:me": Call("GET", "/registry/me/"),
    "set_language": Call("POST", "/i18n/setlang/", form={"language": "en", "next": "/"}),
    "api/docs": Call("GET", "/api/docs"),
    "api:openapi-json": Call("GET", "/api/v1/openapi.json"),
    "api:openapi-view": Call("GET", "/api/v1/docs"),
    "api:api-root": Call("GET", "/api/v1/"),
    "accounts:account": Call("GET", "/accounts/"),
    "accounts:activate": Call("GET", "/accounts/activate/"),
    "accounts:register_code": Call("GET", "/accounts/register/code/"),
    "accounts:sessions_end": Call("POST", "/accounts/sessions/end/"),
    "accounts:tokens": Call("GET", "/accounts/tokens/"),
    "accounts:token_revoke": Call("POST", "/accounts/tokens/{token_a}/revoke/"),
    "accounts:window_register": Call("GET", "/accounts/window/register/"),
    "accounts:password_change": Call("GET", "/accounts/password/"),
    "accounts:password_reset": Call("GET", "/accounts/password/reset/"),
    "accounts:password_reset_code": Call("GET", "/accounts/password/reset/code/"),
    "accounts:password_reset_window": Call("GET", "/accounts/password/reset/window/"),
    "notifications:inbox": Call("GET", "/notifications/"),
    "notifications:read": Call("POST", "/notifications/{message_a}/read/"),
    "notifications:read_all": Call("POST", "/notifications/read-all/"),
    "feedback:mine": Call("GET", "/feedback/"),
    "feedback:rate": Call("GET", "/feedback/rate/{case_a}/"),
    "feedback:desk": Call("GET", "/feedback/desk/"),
    "feedback:kiosk": Call("GET", "/feedback/kiosk/"),
    "feedback:tablet": Call("GET", "/feedback/tablet/x/"),
    "feedback:followups": Call("GET", "/feedback/followups/"),
    "feedback:followup": Call("GET", "/feedback/followups/{followup}/"),
    "feedback:step": Call("POST", "/feedback/followups/{followup}/step/", form={"step": "contact", "note": "矩阵"}),
    "feedback:appeal": Call("POST", "/feedback/followups/{followup}/appeal/", form={"reason": "矩阵"}),
    "feedback:answer_rate": Call("POST", "/feedback/followups/{followup}/answer-rating/", form={"level": "5"}),
    "insights:dashboard": Call("GET", "/insights/"),
    "insights:export": Call("GET", "/insights/export/kpi.csv"),
    "insights:promise_index": Call("GET", "/insights/promise/"),
    "insights:promise": Call("GET", "/insights/promise/{item}/"),
    "enterprises:mine": Call("GET", "/enterprises/"),
    "enterprises:detail": Call("GET", "/enterprises/e/{uscc_a}/"),
    "enterprises:apply_passes": Call(
        "POST", "/enterprises/e/{uscc_a}/passes/", form={"plates": ["浙AZ0000"], "start_on": "2026-04-01"}
    ),
    "enterprises:add_member": Call(
        "POST", "/enterprises/e/{uscc_a}/members/", form={"id_number": "{id_a}", "role": "member"}
    ),
    "enterprises:file_request": Call(
        "POST", "/enterprises/e/{uscc_a}/liaison/", form={"subject": "矩阵", "body": "矩阵测试"}
    ),
    "enterprises:liaison": Call("GET", "/enterprises/liaison/"),
    "enterprises:request_step": Call("POST", "/enterprises/liaison/{liaison_a}/reply/", form={"reply": "已答复"}),
    "enterprises:roadside": Call("GET", "/enterprises/roadside/"),
    # The staff console (administrators): reads, and a refused edit (a negative time limit).
    "console:index": Call("GET", "/console/"),
    "console:items": Call("GET", "/console/items/"),
    "console:item_edit": Call("POST", "/console/items/{item}/", form={"promised_days": "-1", "fee_yuan": "0"}),
    "console:item_history": Call("GET", "/console/items/{item}/history/"),
    "console:outlets": Call("GET", "/console/outlets/"),
    "console:outlet_hours": Call("GET", "/console/outlets/{outlet_x}/"),
    "console:calendar": Call("GET", "/console/calendar/"),
    "console:standards": Call("GET", "/console/photo-standards/"),
    "console:standard_edit": Call("GET", "/console/photo-standards/passport/"),
    # The auditor's audit log pages (auditors and administrators only).
    "audit:list": Call("GET", "/audit/?action=case.read"),
    "audit:export": Call("GET", "/audit/export.csv?action=case.read"),
    "audit:detail": Call("GET", "/audit/{audit_entry}/"),
    "audit:integrity": Call("GET", "/audit/integrity/"),
    "audit:verify": Call("POST", "/audit/integrity/verify/"),
    "audit:lookup": Call("POST", "/audit/lookup/", form={"id_number": "{id_a}"}),
    # The Django admin: one entry for its index and every model's list (see test_access_matrix).
    "admin:*": Call("GET", "/admin/"),
}
