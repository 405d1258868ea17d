"""Seed the editor-managed synonym list with the domain's vocabulary (German and English)
from search/synonyms_seed.txt. Editors change it in the admin afterwards."""

from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "synonyms_seed.txt"


def seed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for line in SEED.read_text(encoding="utf-8").splitlines():
        rule = line.split("#", 1)[0].strip()
        if rule:
            Synonym.objects.get_or_create(rule=rule[:500])


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
