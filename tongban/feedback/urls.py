from django.urls import path

from tongban.feedback import views, views_followups

app_name = "feedback"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("rate/<str:number>/", views.rate, name="rate"),
    path("desk/", views.desk, name="desk"),
    path("tablet/<str:token>/", views.tablet, name="tablet"),
    path("kiosk/", views.kiosk, name="kiosk"),
    path("followups/", views_followups.followups, name="followups"),
    path("followups/<int:pk>/", views_followups.followup, name="followup"),
    path("followups/<int:pk>/step/", views_followups.step, name="step"),
    path("followups/<int:pk>/appeal/", views_followups.appeal, name="appeal"),
    path("followups/<int:pk>/answer-rating/", views_followups.answer_rate, name="answer_rate"),
]
