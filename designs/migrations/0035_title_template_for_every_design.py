"""The title template now applies to every design, {{ title }} being the design's own title (or its prompt where the
template says the prompt is the title). Before, a design with a title of its own skipped the template. So that
existing templates, and the snapshots products were made with, keep producing the titles they did:

- the old model default becomes "{{ title }}" (a design's own title, else its prompt: the same title, except that
  a prompt standing as the title is now cut at the shop's title limit rather than at 100 characters);
- any other template is wrapped as "{% if design.title %}{{ design.title }}{% else %}…{% endif %}", which is what
  it meant (a template longer than the field allows once wrapped is left as it was).
"""

from django.db import migrations, models

OLD_DEFAULT = "{{ design.title|default:design.prompt|truncatechars:100 }}"
NEW_DEFAULT = "{{ title }}"
MAX_CHARS = 500
CHUNK = 2000


def for_every_design(source: str) -> str:
    if source == OLD_DEFAULT:
        return NEW_DEFAULT
    if not source.strip():
        return source  # renders nothing either way: the title value stands
    wrapped = "{% if design.title %}{{ design.title }}{% else %}" + source + "{% endif %}"
    return wrapped if len(wrapped) <= MAX_CHARS else source


def convert(apps, schema_editor):
    ProductTemplate = apps.get_model("designs", "ProductTemplate")
    Product = apps.get_model("designs", "Product")
    for template in ProductTemplate.objects.only("pk", "title_template"):
        converted = for_every_design(template.title_template)
        if converted != template.title_template:
            ProductTemplate.objects.filter(pk=template.pk).update(title_template=converted)
    changed = []
    for product in Product.objects.exclude(template_snapshot={}).only("pk", "template_snapshot").iterator(CHUNK):
        snapshot = product.template_snapshot or {}
        source = snapshot.get("title_template")
        if isinstance(source, str) and for_every_design(source) != source:
            product.template_snapshot = {**snapshot, "title_template": for_every_design(source)}
            changed.append(product)
        if len(changed) >= CHUNK:
            Product.objects.bulk_update(changed, ["template_snapshot"])
            changed = []
    Product.objects.bulk_update(changed, ["template_snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("designs", "0034_order_sync_schedule"),
    ]

    operations = [
        migrations.AlterField(
            model_name="producttemplate",
            name="title_template",
            field=models.CharField(default=NEW_DEFAULT, max_length=500),
        ),
        migrations.RunPython(convert, migrations.RunPython.noop),
    ]
