from django.urls import path

from tongban.certificates import views

app_name = "certificates"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("verify/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("keys.json", views.well_known_keys, name="keys"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/pdf", views.pdf, name="pdf"),
    path("<str:number>/revoke", views.revoke, name="revoke"),
]

# Mounted at the site root by tongban.config.urls: the key set where verifiers look for it.
well_known_urlpatterns = [
    path(".well-known/tongban-keys.json", views.well_known_keys, name="well_known_keys"),
]
