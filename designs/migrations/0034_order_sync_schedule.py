from django.db import migrations

NAME = "designs.sync_orders"


def add_schedule(apps, schema_editor):
    # Every 15 minutes: catches the orders webhooks missed and re-reads the unfinished ones (designs/workers/order_sync).
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={"func": "designs.tasks.sync_orders", "schedule_type": "I", "minutes": 15, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0033_orders_in"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
