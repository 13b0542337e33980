"""DRF's plaintext tokens become hashed, named ApiTokens: the same secret keeps working.

knox finds a token by its first characters (``token_key``) and checks the digest of the whole
secret, so hashing a 40-character DRF key the same way turns it into a knox token without the
owner changing anything. Each is named "migrated", keeps its creation date and expires like a
new one from today (REST_KNOX["TOKEN_TTL"]); the plaintext rows are deleted. There is no way
back: the plaintext is gone, so reversing leaves the ApiTokens to the previous migration."""

from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings

MIGRATED_NAME = "migrated"


def hash_drf_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    ttl = knox_settings.TOKEN_TTL
    expiry = timezone.now() + ttl if ttl else None
    for token in Token.objects.all():
        api_token = ApiToken(
            user_id=token.user_id,
            name=MIGRATED_NAME,
            digest=hash_token(token.key),
            token_key=token.key[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=expiry,
        )
        api_token.save()
        # created is auto_now_add: set the original date afterwards.
        ApiToken.objects.filter(pk=api_token.pk).update(created=token.created)
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_token"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop)]
