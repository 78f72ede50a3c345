"""The two print preparation presets (issue 11): "Upscale for print" and "Upscale + remove background".

Their graphs live in integrations/comfyui.py, which also says which custom node the second one needs in the
worker image (ComfyUI-RMBG's RMBG node) and which upscale model file both load.
"""

from django.db import migrations

from integrations.comfyui import (
    PRINT_PARAMETER_MAP,
    UPSCALE_FOR_PRINT_WORKFLOW,
    UPSCALE_REMOVE_BACKGROUND_WORKFLOW,
)

PRINT_PRESETS = {
    "Upscale for print": UPSCALE_FOR_PRINT_WORKFLOW,
    "Upscale + remove background": UPSCALE_REMOVE_BACKGROUND_WORKFLOW,
}


def install_print_presets(apps, schema_editor):
    preset_model = apps.get_model("designs", "GenerationPreset")
    for name, workflow in PRINT_PRESETS.items():
        preset_model.objects.get_or_create(
            name=name,
            defaults={
                "kind": "print",
                "workflow": workflow,
                "parameter_map": PRINT_PARAMETER_MAP,
                "prompt_template": "",
            },
        )


def remove_print_presets(apps, schema_editor):
    apps.get_model("designs", "GenerationPreset").objects.filter(name__in=PRINT_PRESETS, kind="print").delete()


class Migration(migrations.Migration):
    dependencies = [("designs", "0011_print_files")]

    operations = [migrations.RunPython(install_print_presets, remove_print_presets)]
