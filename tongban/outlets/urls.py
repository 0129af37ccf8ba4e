from django.urls import path

from tongban.outlets import views

app_name = "outlets"
urlpatterns = [
    path("map/", views.service_map, name="map"),
    path("nearest/", views.nearest_partial, name="nearest"),
]
