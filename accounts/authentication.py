"""How the API knows who is calling: ``Authorization: Token <secret>``.

Tokens are django-rest-knox's (named, hashed, expiring: accounts.models.ApiToken). DRF's
plaintext tokens were hashed into ApiTokens by migration 0005, so their secrets keep working
through knox; ``LegacyTokenAuthentication`` only bridges the rows some tests and bench scripts
still write with DRF's model, and goes when they move to ``api_token_create``.
"""

from __future__ import annotations

from knox.auth import TokenAuthentication
from rest_framework import authentication, exceptions

from accounts.services import api_token_touch


class ApiTokenAuthentication(TokenAuthentication):
    """knox's check (expired tokens are deleted and refused), noting when a token was used."""

    def authenticate_credentials(self, token: bytes):
        user, auth_token = super().authenticate_credentials(token)
        api_token_touch(token=auth_token)
        return user, auth_token


class LegacyTokenAuthentication(authentication.TokenAuthentication):
    """A DRF token row, if there is one; otherwise no answer, so knox's class decides."""

    def authenticate_credentials(self, key: str):
        try:
            return super().authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            return None
