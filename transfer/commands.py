"""The shared head of the library commands (export_library, import_library): one file
argument, JSON or a ZIP of CSV files, and the importer's errors as a CommandError."""

from django.core.management.base import BaseCommand, CommandError


class LibraryFileCommand(BaseCommand):
    path_help = ""  # what the file is, per command

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.path_help)

    def failed(self, failure, heading=None, limit=50):
        """A CommandError listing an ImportFailed's errors, under a heading if given."""
        if heading is None:
            return CommandError("\n".join(failure.errors))
        return CommandError("\n".join([heading, *(f"  {e}" for e in failure.errors[:limit])]))
