from django.urls import path

from avatars.api import views

urlpatterns = [
    path("token/", views.TokenObtainApi.as_view(), name="api-token"),
    path("styles/", views.StyleListApi.as_view(), name="api-styles"),
    path("profile/", views.ProfileApi.as_view(), name="api-profile"),
    path("avatars/", views.AvatarListCreateApi.as_view(), name="api-avatars"),
    path("avatars/<int:avatar_id>/", views.AvatarDetailApi.as_view(), name="api-avatar"),
    path("avatars/<int:avatar_id>/edits/", views.EditApi.as_view(), name="api-edit"),
    path(
        "avatars/<int:avatar_id>/turns/<int:turn_id>/<str:action>/",
        views.TurnActionApi.as_view(),
        name="api-turn-action",
    ),
    path(
        "avatars/<int:avatar_id>/turns/<int:turn_id>/<str:kind>",
        views.TurnFileApi.as_view(),
        name="api-turn-file",
    ),
]
