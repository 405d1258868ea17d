"""core.storage.StaticFilesStorage: WhiteNoise's manifest storage, URLs looked up once."""

from unittest import mock

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.storage import StaticFilesStorage

# Static files only; the same on every database.
pytestmark = pytest.mark.db_independent


def test_each_url_is_looked_up_once(tmp_path):
    storage = StaticFilesStorage(location=str(tmp_path), base_url="/static/")
    with mock.patch.object(
        CompressedManifestStaticFilesStorage,
        "url",
        autospec=True,
        side_effect=lambda self, name, force=False: f"/static/{name}.1a2b3c",
    ) as looked_up:
        assert storage.url("css/site.css") == "/static/css/site.css.1a2b3c"
        assert storage.url("css/site.css") == "/static/css/site.css.1a2b3c"
        assert storage.url("js/site.js") == "/static/js/site.js.1a2b3c"
        assert looked_up.call_count == 2
        # force=True (collectstatic's post-processing) always asks the manifest.
        storage.url("css/site.css", force=True)
        assert looked_up.call_count == 3
