from django.db import migrations


def load_directory(apps, schema_editor):
    from places.directory import load

    load(model=apps.get_model("places", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("places", "0001_municipality_directory")]

    operations = [migrations.RunPython(load_directory, migrations.RunPython.noop)]
