"""The search state of the database path, kept on disk per host (``SEARCH_STATE_DIR``).

Whichever worker of a host builds or patches a state writes it here; the other workers of the
host, and workers that start later (a deploy, a restart, gunicorn's ``max_requests``), map it
instead of building it: the large arrays are then one copy in the page cache of the host, not
one per worker, and a fresh worker answers searches at once.

One directory per state, named after the format, the analyzer and the content generation
token the state was built for (``v1-<analyzer>-<token>``): numpy ``.npy`` files (read with
``allow_pickle=False``, memory-mapped read-only) and ``manifest.json`` (format, version,
newest ``updated_at``, the shape and dtype of every array) plus ``values.json`` (the values
of each column). No pickle: other processes load these files.

A directory is written under a temporary name and renamed into place (atomic on one file
system): a reader sees a whole state or none. A directory that cannot be read as the manifest
says (truncated, missing files, another format) is skipped with a warning, removed if it is
of this format, and the state is built again. A directory that cannot be written (read-only
or full disk) only costs the sharing: the worker keeps its state in memory and says so in the
log.

The files never decide freshness: the worker compares the state's version with the content
generation token in the database, as for a state it built itself (search/engine.py).

Clean-up: after a write the two newest directories stay, older ones are removed. A worker
that still maps files of a removed directory keeps reading them (on Linux an unlinked file
stays valid while it is mapped; the space is freed when the last worker lets go).
"""

import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

# Bump when what is written changes meaning: directories of other formats are not read.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VALUES = "values.json"
KEEP = 2
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
# Directories found unreadable or unwritable by this process: warned about once.
_warned = set()
_warned_lock = threading.Lock()


class UnreadableState(Exception):
    """A directory that is not a whole state of this format."""


class ForeignState(UnreadableState):
    """A whole state, but read from another database: left for its own workers."""


def enabled():
    return bool(getattr(settings, "SEARCH_STATE_FILES", False))


def state_dir():
    return Path(getattr(settings, "SEARCH_STATE_DIR", None) or settings.VAR_DIR / "search-state")


def database_identity():
    """Which database a state was read from: a state of another one (a VAR_DIR kept while
    the database was replaced) is never brought up to date from this one."""
    config = connection.settings_dict
    return f"{connection.vendor}:{config.get('HOST') or ''}:{config.get('PORT') or ''}:" + str(
        config.get("NAME") or ""
    )


def directory_name(version):
    analyzer, token = version
    return _UNSAFE.sub("_", f"v{FORMAT_VERSION}-{analyzer}-{token}")


def path_for(version):
    return state_dir() / directory_name(version)


def _warn_once(key, message, *args):
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning(message, *args)


def save(version, arrays, meta):
    """Write a state: ``arrays`` (name -> numpy array), ``meta`` (JSON-able: values of the
    columns, the newest updated_at, ...). Returns the directory if these arrays are now in it,
    or None: another worker of the host wrote this version first (its own arrays: a state
    patched from another base has the same entries at other positions), or it could not be
    written (logged once per reason; the caller keeps its state in memory)."""
    final = path_for(version)
    if final.exists():
        return None
    root = state_dir()
    temporary = root / f".tmp-{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex}"
    try:
        temporary.mkdir(parents=True)
        files = {}
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            with (temporary / f"{name}.npy").open("wb") as handle:
                np.save(handle, array, allow_pickle=False)
            files[name] = [array.dtype.str, list(array.shape)]
        (temporary / VALUES).write_text(json.dumps(meta.pop("values", {})), encoding="utf-8")
        manifest = {
            "format": FORMAT_VERSION,
            "analyzer": version[0],
            "token": version[1],
            "database": database_identity(),
            "written_at": time.time(),
            "arrays": files,
            **meta,
        }
        # The manifest last: a directory with one is complete (the rename makes it visible).
        (temporary / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        try:
            temporary.rename(final)
        except OSError:
            if not final.exists():
                raise
            shutil.rmtree(temporary, ignore_errors=True)  # written by another worker meanwhile
            return None
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        _warn_once(
            ("write", root, error.errno),
            "Search state: cannot write to %s (%s); each worker keeps its own state in memory",
            root,
            error,
        )
        return None
    clean_up(keep=final)
    return final


def clean_up(keep=None):
    """Remove all but the KEEP newest state directories (and never ``keep``), and temporary
    directories of writers that ended without finishing (older than an hour)."""
    root = state_dir()
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    states = []
    for entry in entries:
        try:
            if entry.name.startswith(".tmp-"):
                if time.time() - entry.stat().st_mtime > 3600:
                    shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_dir():
                states.append((entry.stat().st_mtime, entry))
        except OSError:
            continue  # removed by another worker meanwhile
    states.sort(reverse=True)
    for _mtime, entry in states[KEEP:]:
        if entry != keep:
            # Files another worker still maps stay readable for it until it lets them go.
            shutil.rmtree(entry, ignore_errors=True)


def _read(directory, analyzer):
    """(manifest, arrays, values) of a directory; raises UnreadableState."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise UnreadableState(f"format {manifest.get('format')!r}")
        if manifest.get("analyzer") != analyzer:
            raise UnreadableState(f"analyzer {manifest.get('analyzer')!r}")
        if manifest.get("database") != database_identity():
            raise ForeignState(f"another database ({manifest.get('database')!r})")
        arrays = {}
        for name, (dtype, shape) in manifest["arrays"].items():
            path = directory / f"{name}.npy"
            # Mapped read-only: the pages are shared by every worker of the host. numpy
            # cannot map an empty file.
            mode = "r" if all(shape) else None
            array = np.load(path, mmap_mode=mode, allow_pickle=False)
            if array.dtype.str != dtype or list(array.shape) != shape:
                raise UnreadableState(f"{name}: {array.dtype.str} {array.shape}")
            arrays[name] = np.asarray(array)  # a plain ndarray view of the mapping
        values = json.loads((directory / VALUES).read_text(encoding="utf-8"))
    except UnreadableState:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UnreadableState(str(error)) from error
    return manifest, arrays, values


def candidates(version):
    """State directories of this format and analyzer, the one of ``version`` first, then the
    others newest first."""
    root = state_dir()
    exact = root / directory_name(version)
    prefix = directory_name((version[0], ""))
    try:
        others = [
            entry
            for entry in root.iterdir()
            if entry.name.startswith(prefix) and entry != exact and entry.is_dir()
        ]
    except OSError:
        return []
    others.sort(key=_mtime, reverse=True)
    return [exact, *others] if exact.is_dir() else others


def _mtime(path):
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def load(version, make_state, exact=False):
    """The state of ``version`` if this host has it, else (unless ``exact``) the newest of
    an older version, made by ``make_state(version, arrays, meta)``; None if there is none.
    Unreadable directories are skipped with a warning (and removed: a state is built and
    written again)."""
    for directory in candidates(version):
        if exact and directory.name != directory_name(version):
            break
        try:
            manifest, arrays, values = _read(directory, version[0])
            found = (manifest["analyzer"], manifest["token"])
            state = make_state(found, arrays, {**manifest, "values": values})
        except (UnreadableState, ValueError, KeyError, TypeError, IndexError) as error:
            if isinstance(error, ForeignState):
                _warn_once(
                    ("foreign", directory), "Search state: skipping %s (%s)", directory, error
                )
                continue
            _warn_once(
                ("read", directory),
                "Search state: ignoring unreadable %s (%s); it is built again",
                directory,
                error,
            )
            shutil.rmtree(directory, ignore_errors=True)
            continue
        return state
    return None
