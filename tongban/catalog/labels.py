"""Display labels for the catalog's codes (Chinese msgids; English in locale/en)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CHANNEL_LABELS = {
    "online": _("网上办"),
    "window": _("窗口办"),
    "kiosk": _("自助办"),
    "phone": _("掌上办"),
}
REACH_LABELS = {
    "local": _("本地办理"),
    "province": _("全省通办"),
    "national": _("跨省通办"),
}
SOURCE_LABELS = {
    "hukou": _("户籍信息"),
    "id_card": _("居民身份证信息"),
    "driver_licence": _("驾驶证信息"),
    "vehicle": _("机动车登记信息"),
    "medical_check": _("医院体检信息"),
    "education": _("学历信息"),
    "dog_vaccination": _("犬只免疫信息"),
    "tenancy": _("租房记录"),
    "enterprise_vehicle": _("企业车辆登记信息"),
}
RESULT_LABELS = {
    "certificate": _("电子证照/电子证明"),
    "document": _("证件"),
    "notice": _("告知/回执"),
}
APPLICANT_LABELS = {
    "citizen": _("个人"),
    "enterprise": pgettext_lazy("applicants", "企业"),
}
ROLE_LABELS = {
    "clerk": _("窗口受理员"),
    "approver": _("审批民警"),
    "citizen": _("申请人"),
    "enterprise": _("企业申请人"),
    "admin": _("管理员"),
    "auditor": _("审计员"),
    "system": _("系统"),
}
DEPARTMENT_LABELS = {
    "huzheng": _("户政"),
    "churujing": _("出入境"),
    "jiaoguan": _("交管"),
    "zhian": _("治安"),
}
