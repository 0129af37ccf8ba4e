"""What an audit action reads as (``slot_plan.set`` → 设置号源计划): the admin and any page that
lists audit rows show the label, never the code. Translated at render time (lazy strings)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, pgettext, pgettext_lazy


def _(text: str) -> Any:
    """An action's label, in a context of its own: the labels are verbs ("Deny a case"), and
    without the context they would also translate a status or a heading of the same Chinese
    words on every page (不予批准 read "Deny a case" as a case's status)."""
    return pgettext_lazy("audit action", text)


ACTION_LABELS: dict[str, Any] = {
    "account.disable": _("停用账号"),
    "account.login": _("登录"),
    "account.login_failed": _("登录失败"),
    "account.logout": _("退出登录"),
    "account.password_change": _("修改密码"),
    "account.password_change_failed": _("修改密码失败"),
    "account.password_reset": _("找回密码"),
    "account.password_reset_start": _("开始找回密码"),
    "account.password_set": _("管理员设置临时密码"),
    "account.register": _("实名注册"),
    "account.register_start": _("开始注册"),
    "account.sessions_end": _("结束全部会话"),
    "account.staff_create": _("创建工作人员账号"),
    "account.token_create": _("创建接口令牌"),
    "account.token_revoke": _("吊销接口令牌"),
    "account.totp_enrol": _("绑定动态口令"),
    "account.totp_failed": _("动态口令错误"),
    "account.totp_verify": _("动态口令验证"),
    "account.window_code_issue": _("发放窗口注册码"),
    "admin.action": _("管理后台批量操作"),
    "admin.add": _("管理后台新增"),
    "admin.change": _("管理后台修改"),
    "admin.delete": _("管理后台删除"),
    "admin.search": _("管理后台搜索"),
    "admin.view": _("管理后台查看"),
    "appointment.book": _("预约"),
    "appointment.cancel": _("取消预约"),
    "appointment.check_in": _("预约签到"),
    "appointment.no_show": _("预约爽约"),
    "appointment.reschedule": _("改约"),
    "audit.checkpoint": _("审计检查点"),
    "audit.export": _("导出审计日志"),
    "audit.lookup": _("查询个人信息查阅记录"),
    "audit.verify": _("核验审计日志完整性"),
    "calendar.load": _("导入节假日安排"),
    "case.accept": _("受理办件"),
    "case.accepted": _("办件已受理"),
    "case.approved": _("批准办件"),
    "case.completed": _("办结"),
    "case.denied": _("不予批准"),
    "case.in_review": _("开始审核"),
    "case.material": _("补交材料"),
    "case.material_verified": _("核验材料"),
    "case.refused_at_intake": _("不予受理"),
    "case.result_issued": _("出具结果"),
    "case.resubmitted": _("已补正"),
    "case.revoked": _("撤销办件"),
    "case.submit": _("提交申请"),
    "case.supplement_requested": _("要求补正"),
    "case.read": _("查看办件"),
    "case.sweep": _("办件超期检查"),
    "case.withdrawn": _("撤回申请"),
    "catalog.item_create": _("新增事项"),
    "catalog.item_publish": _("发布事项"),
    "catalog.item_version_create": _("修改事项（新版本）"),
    "catalog.item_withdraw": _("下架事项"),
    "catalog.load": _("导入事项文件"),
    "certificate.download": _("下载证照"),
    "certificate.issue": _("签发证照"),
    "certificate.revoke": _("撤销证照"),
    "certificate.verify": _("核验证照"),
    "certificate.verify.batch": _("批量核验证照"),
    "certificate.view": _("查看证照"),
    "dog.report": _("举报问题犬只"),
    "dog.report_close": _("处理犬只举报"),
    "dog.violation": _("记录养犬违法"),
    "enterprise.liaison_assign": _("分派驻企诉求"),
    "enterprise.member_add": _("添加企业成员"),
    "figures.rebuild": _("重算统计"),
    "figures.refresh": _("刷新统计"),
    "followup.answer": _("差评整改反馈"),
    "followup.answer_rated": _("评价整改反馈"),
    "followup.contact": _("差评回访"),
    "followup.overdue": _("差评整改逾期"),
    "followup.rectify": _("差评整改"),
    "followup.verify": _("差评核实"),
    "hazard.close": _("隐患销号"),
    "hazard.rectify": _("隐患整改"),
    "hazard.record": _("登记隐患"),
    "hazard.remind_overdue": _("隐患逾期提醒"),
    "hazard.reopen": _("隐患重新打开"),
    "liaison.file": _("提交驻企诉求"),
    "liaison.reply": _("答复驻企诉求"),
    "liaison.resolve": _("办结驻企诉求"),
    "liaison.reopen": _("重新打开驻企诉求"),
    "log.retention": _("日志保留清理"),
    "outlet.create": _("新增网点"),
    "outlet.generate": _("生成演示网点"),
    "outlet.hours": _("修改网点办公时间"),
    "outlet.items": _("设置网点可办事项"),
    "outlet.update": _("修改网点"),
    "person.read": _("查看个人信息"),
    "person.reveal": _("查看完整个人信息"),
    "photo.capture": _("拍摄照片"),
    "photo.derive": _("生成证件照"),
    "photo.import": _("导入照片"),
    "photo.read": _("查看照片"),
    "photo.review": _("审核照片"),
    "photo.use": _("使用证件照"),
    "photo_standard.update": _("修改照片标准"),
    "rating.appeal": _("差评申诉"),
    "rating.appeal_dismissed": _("驳回差评申诉"),
    "rating.appeal_upheld": _("支持差评申诉"),
    "rating.create": _("评价"),
    "rating.invite": _("邀请评价"),
    "rating.scheme_load": _("导入评价方案"),
    "registry.generate": _("生成演示人口数据"),
    "rental.approve": _("通过出租房屋申报"),
    "rental.close": _("注销出租房屋"),
    "home_visit.request": _("申请上门办理"),
    "home_visit.schedule": _("安排上门时间"),
    "home_visit.done": _("登记上门办结"),
    "home_visit.cancelled": _("取消上门办理"),
    "special_session.create": _("开设专场"),
    "rental.declare": _("申报出租房屋"),
    "rental.refuse": _("退回出租房屋申报"),
    "rental_notice.publish": _("发布通知通告"),
    "rental_question.answer": _("答复咨询"),
    "rental_question.ask": _("提交咨询"),
    "slot_plan.set": _("设置号源计划"),
    "storage.orphans_deleted": _("清理孤立文件"),
    "tenancy.confirm": _("确认租住"),
    "tenancy.declare": _("申报租住"),
    "tenancy.dispute": _("对租住申报有异议"),
    "tenancy.move_out": _("登记搬离"),
    "truck_pass.apply": _("申请货车通行证"),
}


# The action select of the audit log pages: actions grouped by what they act on (the code's first
# word → the group's label), in this order; an action of an unlisted word falls in 系统.
ACTION_GROUPS: list[tuple[Any, tuple[str, ...]]] = [
    (pgettext_lazy("audit group", "账号与登录"), ("account",)),
    (pgettext_lazy("audit group", "个人信息查阅"), ("person",)),
    (pgettext_lazy("audit group", "办件"), ("case",)),
    (pgettext_lazy("audit group", "证照"), ("certificate",)),
    (pgettext_lazy("audit group", "照片"), ("photo", "photo_standard")),
    (pgettext_lazy("audit group", "预约与上门"), ("appointment", "slot_plan", "home_visit", "special_session")),
    (pgettext_lazy("audit group", "好差评"), ("rating", "followup")),
    (pgettext_lazy("audit group", "事项与网点"), ("catalog", "outlet", "calendar")),
    (pgettext_lazy("audit group", "出租房屋"), ("rental", "tenancy", "hazard", "rental_notice", "rental_question")),
    (pgettext_lazy("audit group", "企业与养犬"), ("enterprise", "liaison", "truck_pass", "dog")),
    (pgettext_lazy("audit group", "管理后台"), ("admin",)),
    (pgettext_lazy("audit group", "审计"), ("audit",)),
    (pgettext_lazy("audit group", "系统"), ()),
]
# Staff reads of a citizen's record sit in the 个人信息查阅 group whatever their first word.
_READS = {"person.read", "person.reveal", "case.read", "photo.read", "certificate.view", "certificate.download"}


def action_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group label, [(action, label)...])...] of every labelled action, labels sorted within a
    group, for a select with one optgroup per group (in the reader's language)."""
    where: dict[str, int] = {}
    for i, (_label, words) in enumerate(ACTION_GROUPS):
        for word in words:
            where[word] = i
    grouped: list[list[tuple[str, str]]] = [[] for _ in ACTION_GROUPS]
    for action in ACTION_LABELS:
        i = where["person"] if action in _READS else where.get(action.split(".")[0], len(ACTION_GROUPS) - 1)
        grouped[i].append((action, action_label(action)))
    pairs = zip(ACTION_GROUPS, grouped, strict=True)
    return [(str(label), sorted(items, key=lambda p: p[1])) for (label, _w), items in pairs if items]


# What an entry's object is, in words (the admin's writes name the model: "cases.case").
OBJECT_TYPES: dict[str, Any] = {
    "api_token": pgettext_lazy("audit object", "接口令牌"),
    "appointment": pgettext_lazy("audit object", "预约"),
    "audit": pgettext_lazy("audit object", "审计日志"),
    "audit_log": pgettext_lazy("audit object", "审计日志"),
    "calendar_year": pgettext_lazy("audit object", "节假日安排"),
    "case": pgettext_lazy("audit object", "办件"),
    "catalog": pgettext_lazy("audit object", "事项目录"),
    "catalog.item": pgettext_lazy("audit object", "事项"),
    "certificate": pgettext_lazy("audit object", "证照"),
    "city": pgettext_lazy("audit object", "演示人口"),
    "dog_report": pgettext_lazy("audit object", "犬只举报"),
    "dog_violation": pgettext_lazy("audit object", "养犬违法记录"),
    "enterprise": pgettext_lazy("audit object", "企业"),
    "figures": pgettext_lazy("audit object", "统计"),
    "followup": pgettext_lazy("audit object", "差评整改"),
    "hazard": pgettext_lazy("audit object", "隐患"),
    "home_visit": pgettext_lazy("audit object", "上门办理"),
    "liaison_request": pgettext_lazy("audit object", "驻企诉求"),
    "log": pgettext_lazy("audit object", "日志"),
    "outlet": pgettext_lazy("audit object", "网点"),
    "person": pgettext_lazy("audit object", "个人信息"),
    "photo_capture": pgettext_lazy("audit object", "照片"),
    "photo_derivative": pgettext_lazy("audit object", "证件照"),
    "photo_standard": pgettext_lazy("audit object", "照片标准"),
    "rating": pgettext_lazy("audit object", "评价"),
    "rating_scheme": pgettext_lazy("audit object", "评价方案"),
    "registration": pgettext_lazy("audit object", "注册申请"),
    "rental_notice": pgettext_lazy("audit object", "通知通告"),
    "rental_property": pgettext_lazy("audit object", "出租房屋"),
    "rental_question": pgettext_lazy("audit object", "咨询"),
    "special_session": pgettext_lazy("audit object", "专场"),
    "storage": pgettext_lazy("audit object", "文件存储"),
    "tenancy": pgettext_lazy("audit object", "租住"),
    "truck_pass": pgettext_lazy("audit object", "货车通行证"),
    "user": pgettext_lazy("audit object", "账号"),
}


def object_type_label(object_type: str) -> str:
    """The object's kind in the reader's language; a model the admin wrote reads as its verbose
    name, anything else as 其他对象."""
    label = OBJECT_TYPES.get(object_type)
    if label is not None:
        return str(label)
    if "." in object_type:
        from django.apps import apps

        try:
            return str(apps.get_model(object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            pass
    return pgettext("audit object", "其他对象")


def action_label(action: str) -> str:
    """The action in the reader's language; an action without a label reads as 其他操作 (a test
    checks that every action the code writes has one)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else gettext("其他操作")
