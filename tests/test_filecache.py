"""core.filecache.FileCache: Django's file cache, culling at most every CULL_EVERY writes."""

from pathlib import Path

from core.filecache import FileCache


def make(tmp_path, **options):
    return FileCache(str(tmp_path), {"OPTIONS": options})


def count(tmp_path):
    return len(list(Path(tmp_path).glob("*.djcache")))


def test_values_round_trip(tmp_path):
    cache = make(tmp_path)
    cache.set("a", {"x": 1})
    assert cache.get("a") == {"x": 1}
    assert cache.get("b") is None


def test_entries_stay_bounded_without_listing_on_every_write(tmp_path, monkeypatch):
    cache = make(tmp_path, MAX_ENTRIES=20, CULL_FREQUENCY=2, CULL_EVERY=10)
    listings = []
    original = FileCache._list_cache_files

    def counting(self):
        listings.append(1)
        return original(self)

    monkeypatch.setattr(FileCache, "_list_cache_files", counting)
    for number in range(200):
        cache.set(f"key-{number}", number)
        # At most MAX_ENTRIES plus the writes since the last check.
        assert count(tmp_path) <= 20 + 10
    assert len(listings) == 20  # one check per 10 writes, not 200
    assert cache.get("key-199") == 199
