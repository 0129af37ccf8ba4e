from django.urls import path

from tongban.appointments import views

app_name = "appointments"
urlpatterns = [
    path("book/", views.book, name="book"),
    path("mine/", views.mine, name="mine"),
    path("<str:number>/cancel/", views.cancel, name="cancel"),
    path("<str:number>/reschedule/", views.reschedule, name="reschedule"),
    path("for-item/<str:item>/", views.book_for_item, name="for_item"),
    path("check-in/", views.check_in, name="check_in"),
]
