from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Our own user model from the first migration, so it can grow without a painful swap."""
