from django.urls import path

from tongban.dogs import views

app_name = "dogs"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("violations/new/", views.record, name="record"),
    path("report/", views.report, name="report"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/close/", views.report_close, name="report_close"),
]
