from django.urls import path, register_converter

from tongban.enterprises import views


class _Uscc:
    regex = "[0-9A-HJ-NPQRTUWXY]{18}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class _Step:
    regex = "reply|resolve|reopen"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class _RowId:
    regex = "[1-9][0-9]{0,17}"  # below 2**63: never overflows a bigint

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(_Uscc, "uscc")
register_converter(_RowId, "rowid")
register_converter(_Step, "step")

app_name = "enterprises"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("e/<uscc:uscc>/", views.detail, name="detail"),
    path("e/<uscc:uscc>/passes/", views.apply_passes, name="apply_passes"),
    path("e/<uscc:uscc>/members/", views.add_member, name="add_member"),
    path("e/<uscc:uscc>/liaison/", views.file_request, name="file_request"),
    path("liaison/", views.liaison, name="liaison"),
    path("liaison/<rowid:pk>/<step:step>/", views.request_step, name="request_step"),
    path("roadside/", views.roadside, name="roadside"),
]
