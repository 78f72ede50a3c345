from django.db import migrations


def add_schedule(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    schedule_model.objects.update_or_create(
        name="designs.reconcile",
        defaults={"func": "designs.tasks.reconcile", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="designs.reconcile").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0002_default_preset_and_roles"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
