"""API benchmark: how fast the web tier accepts jobs, with no detection worker running.

    .venv/bin/python bench/bench_api.py --api-key KEY                  # 32 clients, 2000 jobs
    .venv/bin/python bench/bench_api.py --concurrency 64 --count 5000

Concurrent clients (threads, one keep-alive connection each) submit letterboxed test photos to
``POST /api/v1/jobs``: as fast as they are answered, or at ``--rate`` submits per second in all
(then latency counts from each submit's scheduled time, so a late start is not hidden). It
prints accepted submits per second, the submit latency (p50/p99) and the web tier's CPU time
per submit, then deletes the jobs it created (``--keep-jobs`` leaves them). The service's
detection worker is paused meanwhile (Celery remote control through the service's broker,
``--broker-url``), so that it does not compete for the cores; ``--no-pause`` leaves it be.

As fast as they are answered, N clients always have N submits in flight, so the latency is
N / throughput (Little's law); ``--rate`` shows the latency at a given load instead.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import threading
import time
from dataclasses import dataclass, field

from cpuload import CoresByPart
from latency import summary
from service_client import ServiceClient, add_service_arguments, run_threads, service_settings
from testphotos import encode_jpeg, load_photos, parse_size
from worker_control import DetectionWorkers, add_broker_argument, broker_url


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    add_broker_argument(parser)
    parser.add_argument(
        "--no-pause", action="store_true", help="leave the detection worker running"
    )
    parser.add_argument(
        "--count", type=int, default=2000, help="jobs to submit (default: %(default)s)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=120,
        help="stop submitting after this many seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--rate", type=float, default=0, help="submits per second in all; 0: as fast as answered"
    )
    parser.add_argument("--size", default="640x480", help="photo size (default: %(default)s)")
    parser.add_argument("--keep-jobs", action="store_true", help="do not delete the jobs")
    return parser.parse_args()


@dataclass(frozen=True)
class Plan:
    count: int
    rate: float  # submits per second in all, 0 for as fast as answered
    start: float  # time.monotonic() of the first submit
    deadline: float

    def due(self, ticket: int) -> float:
        return self.start + ticket / self.rate if self.rate else time.monotonic()


@dataclass
class Tally:
    """What the client threads saw, gathered under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    job_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def submit_until_done(
    client: ServiceClient, photos: list[bytes], tickets: itertools.count, plan: Plan, tally: Tally
) -> None:
    """One client: submit photos until ``plan.count`` are taken or the deadline passes."""
    while time.monotonic() < plan.deadline and (ticket := next(tickets)) < plan.count:
        due = plan.due(ticket)
        time.sleep(max(0.0, due - time.monotonic()))
        late = time.monotonic() - due
        try:
            response = client.submit(photos[ticket % len(photos)])
        except OSError as exc:
            with tally.lock:
                tally.errors.append(repr(exc))
            continue
        with tally.lock:
            tally.statuses[response.status] += 1
            if response.status == 202:
                tally.latencies.append(late + response.seconds)
                tally.job_ids.append(response.body["id"])
        if response.status == 429:
            time.sleep(response.retry_after or 1)


def delete_jobs(client: ServiceClient, job_ids: list[str], lock: threading.Lock) -> None:
    while True:
        with lock:
            if not job_ids:
                return
            job_id = job_ids.pop()
        with contextlib.suppress(OSError):  # cleaning up is best effort
            client.delete(job_id)


def report(tally: Tally, elapsed: float) -> None:
    accepted = tally.statuses[202]
    print(
        f"accepted {accepted} of {sum(tally.statuses.values())} submits in {elapsed:.1f} s: "
        f"{accepted / elapsed:.1f} submits/s"
    )
    print(f"submit latency (202): {summary(tally.latencies)}")
    others = {status: n for status, n in tally.statuses.items() if status != 202}
    if others:
        print(
            f"other answers: {dict(sorted(others.items()))}"
            + ("  (429: raise RATE_LIMIT_JOBS for benchmarking)" if 429 in others else "")
        )
    if tally.errors:
        print(f"connection errors: {len(tally.errors)}, first: {tally.errors[0]}")


def main() -> None:
    args = parse_args()
    host, port, key = service_settings(args.url, args.api_key)
    photos = [encode_jpeg(image) for _, image in load_photos(parse_size(args.size))]
    clients = [ServiceClient(host, port, key) for _ in range(args.concurrency)]
    tally = Tally()
    pace = f"at {args.rate:g}/s" if args.rate else "as fast as answered"
    print(
        f"{args.concurrency} clients submitting up to {args.count} photos of {args.size} "
        f"to http://{host}:{port}, {pace}"
    )
    paused = (
        contextlib.nullcontext()
        if args.no_pause
        else DetectionWorkers(broker_url(args.broker_url)).paused()
    )
    with paused:
        start = time.monotonic()
        plan = Plan(args.count, args.rate, start, start + args.time_limit)
        with CoresByPart() as cores:
            elapsed = run_threads(
                submit_until_done, clients, photos, itertools.count(), plan, tally
            )
        report(tally, elapsed)
        web = cores.cores.get("web")
        if web is not None and tally.latencies:
            print(
                f"web tier CPU: {web * elapsed * 1000 / len(tally.latencies):.1f} ms a submit "
                f"({web:.2f} cores); cores used: {cores.line()}"
            )
        if not args.keep_jobs and tally.job_ids:
            run_threads(delete_jobs, clients, tally.job_ids, threading.Lock())
            print("deleted the jobs it created")
    for client in clients:
        client.close()


if __name__ == "__main__":
    main()
