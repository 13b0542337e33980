"""Mona the moderator: staff, in the Moderators group the migration made, not a superuser.
Each moderation test module wraps these in its own ``mona`` and ``mona_client`` fixtures."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User


def moderator_create(username: str = "mona") -> User:
    user = User.objects.create_user(username, password=f"{username}-Secret-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
