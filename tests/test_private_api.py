"""The check for private framework API (scripts/check_private_api.py): it finds each known
pattern, passes public code, and the project's code has no finding."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

# Reads source files only (AST); the same on every database.
pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_private_api.py"

spec = importlib.util.spec_from_file_location("check_private_api", SCRIPT)
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)

# Each snippet is one pattern the project once used (issue 14) or a close relative.
PRIVATE = {
    "private site lookup": (
        "from wagtail.models import Site\nsite = Site._find_for_request(request)\n"
    ),
    "raw host of the request": "host = request._get_raw_host()\n",
    "site root paths on the request": (
        "request._wagtail_cached_site_root_paths = Site.get_site_root_paths()\n"
    ),
    "site on the request": "request._wagtail_site = site\n",
    "parent cache of a page": "child._cached_parent_obj = self\n",
    "faked prefetch": "qs._result_cache = objects\nqs._prefetch_done = True\n",
    "prefetch cache through __dict__": (
        "cache = page.__dict__.setdefault('_prefetched_objects_cache', {})\n"
    ),
    "compiled SQL internals": (
        "compiler = qs.query.get_compiler('default')\n"
        "fields = compiler.klass_info['select_fields']\n"
        "rows = compiler.apply_converters(rows, converters)\n"
    ),
    "cache culling override": (
        "from django.core.cache.backends.filebased import FileBasedCache\n"
        "class C(FileBasedCache):\n"
        "    def _cull(self):\n"
        "        pass\n"
    ),
    "django-csp per-response override": (
        "replace = getattr(response, '_csp_replace', None)\nresponse._csp_replace = {}\n"
    ),
    "django-csp update": "response._csp_update = {'img-src': ['data:']}\n",
    "treebeard path helper": (
        "from wagtail.models import Page\npath = Page._get_path('0001', 2, 5)\n"
    ),
    "DRF wrapped request": "params = request._request.GET.copy()\n",
    "private name imported": "from django.db.models.query import _prefetch_related_objects\n",
    "private module imported": "from django.utils._os import safe_join\n",
    "private attribute of a module alias": (
        "import django.db.models.sql.query as q\nq._get_col(1, 2, 3)\n"
    ),
    "private attribute down a chain": (
        "from wagtail.models import Page\nPage.objects._queryset_class\n"
    ),
    "process-wide signal rewiring": (
        "from django.db.models.signals import post_save\n"
        "from modelsearch.signal_handlers import post_save_signal_handler\n"
        "post_save.disconnect(post_save_signal_handler, sender=Page)\n"
    ),
    "private attribute inside a framework subclass": (
        "from wagtail.models import Page\n"
        "class P(Page):\n"
        "    def route(self, request, path):\n"
        "        self._cached_parent_obj = None\n"
    ),
}

PUBLIC = {
    "documented _meta and managers": (
        "from wagtail.models import Page\n"
        "Page._meta.get_field('slug')\nPage._default_manager.all()\nPage._base_manager.all()\n"
    ),
    "own private state": (
        "class Memo:\n"
        "    def __init__(self):\n"
        "        self._cache = {}\n"
        "        self._request = None\n"
    ),
    "own private helper": "def _helper():\n    pass\n_helper()\n",
    "public site lookup": (
        "from wagtail.models import Site\nSite.find_for_request(request)\n"
        "Site.get_site_root_paths()\n"
    ),
    "dunder": "from django.db import models\nmodels.__name__\n",
    "own signal receiver": (
        "from django.db.models.signals import post_save\npost_save.disconnect(my_receiver)\n"
    ),
}


@pytest.mark.parametrize("name", sorted(PRIVATE))
def test_finds_private_api(name):
    findings = check.scan_source(PRIVATE[name])
    assert findings, f"not found: {name}"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_passes_public_api(name):
    assert check.scan_source(PUBLIC[name]) == []


def test_reports_file_and_line(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\nrequest._get_raw_host()\n")
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"{bad}:2:" in result.stdout
    assert "_get_raw_host" in result.stdout


def test_project_has_no_private_framework_api():
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout
