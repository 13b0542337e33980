from django.db import migrations, models


def number_per_owner(apps, schema_editor):
    """Give existing avatars their owner's numbers, oldest first."""
    Avatar = apps.get_model("avatars", "Avatar")
    counts: dict[int, int] = {}
    for avatar in Avatar.objects.order_by("owner_id", "created_at", "id").only("pk", "owner_id"):
        counts[avatar.owner_id] = counts.get(avatar.owner_id, 0) + 1
        Avatar.objects.filter(pk=avatar.pk).update(number=counts[avatar.owner_id])


class Migration(migrations.Migration):
    dependencies = [
        ("avatars", "0006_turn_webp_faces"),
    ]

    operations = [
        migrations.AddField(
            model_name="avatar",
            name="number",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="turn",
            name="variant",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(number_per_owner, migrations.RunPython.noop),
    ]
