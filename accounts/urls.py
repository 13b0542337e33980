from django.urls import include, path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/api-token/", views.api_token, name="profile-api-token"),
    path("profile/export/", views.account_export_download, name="account-export"),
    path("profile/delete/", views.account_delete_confirm, name="account-delete"),
    path("profile/receipts/<uuid:receipt_id>.json", views.receipt_download, name="receipt"),
    path("deleted/", views.account_deleted, name="account-deleted"),
    path("profile/email/", views.email_edit, name="profile-email"),
    path("email/confirm/<str:token>/", views.email_confirm_view, name="email-confirm"),
    path("", include("django.contrib.auth.urls")),
]
