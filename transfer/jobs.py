"""Admin imports as jobs: a dry run that stores its findings, then the import in chunks.

Why chunks driven by the browser, and not one transaction or a background worker: SQLite
allows one writer at a time, so a single transaction over a large file would block every
other write of the site (logins, editors saving) for minutes, and a worker thread inside a
gunicorn process dies with that process without anyone noticing. Each step here writes a
chunk of ``CHUNK_SIZE`` records in one short transaction together with the job's counter, so
a chunk is either written and counted, or not written at all. A failing chunk marks the job
"abgebrochen" with the row and the reason, visibly in the list of imports and in the history
of the pages already imported; running the same file again is idempotent (what was imported
counts as unchanged and gets no new revision). Two requests for the same step (two tabs,
two workers) cannot both write it: the counter is advanced with a conditional UPDATE and the
loser's transaction is rolled back.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casestudies.importer import (
    Action,
    CaseImporter,
    ImportFailed,
    ImportResult,
    RowError,
    file_format,
    parse_file,
)

from .models import ImportJob

logger = logging.getLogger(__name__)

CHUNK_SIZE = 20
MAX_ERRORS = 200
MAX_ERROR_CHARS = 500


def max_upload_bytes():
    return getattr(settings, "TRANSFER_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)


def max_records():
    return getattr(settings, "TRANSFER_MAX_RECORDS", 5000)


class _StepTaken(Exception):
    """Another request wrote this chunk first."""


def _file_errors(messages):
    return _summary([RowError(0, "", "", str(message)).as_dict() for message in messages])


def _summary(errors):
    """At most MAX_ERRORS errors, each value cut short: a refused file may quote megabytes."""
    return [
        {
            key: value[:MAX_ERROR_CHARS] if isinstance(value, str) else value
            for key, value in e.items()
        }
        for e in errors[:MAX_ERRORS]
    ]


def check_upload(name, data, user):
    """Read and dry-run a file; return the saved job (status CHECKED or INVALID)."""
    job = ImportJob(
        file_name=name[:255], file_format=file_format(name) or "json", user=user, total=0
    )
    try:
        raw = parse_file(name, data)
        if len(raw) > max_records():
            raise ImportFailed(
                [
                    _("Die Datei enthält %(n)d Fälle; höchstens %(max)d je Datei.")
                    % {"n": len(raw), "max": max_records()}
                ]
            )
        if not raw:
            raise ImportFailed([_("Die Datei enthält keine Fälle.")])
        job.records = raw
        job.total = len(raw)
        plans, rows = CaseImporter(user=user).check(raw)
    except ImportFailed as failure:
        job.status = ImportJob.Status.INVALID
        job.records = []
        job.errors = _summary([row.as_dict() for row in failure.rows]) or _file_errors(
            failure.errors
        )
        job.save()
        return job
    job.preview = [
        {
            "number": plan.number,
            "slug": plan.slug,
            "title": plan.record["title"],
            "action": plan.action,
            "fields": plan.changed,
            "publish": plan.publish,
            "missing": plan.missing,
            # Read, but worth a look (a period without a year, a theme read as another)...
            "warnings": [warning.message for warning in plan.warnings],
            # ...and the reference data this record is the first to need.
            "new_entries": plan.new_entries,
        }
        for plan in plans
    ]
    job.errors = _summary([row.as_dict() for row in rows])
    job.status = ImportJob.Status.INVALID if rows else ImportJob.Status.CHECKED
    if rows:
        # A refused file is kept as its error summary, not as its records.
        job.records = []
    job.save()
    return job


def start(job):
    """CHECKED -> RUNNING; False if the job was not waiting for confirmation."""
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    job.refresh_from_db()
    return bool(started)


def step(job, user):
    """Import the next chunk of a running job; return the job as it is afterwards."""
    if job.status != ImportJob.Status.RUNNING:
        return job
    begin = job.processed
    chunk = job.records[begin : begin + CHUNK_SIZE]
    importer = CaseImporter(user=user, source=job.file_name)
    importer.log_data = {"import": job.pk}
    result = ImportResult()
    try:
        with transaction.atomic():
            plans, rows = importer.check(chunk, first_number=begin + 1)
            if rows:
                raise ImportFailed(rows, rows=rows)
            importer.write(plans, result)
            claimed = ImportJob.objects.filter(
                pk=job.pk, status=ImportJob.Status.RUNNING, processed=begin
            ).update(
                processed=begin + len(chunk),
                created_count=F("created_count") + len(result.created),
                updated_count=F("updated_count") + len(result.updated),
                unchanged_count=F("unchanged_count") + len(result.unchanged),
                draft_count=F("draft_count") + len(result.drafts),
            )
            if not claimed:
                raise _StepTaken
    except _StepTaken:
        pass
    except ImportFailed as failure:
        _fail(job, failure.rows, failure.errors)
    except Exception as error:  # the job must not stay "running" without a word
        logger.exception("Import job %s failed", job.pk)
        _fail(job, [], [_("Unerwarteter Fehler: %s") % error])
    job.refresh_from_db()
    if job.status == ImportJob.Status.RUNNING and job.processed >= job.total:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.DONE, finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job


def _fail(job, rows, messages):
    job.refresh_from_db()
    done = job.processed
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        errors=[row.as_dict() for row in rows] or _file_errors(messages),
        message=_(
            "Abgebrochen nach %(done)d von %(total)d Fällen. Die ersten %(done)d sind "
            "importiert, der Rest nicht. Dieselbe Datei noch einmal zu importieren ist "
            "unbedenklich: Importiertes bleibt unverändert."
        )
        % {"done": done, "total": job.total},
    )


NEW_ENTRY_KINDS = {
    "themes": gettext_lazy("Themen"),
    "towns": gettext_lazy("Orte"),
    "funding": gettext_lazy("Förderprogramme"),
    "partners": gettext_lazy("Organisationen"),
}


def new_entries(preview):
    """[(label, [names])] of the reference data a dry run would create, by kind."""
    found = {}
    for row in preview:
        for kind, name in row.get("new_entries", []):
            found.setdefault(kind, []).append(name)
    return [(label, found[kind]) for kind, label in NEW_ENTRY_KINDS.items() if kind in found]


def counts(preview):
    """Number of new, changed and unchanged rows in a dry run's preview."""
    result = {Action.NEW: 0, Action.CHANGED: 0, Action.UNCHANGED: 0}
    for row in preview:
        result[row["action"]] += 1
    return result
