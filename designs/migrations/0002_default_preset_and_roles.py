from django.db import migrations

from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW

ROLES = {
    "Reviewers": ["view_design", "change_design", "approve_design", "view_batch", "view_designevent"],
    "Publishers": [
        "view_design",
        "change_design",
        "publish_design",
        "view_batch",
        "view_designevent",
        "view_producttemplate",
    ],
}


def install_defaults(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    preset_model = apps.get_model("designs", "GenerationPreset")
    preset_model.objects.get_or_create(
        name="Flux dev fp8",
        defaults={
            "workflow": FLUX_DEV_FP8_WORKFLOW,
            "parameter_map": FLUX_DEV_FP8_PARAMETER_MAP,
            "prompt_template": "{prompt}",
            "width": 1024,
            "height": 1024,
            "steps": 20,
            "guidance": 3.5,
        },
    )

    # Permissions are normally created after migrate; the groups need them now.
    app_config = apps.get_app_config("designs")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(
            *permission_model.objects.filter(content_type__app_label="designs", codename__in=codenames)
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    apps.get_model("designs", "GenerationPreset").objects.filter(name="Flux dev fp8").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(install_defaults, remove_defaults)]
