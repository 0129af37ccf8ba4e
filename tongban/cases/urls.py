from django.urls import path

from tongban.cases import actions, views

app_name = "cases"
urlpatterns = [
    path("apply/<str:code>/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk, name="bulk"),
    path("handover/", views.handover, name="handover"),
    path("intake/", views.intake, name="intake"),
    path("flags/", views.flags, name="flags"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/", views.act, name="act"),
    path("<str:number>/material/", views.material, name="material"),
    path("<str:number>/receipt/", views.receipt, name="receipt"),
    path("<str:number>/verify/", actions.material_verify, name="material_verify"),
    path("<str:number>/material/<slug:code>/file/", actions.material_file, name="material_file"),
]
