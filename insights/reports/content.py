"""What a report says: the figures of its period beside those of the period before, with the
change, read from the configured insights sink through ``summarize``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from insights.aggregations import summarize
from insights.reports.periods import Period

COUNT, SHARE, MS, MEAN = "count", "share", "ms", "mean"


@dataclass(frozen=True)
class Metric:
    """One figure, this period and the one before."""

    key: str
    label: str
    current: float | None
    previous: float | None
    unit: str = COUNT  # count, share (a fraction), ms or mean

    @property
    def delta(self) -> float | None:
        """current - previous (a share's delta is in fraction points); None if either is."""
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 4 if self.unit == SHARE else 3)

    @property
    def change(self) -> float | None:
        """The relative change of a count, a mean or a latency (0.25 = +25%); None for a share,
        or when there is nothing before to compare with."""
        if self.unit == SHARE or self.delta is None or not self.previous:
            return None
        return round(self.delta / self.previous, 4)


@dataclass(frozen=True)
class Section:
    title: str
    metrics: list[Metric]


@dataclass(frozen=True)
class Bucket:
    label: str
    current: int
    previous: int


@dataclass(frozen=True)
class Distribution:
    """A histogram of the period beside the one before (same edges)."""

    key: str
    title: str
    buckets: list[Bucket]

    @property
    def is_empty(self) -> bool:
        """Nothing counted in either period."""
        return not any(b.current or b.previous for b in self.buckets)


@dataclass(frozen=True)
class Account:
    user_id: int
    email: str | None  # None once the account is gone
    jobs: int


@dataclass(frozen=True)
class Report:
    period: Period
    previous_period: Period
    source: str
    sections: list[Section]
    failure_codes: list[Bucket]
    distributions: list[Distribution]
    busiest_accounts: list[Account]
    low_confidence_threshold: float
    # One row per day of the period: start, jobs_submitted, jobs_succeeded, jobs_failed, ...
    series: list[dict]
    generated_at: datetime = field(default_factory=timezone.now)

    def metric(self, key: str) -> Metric:
        """A metric by key, e.g. ``jobs.submitted``."""
        return next(m for s in self.sections for m in s.metrics if m.key == key)

    def distribution(self, key: str) -> Distribution:
        """A distribution by key: confidence, brightness or size_bytes."""
        return next(d for d in self.distributions if d.key == key)


def build_report(period: Period) -> Report:
    """The report of a period, compared with the period before, from the configured sink.
    Raises SinkUnavailable when the sink cannot answer."""
    previous_period = period.previous()
    now, before = summarize(period.window()), summarize(previous_period.window())
    return Report(
        period=period,
        previous_period=previous_period,
        source=now["source"],
        sections=_sections(now, before),
        failure_codes=_failure_codes(now, before),
        distributions=[
            _distribution("faces.confidence", "Detection confidence", now, before),
            _distribution("images.brightness", "Image brightness (mean luma)", now, before),
            _distribution("images.size_bytes", "Image size", now, before),
        ],
        busiest_accounts=_accounts(now["busiest_accounts"]),
        low_confidence_threshold=now["faces"]["low_confidence"]["threshold"],
        series=now["series"],
    )


# (section, [(key, label, unit), ...]); a key is a path into the summary.
_LAYOUT = [
    (
        "Jobs",
        [
            ("jobs.submitted", "Jobs submitted", COUNT),
            ("jobs.by_status.succeeded", "Succeeded", COUNT),
            ("jobs.by_status.failed", "Failed", COUNT),
            ("jobs.deleted", "Deleted", COUNT),
        ],
    ),
    (
        "Images and faces",
        [
            ("images.processed", "Images processed", COUNT),
            ("images.with_no_face", "Images with no face", COUNT),
            ("images.with_no_face_share", "Share with no face", SHARE),
            ("faces.detected", "Faces detected", COUNT),
            ("faces.mean_per_image", "Faces per image", MEAN),
            ("faces.low_confidence.count", "Low-confidence detections", COUNT),
            ("faces.low_confidence.share", "Share of low-confidence detections", SHARE),
        ],
    ),
    (
        "Latency",
        [
            ("latency_ms.total.p50", "Total p50", MS),
            ("latency_ms.total.p95", "Total p95", MS),
            ("latency_ms.queue.p50", "Queue p50", MS),
            ("latency_ms.queue.p95", "Queue p95", MS),
            ("latency_ms.inference.p50", "Inference p50", MS),
            ("latency_ms.inference.p95", "Inference p95", MS),
        ],
    ),
    (
        "Accounts",
        [
            ("users.signed_up", "Sign-ups", COUNT),
            ("users.active", "Active accounts", COUNT),
            ("users.keys_created", "Keys created", COUNT),
            ("users.keys_revoked", "Keys invalidated", COUNT),
        ],
    ),
    (
        "Feedback",
        [
            ("feedback.submitted", "Feedback received", COUNT),
            ("feedback.marked_correct", "Marked correct", COUNT),
            ("feedback.correct_share", "Share marked correct", SHARE),
        ],
    ),
]


def _pick(summary: dict, key: str):
    value = summary
    for part in key.split("."):
        value = value[part]
    return value


def _sections(now: dict, before: dict) -> list[Section]:
    return [
        Section(
            title=title,
            metrics=[
                Metric(key, label, _pick(now, key), _pick(before, key), unit)
                for key, label, unit in rows
            ],
        )
        for title, rows in _LAYOUT
    ]


def _failure_codes(now: dict, before: dict) -> list[Bucket]:
    current, previous = now["jobs"]["failure_codes"], before["jobs"]["failure_codes"]
    codes = sorted(set(current) | set(previous), key=lambda c: (-current.get(c, 0), c))
    return [Bucket(code, current.get(code, 0), previous.get(code, 0)) for code in codes]


def _distribution(path: str, title: str, now: dict, before: dict) -> Distribution:
    key = path.rsplit(".", 1)[-1]
    current, previous = _pick(now, path), _pick(before, path)
    return Distribution(
        key=key,
        title=title,
        buckets=[
            Bucket(_bucket_label(key, a["from"], a["to"]), a["count"], b["count"])
            for a, b in zip(current, previous, strict=True)
        ],
    )


def _bucket_label(key: str, lo: float, hi: float | None) -> str:
    if key == "size_bytes":
        if hi is None:
            return f"≥ {_bytes(lo)}"
        low, high = _bytes(lo), _bytes(hi)
        if low.split()[-1] == high.split()[-1] or lo == 0:  # one unit: "1-2 MB", "0-100 kB"
            return f"{low.split()[0]}-{high}"
        return f"{low}-{high}"
    show = "{:.2f}" if key == "confidence" else "{:g}"
    return f"≥ {show.format(lo)}" if hi is None else f"{show.format(lo)}-{show.format(hi)}"


def _bytes(value: float) -> str:
    return f"{value / 1_000_000:g} MB" if value >= 1_000_000 else f"{value / 1000:g} kB"


def _accounts(rows: list[dict]) -> list[Account]:
    user_model = get_user_model()
    emails = dict(
        user_model.objects.filter(pk__in=[row["user_id"] for row in rows]).values_list(
            "pk", user_model.get_email_field_name()
        )
    )
    return [Account(row["user_id"], emails.get(row["user_id"]), row["jobs"]) for row in rows]
