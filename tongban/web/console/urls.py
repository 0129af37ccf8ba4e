from django.urls import path

from tongban.web.console import items, places

app_name = "console"
urlpatterns = [
    path("", items.index, name="index"),
    path("items/", items.item_list, name="items"),
    path("items/<slug:code>/", items.item_edit, name="item_edit"),
    path("items/<slug:code>/history/", items.item_history_page, name="item_history"),
    path("outlets/", places.outlet_list, name="outlets"),
    path("outlets/<str:code>/", places.outlet_hours, name="outlet_hours"),
    path("calendar/", places.calendar, name="calendar"),
    path("photo-standards/", places.standard_list, name="standards"),
    path("photo-standards/<slug:code>/", places.standard_edit, name="standard_edit"),
]
