from django.urls import path

from tongban.rentals import pages, views

app_name = "rentals"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("declare/", views.declare, name="declare"),
    path("p/<str:number>/", views.property_page, name="property"),
    path("p/<str:number>/poster.pdf", views.poster, name="poster"),
    path("t/<str:token>/", views.scan, name="scan"),
    path("tenancies/<int:pk>/", views.tenancy, name="tenancy"),
    path("hazards/<int:pk>/", views.hazard, name="hazard"),
    path("station/", views.station, name="station"),
    path("figures/", views.figures, name="figures"),
    path("notices/", pages.notices, name="notices"),
    path("help/", pages.help_page, name="help"),
    path("questions/", pages.questions, name="questions"),
    path("answers/", pages.answers, name="answers"),
    path("answers/<int:pk>/", pages.answer, name="answer"),
]
