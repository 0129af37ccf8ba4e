from django.urls import path

from tongban.registry import views

app_name = "registry"
urlpatterns = [
    path("me/", views.me, name="me"),
]
