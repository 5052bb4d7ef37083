"""Build a training dataset from stored inputs, labelled by predictions corrected by feedback.

    python manage.py export_dataset --output datasets/faces.tar.gz --format coco \
        --since 2026-11-01 --until 2026-12-01 --order active --limit 500
    python manage.py export_dataset --output store://exports/faces.tar.gz --format wider
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from jobs.datasets.build import FORMATS, export_dataset
from jobs.datasets.destinations import Destination
from jobs.datasets.selection import (
    DEFAULT_UNCERTAIN_HIGH,
    DEFAULT_UNCERTAIN_LOW,
    ORDERS,
    Selection,
)
from jobs.errors import InvalidSelection


class Command(BaseCommand):
    help = (
        "Export succeeded jobs of active accounts as a tar.gz dataset (images, COCO or WIDER "
        "annotations, manifest.json) to a file or to the object store (store://KEY)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            help="a file path, or store://KEY for a key in the object store",
        )
        parser.add_argument("--format", choices=FORMATS, default="coco")
        parser.add_argument(
            "--since", type=_moment, help="ISO date or time (UTC if no zone), inclusive"
        )
        parser.add_argument(
            "--until", type=_moment, help="ISO date or time (UTC if no zone), exclusive"
        )
        parser.add_argument(
            "--with-feedback-only", action="store_true", help="only jobs that have feedback"
        )
        parser.add_argument(
            "--order",
            choices=ORDERS,
            default="newest",
            help="newest first, or active: what the model is least sure of first",
        )
        parser.add_argument("--limit", type=int, help="at most this many images")
        parser.add_argument("--uncertain-low", type=float, default=DEFAULT_UNCERTAIN_LOW)
        parser.add_argument("--uncertain-high", type=float, default=DEFAULT_UNCERTAIN_HIGH)

    def handle(self, *args, **options) -> None:
        try:
            destination = Destination.parse(options["output"])
            selection = Selection(
                since=options["since"],
                until=options["until"],
                with_feedback_only=options["with_feedback_only"],
                order=options["order"],
                limit=options["limit"],
                uncertain_low=options["uncertain_low"],
                uncertain_high=options["uncertain_high"],
            )
        except (ValueError, InvalidSelection) as exc:
            raise CommandError(str(exc)) from exc
        bar = ProgressBar(self.stderr) if options["verbosity"] > 0 else None
        result = export_dataset(
            selection=selection,
            dataset_format=options["format"],
            destination=destination,
            on_progress=bar.update if bar else None,
        )
        if bar:
            bar.close()
        counts = result.counts
        self.stdout.write(
            f"Exported {counts.images} images with {counts.annotations} faces "
            f"({counts.feedback_faces} added and {counts.removed_false_positives} removed by "
            f"feedback; {counts.skipped} skipped) to {result.location}: "
            f"{result.size_bytes} bytes, sha256 {result.sha256}"
        )


class ProgressBar:
    """A one-line bar redrawn in place on a terminal; on a pipe or a log, a line per tenth."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.shown_tenth = -1
        self.drawn = False

    def update(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` jobs are packed."""
        fraction = done / total if total else 1.0
        filled = int(self.WIDTH * fraction)
        line = f"exporting [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} "
        line += f"{fraction:4.0%}"
        if self.interactive:
            self.stream.write(f"\r{line}", ending="")
            self.stream.flush()
            self.drawn = True
        elif int(fraction * 10) > self.shown_tenth:
            self.shown_tenth = int(fraction * 10)
            self.stream.write(line)

    def close(self) -> None:
        """End the bar's line."""
        if self.drawn:
            self.stream.write("")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date or time: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
