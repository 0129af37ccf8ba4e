from django.urls import path

from tongban.photos import views

app_name = "photos"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("desk/", views.desk, name="desk"),
    path("captures/<int:capture_id>/review/", views.review, name="review"),
    path("captures/<int:capture_id>/original/", views.original_file, name="original_file"),
    path("derivatives/<int:derivative_id>/", views.derivative_file, name="derivative_file"),
    path("derivatives/<int:derivative_id>/use/", views.use, name="use"),
]
