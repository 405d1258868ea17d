"""Editors and moderators (Wagtail's default groups, where they exist) may import; each row is
still checked against their page permissions."""

from django.db import migrations

GROUPS = ("Editors", "Moderators")


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.get_or_create(
        app_label="transfer", model="importjob"
    )
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename="import_cases",
        defaults={"name": "Praxisfälle importieren und die Fallbibliothek exportieren"},
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permission = Permission.objects.filter(
        content_type__app_label="transfer", codename="import_cases"
    ).first()
    if permission is not None:
        for group in Group.objects.filter(name__in=GROUPS):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("transfer", "0001_initial"),
        ("wagtailcore", "0001_squashed_0016_change_page_url_path_to_text_field"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
