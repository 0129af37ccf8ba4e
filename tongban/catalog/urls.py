from django.urls import path

from tongban.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("<slug:code>/", views.item_guide, name="guide"),
]
