"""Media on S3-compatible storage (django-storages), against moto's S3 server on loopback:
an editor uploads an image in Wagtail's admin, a case page shows it, and the rendition's URL
answers with the image from the bucket."""

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage

BUCKET = "praxisatlas-medien"
PUBLIC_RENDITIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{BUCKET}/images/*"],
        }
    ],
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server (PyPI: moto[server]) on a loopback port, for this module only."""
    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(  # noqa: S603 - the venv's moto server
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(endpoint + "/moto-api/", timeout=2):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_endpoint, monkeypatch):
    """The production storage settings (cms/settings/base.py) with this bucket."""
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-central-1")
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    # The bucket policy the README names: renditions readable by everyone, originals not.
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_RENDITIONS))
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-central-1",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield s3_endpoint


def png_bytes(colour=(200, 40, 40)):
    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 800), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_production_settings_name_the_bucket(monkeypatch):
    """With AWS_STORAGE_BUCKET_NAME the settings switch uploads to S3 (endpoint from env)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.base",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    code = (
        "from django.conf import settings as s; o = s.STORAGES['default'];"
        "print(o['BACKEND'], o['OPTIONS']['bucket_name'], o['OPTIONS']['endpoint_url'],"
        " s.WAGTAILDOCS_SERVE_METHOD)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        BUCKET,
        "http://127.0.0.1:9",
        "serve_view",
    ]


@pytest.mark.django_db
def test_image_uploaded_in_admin_lands_in_the_bucket_and_shows_on_a_case_page(
    s3_storage, admin_client, client, demo_site
):
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    response = admin_client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Marktplatz Osterburg",
            "file": _upload("marktplatz.png"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    form = response.context and response.context.get("form")
    assert response.status_code == 302, form.errors if form else response.status_code
    image = get_image_model().objects.get(title="Marktplatz Osterburg")
    assert image.file.name.startswith("original_images/")
    assert default_storage.exists(image.file.name)
    # The original is in the bucket, not on local disk.
    original_url = image.file.url
    assert original_url.startswith(f"{s3_storage}/{BUCKET}/original_images/")

    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    case.body = [
        {
            "type": "section",
            "value": {
                "kind": "results",
                "heading": "Bilder",
                "content": [
                    {
                        "type": "image",
                        "value": {
                            "image": {
                                "image": image.pk,
                                "decorative": False,
                                "alt_text": "Der Marktplatz am Abend",
                            },
                            "caption": "Marktplatz",
                            "credit": "Stadt Osterburg",
                        },
                    }
                ],
            },
        }
    ]
    case.save_revision().publish()

    page = client.get(case.url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Der Marktplatz am Abend" in content
    rendition = image.renditions.get()
    assert rendition.file.name.startswith("images/")
    assert rendition.url.startswith(f"{s3_storage}/{BUCKET}/images/")
    assert rendition.url in content

    # What a visitor's browser then loads: the rendition straight from the bucket.
    with urllib.request.urlopen(rendition.url, timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
        data = answer.read()
    with PILImage.open(io.BytesIO(data)) as shown:
        assert shown.width == rendition.width <= 800
    # The uploaded original stays private.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(original_url, timeout=10)  # noqa: S310
    assert refused.value.code == 403


def _upload(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")
