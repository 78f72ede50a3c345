"""The "write listing copy" permission (the LLM is paid per design) and the Publishers group that holds it."""

from django.db import migrations

GRANTED_TO = ["Publishers"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the group needs this one now.
    app_config = apps.get_app_config("designs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="designs", codename="write_copy_design"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTED_TO):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    permission = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="designs", codename="write_copy_design"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTED_TO):
        group.permissions.remove(*permission)


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0027_prompt_template_plain_substitution"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="design",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    ("approve_design", "Can approve, reject and reopen designs"),
                    ("publish_design", "Can publish designs to Printify"),
                    ("write_copy_design", "Can have the LLM write listing copy (paid per design)"),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
