"""System benchmark: photos submitted over HTTP by concurrent clients until every job is done.

    .venv/bin/python bench/bench_model.py --sizes 640x480 --json var/bench_model.json
    .venv/bin/python bench/bench_system.py --api-key KEY --model-json var/bench_model.json

Each client (a thread with one keep-alive connection) submits a letterboxed test photo, polls its
job until it has succeeded or failed, then submits the next: ``--concurrency`` jobs are in flight
at any time. It prints the jobs done per second and their ratio to the model benchmark's worker
figure (the detector alone, same processes and batch size), the submit latency (p50/p99) and the
submit-to-result time (client's submit to the job's ``finished_at``, p50/p99).
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from latency import summary
from service_client import ServiceClient, add_service_arguments, parse_time, service_settings
from testphotos import encode_jpeg, load_photos, parse_size

FINISHED = {"succeeded", "failed"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument(
        "--count",
        type=int,
        default=400,
        help="jobs to run, after the warm-up (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=16,
        help="jobs run first and not counted (default: %(default)s)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=600,
        help="give up after this many seconds (default: %(default)s)",
    )
    parser.add_argument("--size", default="640x480", help="photo size (default: %(default)s)")
    parser.add_argument(
        "--poll",
        type=float,
        default=0.2,
        help="seconds between the first polls of a job, growing by half up to 1 s; the first "
        "poll waits for the recent median time to a result (default: %(default)s)",
    )
    rate = parser.add_mutually_exclusive_group()
    rate.add_argument(
        "--model-rate",
        type=float,
        help="the model benchmark's worker figure, images/s, to compare with",
    )
    rate.add_argument(
        "--model-json",
        type=Path,
        help="read the worker figure for --size from bench_model.py --json",
    )
    return parser.parse_args()


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    submit: list[float] = field(default_factory=list)
    result: list[float] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    polls: int = 0
    problems: list[str] = field(default_factory=list)

    def first_poll(self, poll: float) -> float:
        """Seconds to wait before the first poll: the recent median time to a result. Each
        poll costs the web tier CPU that the workers share; this keeps it near two a job
        without blurring the figures (they come from the jobs' ``finished_at``)."""
        with self.lock:
            recent = sorted(self.result[-64:])
        return max(poll, recent[len(recent) // 2]) if recent else poll


def run_one(
    client: ServiceClient, photo: bytes, poll: float, deadline: float, tally: Tally
) -> None:
    """Submit one photo and poll its job until it is finished (or the deadline passes)."""
    submitted_at = time.time()
    response = client.submit(photo)
    if response.status != 202:
        with tally.lock:
            tally.problems.append(f"submit {response.status}: {response.body}")
        time.sleep(response.retry_after or 0)
        return
    job_id, polls, interval = response.body["id"], 0, poll
    next_poll = submitted_at + tally.first_poll(poll)
    while time.monotonic() < deadline:
        time.sleep(max(0.0, next_poll - time.time()))
        job = client.job(job_id)
        polls += 1
        if job.status == 429:
            time.sleep(job.retry_after or 1)
        elif job.status != 200 or job.body.get("status") in FINISHED:
            break
        next_poll, interval = time.time() + interval, min(1.0, interval * 1.5)
    else:
        return
    finished = parse_time(job.body.get("finished_at")) or time.time()
    with tally.lock:
        tally.polls += polls
        state = job.body.get("status", f"http {job.status}")
        tally.statuses[state] = tally.statuses.get(state, 0) + 1
        tally.submit.append(response.seconds)
        tally.result.append(finished - submitted_at)
        tally.finished_at.append(finished)


def client_loop(
    client: ServiceClient,
    photos: list[bytes],
    tickets: itertools.count,
    count: int,
    poll: float,
    deadline: float,
    tally: Tally,
) -> None:
    while time.monotonic() < deadline and (ticket := next(tickets)) < count:
        try:
            run_one(client, photos[ticket % len(photos)], poll, deadline, tally)
        except OSError as exc:
            with tally.lock:
                tally.problems.append(repr(exc))


def run_clients(
    clients: list[ServiceClient], photos: list[bytes], count: int, poll: float, deadline: float
) -> tuple[Tally, float, float]:
    """Run ``count`` jobs through the clients; (tally, wall start, wall end of the last job)."""
    tally, tickets = Tally(), itertools.count()
    threads = [
        threading.Thread(
            target=client_loop, args=(client, photos, tickets, count, poll, deadline, tally)
        )
        for client in clients
    ]
    start = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, start, max(tally.finished_at, default=time.time())


def model_rate(args: argparse.Namespace) -> float | None:
    if args.model_rate:
        return args.model_rate
    if args.model_json:
        for row in json.loads(args.model_json.read_text())["results"]:
            if row["size"] == args.size:
                return row["worker"]
        raise SystemExit(f"{args.model_json} has no figure for {args.size}.")
    return None


def main() -> None:
    args = parse_args()
    host, port, key = service_settings(args.url, args.api_key)
    reference = model_rate(args)
    photos = [encode_jpeg(image) for _, image in load_photos(parse_size(args.size))]
    clients = [ServiceClient(host, port, key) for _ in range(args.concurrency)]
    deadline = time.monotonic() + args.time_limit
    print(
        f"{args.concurrency} clients, {args.count} jobs of {args.size} photos "
        f"(+{args.warmup} warm-up) on http://{host}:{port}"
    )
    if args.warmup:
        run_clients(clients, photos, args.warmup, args.poll, deadline)
    tally, start, end = run_clients(clients, photos, args.count, args.poll, deadline)
    done = len(tally.result)
    rate = done / (end - start) if end > start else 0.0
    print(
        f"done {done} of {args.count} jobs in {end - start:.1f} s: {rate:.2f} images/s; "
        f"states {tally.statuses}"
    )
    if reference:
        print(
            f"model benchmark worker: {reference:.2f} images/s; system/worker = "
            f"{rate / reference:.0%}"
        )
    else:
        print("(pass --model-rate or --model-json for the ratio to the model benchmark)")
    print(f"submit latency:    {summary(tally.submit)}")
    print(f"submit-to-result:  {summary(tally.result)}")
    print(f"polls: {tally.polls / max(done, 1):.1f} per job, {tally.polls / (end - start):.1f}/s")
    if tally.problems:
        print(f"problems: {len(tally.problems)}, first: {tally.problems[0]}")
    for client in clients:
        client.close()


if __name__ == "__main__":
    main()
