"""The account through the API, under ``/api/``: tokens, the profile, the export, closing the
account, and the receipts of what was deleted."""

from django.urls import path

from accounts.api import account, email, profile, receipts, tokens

urlpatterns = [
    path("token/", tokens.TokenObtainApi.as_view(), name="api-token"),
    path("tokens/", tokens.TokenListCreateApi.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", tokens.TokenDetailApi.as_view(), name="api-token-detail"),
    path("profile/", profile.ProfileApi.as_view(), name="api-profile"),
    path("account/export/", account.AccountExportApi.as_view(), name="api-account-export"),
    path("account/delete/", account.AccountDeleteApi.as_view(), name="api-account-delete"),
    path("account/receipts/", receipts.ReceiptListApi.as_view(), name="api-account-receipts"),
    path(
        "account/receipts/<uuid:receipt_id>/",
        receipts.ReceiptDownloadApi.as_view(),
        name="api-account-receipt",
    ),
    path("account/email/", email.EmailApi.as_view(), name="api-account-email"),
    path(
        "account/email/confirm/",
        email.EmailConfirmApi.as_view(),
        name="api-account-email-confirm",
    ),
]
