from django.urls import path

from avatars import views
from avatars.cutouts import views as cutout_views
from avatars.retention import views as retention_views
from avatars.sharing import views as sharing_views
from avatars.stickers import views as sticker_views

app_name = "avatars"

urlpatterns = [
    path("", views.avatar_list, name="list"),
    path("new/", views.avatar_new, name="new"),
    path("stickers/", sticker_views.sticker_pack_create_view, name="sticker-pack-create"),
    path("stickers/<int:pack_id>/<int:position>/", sticker_views.sticker_view, name="sticker"),
    path("<int:avatar_id>/", views.avatar_detail, name="detail"),
    path("<int:avatar_id>/edit/", views.avatar_edit, name="edit"),
    path("<int:avatar_id>/delete/", views.avatar_delete_view, name="delete"),
    path("<int:avatar_id>/photo/delete/", retention_views.photo_delete_view, name="photo-delete"),
    path("<int:avatar_id>/share/", sharing_views.avatar_share_view, name="share"),
    path("<int:avatar_id>/unshare/", sharing_views.avatar_unshare_view, name="unshare"),
    path("<int:avatar_id>/status/", views.avatar_status, name="status"),
    path("<int:avatar_id>/source.jpg", views.avatar_source, name="source"),
    path("<int:avatar_id>/v/<int:turn_id>/image.png", views.turn_image, name="turn-image"),
    path("<int:avatar_id>/v/<int:turn_id>/thumb.webp", views.turn_thumbnail, name="turn-thumbnail"),
    path(
        "<int:avatar_id>/v/<int:turn_id>/download.<str:fmt>",
        views.turn_download,
        name="turn-download",
    ),
    path(
        "<int:avatar_id>/v/<int:turn_id>/cutout.<str:fmt>",
        cutout_views.turn_cutout_view,
        name="turn-cutout",
    ),
    path("<int:avatar_id>/v/<int:turn_id>/<str:action>/", views.turn_action, name="turn-action"),
]
