from django.urls import path

from tongban.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:table>.<str:fmt>", views.export, name="export"),
    path("promise/", views.promise_index, name="promise_index"),
    path("promise/<slug:code>/", views.promise, name="promise"),
]
