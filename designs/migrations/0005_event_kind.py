from django.db import migrations, models


def classify_existing_events(apps, schema_editor):
    """Events written before kinds existed: no target status was a note, no origin status a creation."""
    events = apps.get_model("designs", "DesignEvent").objects
    events.filter(to_status="").update(kind="note")
    events.filter(from_status="").exclude(to_status="").update(kind="created")


class Migration(migrations.Migration):
    dependencies = [("designs", "0004_lease")]

    operations = [
        migrations.AddField(
            model_name="designevent",
            name="kind",
            field=models.CharField(
                choices=[("move", "Status change"), ("created", "Created"), ("note", "Note")],
                default="move",
                max_length=10,
            ),
        ),
        migrations.RunPython(classify_existing_events, migrations.RunPython.noop),
    ]
