"""The development tools (benchmarks, load generation, generated data) are installed in
development and test settings and never in production, where their commands do not exist."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import get_commands
print(json.dumps({"apps": settings.INSTALLED_APPS, "commands": sorted(get_commands())}))
"""
DEVTOOLS_COMMANDS = {
    "bench_compare",
    "bench_search",
    "bench_site",
    "check_two_hosts",
    "generate_cases",
    "load_search_corpus",
    "loadtest",
}


def probe(settings_module, tmp_path):
    environment = dict(os.environ)
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module, SECRET_KEY="settings-test", VAR_DIR=str(tmp_path)
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_have_no_devtools(tmp_path):
    found = probe("cms.settings.production", tmp_path)
    assert "devtools" not in found["apps"]
    assert not DEVTOOLS_COMMANDS & set(found["commands"])
    # The site's own commands are still there.
    assert {"rebuild_search", "import_cases", "ensure_admin"} <= set(found["commands"])


@pytest.mark.parametrize("settings_module", ["cms.settings.dev", "cms.settings.test"])
def test_development_and_test_settings_have_devtools(settings_module, tmp_path):
    found = probe(settings_module, tmp_path)
    assert "devtools" in found["apps"]
    assert set(found["commands"]) >= DEVTOOLS_COMMANDS
