from django.urls import path

from avatars.live.consumer import AvatarConsumer

websocket_urlpatterns = [
    path("ws/avatars/<int:avatar_id>/", AvatarConsumer.as_asgi()),
]
