from django.db import models
from django.utils.translation import gettext_lazy as _


class PassageVector(models.Model):
    """One vector of a search entry: the truth the workers' memory-mapped matrix is built
    from (search/semantic/store.py). ``digest`` is the hash of the entry's passages and the
    model, so an unchanged entry is not embedded again."""

    entry = models.ForeignKey(
        "search.SearchEntry", on_delete=models.CASCADE, related_name="passage_vectors"
    )
    position = models.PositiveSmallIntegerField()
    model_id = models.CharField(max_length=64)
    digest = models.CharField(max_length=40)
    vector = models.BinaryField(help_text="float16, little-endian")

    class Meta:
        verbose_name = _("Passagenvektor")
        verbose_name_plural = _("Passagenvektoren")
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="semantic_entry_position")
        ]

    def __str__(self):
        return f"{self.entry_id}/{self.position}"
