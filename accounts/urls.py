from django.urls import include, path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/api-token/", views.api_token, name="profile-api-token"),
    path("", include("django.contrib.auth.urls")),
]
