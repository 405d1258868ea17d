"""Django's file-based cache, with culling that does not list the cache on every write.

``FileBasedCache.set`` lists every file of the cache directory before each write, to decide
whether to cull. With thousands of entries (cached pages) that listing costs several
milliseconds, more than the write itself. ``FileCache`` checks at most every
``CULL_EVERY`` writes per process (and on the first), so the number of entries can exceed
``MAX_ENTRIES`` by that many writes per process before it is brought back down.
"""

from django.core.cache.backends.filebased import FileBasedCache


class FileCache(FileBasedCache):
    def __init__(self, dir, params):
        super().__init__(dir, params)
        options = params.get("OPTIONS", {})
        self._cull_every = max(1, int(options.get("CULL_EVERY", 200)))
        self._writes = 0

    def _cull(self):
        self._writes += 1
        if (self._writes - 1) % self._cull_every == 0:
            super()._cull()
