from django.urls import path

from tongban.web.auditlog import views, views_lookup

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("export.csv", views.export, name="export"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/verify/", views.verify, name="verify"),
    path("lookup/", views_lookup.lookup, name="lookup"),
    path("<int:pk>/", views.entry_detail, name="detail"),
]
