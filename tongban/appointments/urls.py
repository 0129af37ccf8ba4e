from django.urls import path

from tongban.appointments import views, visit_views

app_name = "appointments"
urlpatterns = [
    path("book/", views.book, name="book"),
    path("mine/", views.mine, name="mine"),
    path("<str:number>/cancel/", views.cancel, name="cancel"),
    path("<str:number>/reschedule/", views.reschedule, name="reschedule"),
    path("for-item/<str:item>/", views.book_for_item, name="for_item"),
    path("check-in/", views.check_in, name="check_in"),
    path("home-visits/", visit_views.visits, name="visits"),
    path("home-visits/for/<str:item>/", visit_views.visit_request, name="visit_request"),
    path("home-visits/<str:number>/act/", visit_views.visit_act, name="visit_act"),
]
