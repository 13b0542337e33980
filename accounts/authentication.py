"""How the API knows who is calling: ``Authorization: Token <secret>``.

Tokens are django-rest-knox's (named, hashed, expiring: accounts.models.ApiToken). DRF's
plaintext tokens were hashed into ApiTokens by migration 0005, so their secrets keep working
through knox; nothing reads DRF's table any more.
"""

from __future__ import annotations

from knox.auth import TokenAuthentication

from accounts.services import api_token_touch


class ApiTokenAuthentication(TokenAuthentication):
    """knox's check (expired tokens are deleted and refused), noting when a token was used."""

    def authenticate_credentials(self, token: bytes):
        user, auth_token = super().authenticate_credentials(token)
        api_token_touch(token=auth_token)
        return user, auth_token
