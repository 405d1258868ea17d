"""Finding 4: import bombs. A 5 MB Excel file with a 100-million-character shared string, a
5 MB JSON file nested five million levels deep and a sheet of 300,000 rows are refused while
reading, in under 2 s and with less than 200 MB of memory added; the refused job keeps a short
error summary, not the records."""

import io
import json
import os
import time
import tracemalloc
import zipfile

import pytest

from tests.transfer.helpers import upload
from transfer.jobs import check_upload
from transfer.models import ImportJob

INDEX = "/admin/import-export/"
FIVE_MB = 5_000_000
MAX_SECONDS = 2.0
MAX_ADDED_BYTES = 200 * 1024 * 1024


def xlsx_bomb():
    """An .xlsx of about 5 MB whose shared string unpacks to 100 million characters (padded
    to size with an incompressible member)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "xl/sharedStrings.xml", "<sst><si><t>" + "A" * 100_000_000 + "</t></si></sst>"
        )
        archive.writestr(
            "xl/media/padding.bin",
            os.urandom(FIVE_MB - buffer.tell() - 10_000),
            compress_type=zipfile.ZIP_STORED,
        )
    return buffer.getvalue()


def measured_check(content, name, user):
    """The admin import's reading and refusal (transfer.jobs.check_upload, what the upload
    view runs): CPU seconds (the machine is shared, wall time says little), and the peak of
    memory allocated meanwhile (tracemalloc, in a second run: it slows allocation down)."""
    started = time.process_time()
    job = check_upload(name, content, user)
    seconds = time.process_time() - started
    job.delete()
    tracemalloc.start()
    job = check_upload(name, content, user)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return job, seconds, peak


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("bombe.xlsx", xlsx_bomb, "komprimiert"),
        ("tief.json", lambda: "[" * FIVE_MB, "verschachtelt"),
        ("zeilen.csv", lambda: "title,summary\n" + "Titel,Kurz\n" * 300_000, "höchstens"),
    ],
)
def test_bombs_are_refused_fast_and_small(admin_client, demo_site, name, build, message):
    content = build()
    content = content.encode() if isinstance(content, str) else content
    size = len(content)
    assert size <= FIVE_MB + 100_000
    # Through the admin: the upload is refused with the message, nothing kept but that.
    response = admin_client.post(INDEX, {"file": upload(name, content)}, follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    assert message in job.errors[0]["message"]
    assert job.records == []
    assert len(json.dumps(job.errors)) < 10_000
    job, seconds, peak = measured_check(content, name, job.user)
    print(
        f"{name}: {size / 1e6:.1f} MB refused in {seconds:.2f} s CPU, peak +{peak / 2**20:.0f} MiB"
    )
    assert job.status == "invalid"
    assert seconds < MAX_SECONDS
    assert peak < MAX_ADDED_BYTES
