"""The Moderators group, with exactly what running the queue needs: see avatars, their
versions and reports, decide on avatars (approve, hide, remove, suspend or reinstate the owner),
read the audit trail, keep the blocklist, see who is suspended. Nothing of styles, users'
profiles or passwords. Membership is given in the admin; a moderator also needs "staff status"
to log in to it."""

import django.contrib.auth.models
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = [
    "view_avatar",
    "change_avatar",
    "view_turn",
    "view_report",
    "view_moderationaction",
    "add_blockedterm",
    "change_blockedterm",
    "delete_blockedterm",
    "view_blockedterm",
    "view_suspendeduser",
]


def group_create(apps, schema_editor):
    # Permissions are made after all migrations run; on a new database they don't exist yet.
    create_permissions(
        global_apps.get_app_config("avatars"),
        apps=apps,
        verbosity=0,
        using=schema_editor.connection.alias,
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="avatars", codename__in=PERMISSIONS)
    )


def group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_suspension"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("avatars", "0004_sharing_reports_moderation"),
    ]

    operations = [
        migrations.CreateModel(
            name="SuspendedUser",
            fields=[],
            options={
                "verbose_name": "suspended user",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("accounts.user",),
            managers=[
                ("objects", django.contrib.auth.models.UserManager()),
            ],
        ),
        migrations.RunPython(group_create, group_delete),
    ]
