"""System benchmark: photos submitted over HTTP by concurrent clients until every job is done,
against the same service's detection worker alone, in one run.

    .venv/bin/python bench/bench_system.py --api-key KEY

1. Worker alone: the detection worker is paused (Celery remote control, through the service's
   broker), ``--count`` jobs are submitted, the worker is resumed and drains the queue with no
   HTTP traffic beside it.
2. System: each client (a thread with one keep-alive connection) submits a letterboxed test
   photo, waits for its result (``GET /api/v1/jobs/{id}?wait=N``; ``--wait 0`` polls instead;
   ``--prefer-wait`` asks for it in the submission's answer, ``Prefer: wait=N``), then
   submits the next: ``--concurrency`` jobs are in flight at any time.

Both rates are measured the same way, from the jobs' ``finished_at``: (jobs - 1) / (last -
first), the rate at which jobs come out once the pipeline is full (see ``completion_rate``).

It prints both rates and their ratio, the submit latency (p50/p99), the submit-to-result time
(client's submit to the job's ``finished_at``, p50/p99), the requests per job, and the cores
each part of the service used during the system phase. ``--rounds`` repeats both phases, one
after the other, and reports the median ratio: on a shared host the CPU's speed drifts by a
quarter within a minute, which one pair of phases cannot tell from a real difference.
``--model-rate`` or ``--model-json`` adds the ratio to the model benchmark's detector alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean, median

from cpuload import CoresByPart
from latency import percentile, summary
from service_client import (
    ServiceClient,
    add_service_arguments,
    parse_time,
    run_threads,
    service_settings,
)
from testphotos import encode_jpeg, load_photos, parse_size
from worker_control import DetectionWorkers, add_broker_argument, broker_url

FINISHED = {"succeeded", "failed"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    add_broker_argument(parser)
    parser.add_argument(
        "--count",
        type=int,
        default=400,
        help="jobs in each phase, after the warm-up (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        help="jobs run first and not counted; they include the start, when every client "
        "submits at once (default: twice --concurrency)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=600,
        help="give up after this many seconds (default: %(default)s)",
    )
    parser.add_argument("--size", default="640x480", help="photo size (default: %(default)s)")
    parser.add_argument(
        "--wait",
        type=float,
        default=20,
        help="seconds each result request may be held by the server (?wait=); 0 polls "
        "instead (default: %(default)s)",
    )
    parser.add_argument(
        "--prefer-wait",
        action="store_true",
        help="submit with 'Prefer: wait=N' (N: --wait), so that the finished job is the "
        "answer to the submission itself (one request a job); a job not finished by then is "
        "waited for with GET as without it",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=0.2,
        help="with --wait 0: seconds between the first polls of a job, growing by half up to "
        "1 s; the first poll waits for the recent median time to a result (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="worker-alone and system phases, alternated this many times (default: %(default)s)",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the worker-alone phase (and the need for the broker)",
    )
    rate = parser.add_mutually_exclusive_group()
    rate.add_argument(
        "--model-rate",
        type=float,
        help="the model benchmark's worker figure, images/s, to compare with as well",
    )
    rate.add_argument(
        "--model-json",
        type=Path,
        help="read that figure for --size from bench_model.py --json",
    )
    return parser.parse_args()


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    submit: list[float] = field(default_factory=list)
    result: list[float] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    problems: list[str] = field(default_factory=list)

    def first_poll(self, poll: float) -> float:
        """Seconds to wait before the first poll (without --wait): the recent median time to a
        result, so that polling costs the web tier about two requests a job."""
        with self.lock:
            recent = sorted(self.result[-64:])
        return max(poll, recent[len(recent) // 2]) if recent else poll

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def await_result(
    client: ServiceClient,
    job_id: str,
    *,
    wait: float,
    first_poll_at: float,
    poll: float,
    deadline: float,
) -> tuple[dict | None, int]:
    """The finished job (None past the deadline or on an HTTP error) and the requests it took."""
    requests, interval, next_poll = 0, poll, first_poll_at
    while time.monotonic() < deadline:
        if not wait:
            time.sleep(max(0.0, next_poll - time.time()))
        job = client.job(job_id, wait=wait)
        requests += 1
        if job.status == 200 and job.body.get("status") in FINISHED:
            return job.body, requests
        if job.status not in (200, 429):
            return None, requests
        if job.retry_after:  # rate limited, or the server had no room to hold the request
            time.sleep(job.retry_after)
        next_poll, interval = time.time() + interval, min(1.0, interval * 1.5)
    return None, requests


def run_one(
    client: ServiceClient,
    photo: bytes,
    args: argparse.Namespace,
    deadline: float,
    tally: Tally | None,
) -> None:
    """Submit one photo and wait for its job to finish (or the deadline to pass); counted in
    ``tally`` unless it is None (warm-up, cool-down)."""
    submitted_at = time.time()
    prefer = f"wait={args.wait:.0f}" if args.prefer_wait and args.wait >= 1 else None
    response = client.submit(photo, prefer=prefer)
    if response.status == 201 and prefer:  # finished within the submission's own wait
        job, requests = response.body, 0
    elif response.status != 202:
        if tally is not None:
            tally.problem(f"submit {response.status}: {response.body}")
        time.sleep(response.retry_after or 0)
        return
    else:
        job, requests = await_result(
            client,
            response.body["id"],
            wait=args.wait,
            first_poll_at=submitted_at + (tally.first_poll(args.poll) if tally else args.poll),
            poll=args.poll,
            deadline=deadline,
        )
    if tally is None:
        return
    if job is None:
        tally.problem(f"job {response.body['id']} not finished")
        return
    finished = parse_time(job.get("finished_at")) or time.time()
    with tally.lock:
        tally.requests += requests + 1
        tally.statuses[job["status"]] = tally.statuses.get(job["status"], 0) + 1
        if not prefer:  # with Prefer: wait the submission's time is its time to a result
            tally.submit.append(response.seconds)
        tally.result.append(finished - submitted_at)
        tally.finished_at.append(finished)


def run_system(
    clients: list[ServiceClient], photos: list[bytes], args: argparse.Namespace, deadline: float
) -> Tally:
    """Clients submit without a break: ``--warmup`` jobs first, then ``--count`` measured, and
    more (not measured) until every measured job is done, so that neither the start (every
    client submitting at the same instant) nor the end (fewer jobs in flight) is measured."""
    tally, tickets = Tally(), itertools.count()
    first, last = args.warmup, args.warmup + args.count

    def client_loop(client: ServiceClient) -> None:
        while time.monotonic() < deadline:
            ticket = next(tickets)
            if ticket >= last:
                with tally.lock:
                    if len(tally.result) + len(tally.problems) >= args.count:
                        return
            measured = tally if first <= ticket < last else None
            try:
                run_one(client, photos[ticket % len(photos)], args, deadline, measured)
            except OSError as exc:
                # Only a measured job's trouble counts towards the phase's end: a warm-up or
                # cool-down one counted there would end it before every measured job is done.
                if measured is not None:
                    tally.problem(repr(exc))

    run_threads(client_loop, clients)
    return tally


def worker_alone(
    clients: list[ServiceClient],
    photos: list[bytes],
    count: int,
    workers: DetectionWorkers,
    deadline: float,
) -> tuple[float, CoresByPart]:
    """Jobs per second of the detection worker draining ``count`` queued jobs."""
    job_ids: list[str] = []
    lock, tickets = threading.Lock(), itertools.count()

    def submit(client: ServiceClient) -> None:
        while (ticket := next(tickets)) < count:
            response = client.submit(photos[ticket % len(photos)])
            if response.status != 202:
                raise SystemExit(f"submit {response.status}: {response.body}")
            with lock:
                job_ids.append(response.body["id"])

    with workers.paused():
        run_threads(submit, clients)
    with CoresByPart() as cores:
        # Watch the drain with one light request every half second: fetching results now
        # would take web-tier CPU from the worker this phase measures alone. The queue is
        # first in, first out, so the last job submitted is about the last one done.
        last_job = job_ids[-1]
        while time.monotonic() < deadline:
            reply = clients[0].job(last_job)
            if reply.status != 200 or reply.body.get("status") in FINISHED:
                break
            time.sleep(0.5)
    jobs: list[dict] = []
    to_collect = iter(job_ids)  # next() on a list iterator is atomic: no lock needed

    def collect(client: ServiceClient) -> None:
        for job_id in to_collect:
            job, _ = await_result(
                client, job_id, wait=20, first_poll_at=0, poll=0.5, deadline=deadline
            )
            if job is None:
                raise SystemExit(f"job {job_id} did not finish in time")
            with lock:
                jobs.append(job)

    run_threads(collect, clients)
    if len(jobs) < count:
        raise SystemExit("the worker-alone phase did not finish")
    return completion_rate([parse_time(job["finished_at"]) for job in jobs]), cores


def model_rate(args: argparse.Namespace) -> float | None:
    if args.model_rate:
        return args.model_rate
    if args.model_json:
        for row in json.loads(args.model_json.read_text())["results"]:
            if row["size"] == args.size:
                return row["worker"]
        raise SystemExit(f"{args.model_json} has no figure for {args.size}.")
    return None


@dataclass(frozen=True)
class CpuShare:
    """The CPU each side spends a job: d, the detection worker's while it ran alone, and w,
    the web tier's during the system phase. On one machine whose cores both sides share,
    the system runs at about d / (d + w) of the worker alone; on a shared host that figure
    moves far less from round to round than the ratio of the two measured rates.

    d_system is the detection worker's CPU a job during the system phase. With every core busy
    in both phases the measured ratio is d / (d_system + w): where d_system is above d, the
    worker's own jobs cost more while the phases ran (the cores shared with the web tier, or
    the host slower than minutes before), and the measured ratio falls below d / (d + w)."""

    d_ms: float
    w_ms: float
    d_system_ms: float | None = None

    @property
    def expected(self) -> float:
        return self.d_ms / (self.d_ms + self.w_ms)

    @property
    def system_over_alone(self) -> float | None:
        """How much more the worker's own jobs cost in the system phase: d_system / d - 1."""
        return self.d_system_ms / self.d_ms - 1 if self.d_system_ms else None


def cpu_share(
    alone: float | None, alone_cores: CoresByPart | None, rate: float, cores: CoresByPart
) -> CpuShare | None:
    """d and w from one round's two phases; None without the figures (no /proc, no baseline)."""
    detection = alone_cores.cores.get("detection worker") if alone_cores else None
    web = cores.cores.get("web")
    if not (alone and detection and rate and web):
        return None
    shared = cores.cores.get("detection worker")
    return CpuShare(
        d_ms=detection / alone * 1000,
        w_ms=web / rate * 1000,
        d_system_ms=shared / rate * 1000 if shared else None,
    )


def completion_rate(finished_at: list[float]) -> float:
    """Jobs a second, from their finish times: (n - 1) / (last - first).

    Counting from the first measured submit instead (n / (last finish - first submit)) would
    add one whole submit-to-result time to the span, the time the first measured job spends in
    a pipeline that warm-up jobs already fill: with 32 jobs in flight that is 32 jobs' worth, so
    300 measured jobs would read 300 / 332 of the true rate. Between the first and the last
    measured finish exactly n - 1 measured jobs finish, in either phase.
    """
    if len(finished_at) < 2:
        return 0.0
    span = max(finished_at) - min(finished_at)
    return (len(finished_at) - 1) / span if span > 0 else 0.0


def main() -> None:
    args = parse_args()
    if args.warmup is None:
        args.warmup = 2 * args.concurrency
    host, port, key = service_settings(args.url, args.api_key)
    reference = model_rate(args)
    workers = None if args.no_baseline else DetectionWorkers(broker_url(args.broker_url))
    photos = [encode_jpeg(image) for _, image in load_photos(parse_size(args.size))]
    clients = [ServiceClient(host, port, key) for _ in range(args.concurrency)]
    deadline = time.monotonic() + args.time_limit
    how = f"waiting up to {args.wait:g} s a request" if args.wait else "polling"
    if args.prefer_wait and args.wait >= 1:
        how = f"each submission holding up to {args.wait:.0f} s for its result (Prefer: wait)"
    print(
        f"{args.concurrency} clients, {args.count} jobs of {args.size} photos a phase "
        f"(+{args.warmup} warm-up), {how}, {args.rounds} round(s), on http://{host}:{port}"
    )
    alones, rates, tallies, shares = [], [], [], []
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number}:")
        alone, alone_cores = None, None
        if workers is not None:
            alone, alone_cores = worker_alone(clients, photos, args.count, workers, deadline)
            alones.append(alone)
            print(f"  worker alone ({', '.join(workers.names)}): {alone:.2f} images/s")
            if alone_cores.cores:
                print(f"  cores used while it drained the queue: {alone_cores.line()}")
        with CoresByPart() as cores:
            tally = run_system(clients, photos, args, deadline)
        tallies.append(tally)
        rate = completion_rate(tally.finished_at)
        rates.append(rate)
        print(
            f"  system: {len(tally.result)} of {args.count} jobs done: {rate:.2f} images/s; "
            f"states {tally.statuses}"
        )
        if tally.result:
            # Little's law, as a check (a little high: a job is in flight until its client
            # has the answer, a little after finished_at).
            print(
                f"  (check: {args.concurrency} in flight / mean submit-to-result "
                f"{fmean(tally.result):.2f} s ~ {args.concurrency / fmean(tally.result):.2f} "
                "images/s)"
            )
        if alone:
            print(f"  system / worker alone = {rate / alone:.0%}")
        submits = [seconds * 1000 for seconds in tally.submit]
        if submits:
            print(
                f"  submit latency p50/p99: {percentile(submits, 50):.1f} / "
                f"{percentile(submits, 99):.1f} ms"
            )
        if cores.cores:
            print(f"  cores used during the system phase: {cores.line()}")
        share = cpu_share(alone, alone_cores, rate, cores)
        if share is not None:
            shares.append(share)
            print(
                f"  CPU a job: detection worker alone d = {share.d_ms:.1f} ms, web tier w = "
                f"{share.w_ms:.1f} ms; d / (d + w) = {share.expected:.0%}"
            )
            if share.d_system_ms:
                print(
                    "  detection worker's CPU a job in the system phase: "
                    f"{share.d_system_ms:.1f} ms ({share.system_over_alone:+.0%} on d)"
                )
        if tally.problems:
            print(f"  problems: {len(tally.problems)}, first: {tally.problems[0]}")
    done = sum(len(tally.result) for tally in tallies)
    print(f"over {args.rounds} round(s), medians:")
    print(f"system: {median(rates):.2f} images/s")
    if alones:
        ratios = [rate / alone for rate, alone in zip(rates, alones, strict=True)]
        print(f"worker alone: {median(alones):.2f} images/s")
        print(
            f"system / worker alone = {median(ratios):.0%} "
            f"(rounds: {', '.join(f'{ratio:.0%}' for ratio in ratios)})"
        )
    if shares:
        print(
            f"CPU a job: d = {median(x.d_ms for x in shares):.1f} ms, "
            f"w = {median(x.w_ms for x in shares):.1f} ms, d / (d + w) = "
            f"{median(x.expected for x in shares):.0%} (steadier than the ratio of rates)"
        )
        in_system = [x.system_over_alone for x in shares if x.d_system_ms]
        if in_system:
            print(
                "detection worker's CPU a job, system phase against alone: "
                f"{', '.join(f'{x:+.0%}' for x in in_system)} (rounds)"
            )
    if reference:
        print(
            f"system / model benchmark's worker ({reference:.2f} img/s) = "
            f"{median(rates) / reference:.0%}"
        )
    if any(t.submit for t in tallies):
        print(f"submit latency:    {summary([s for t in tallies for s in t.submit])}")
    else:
        print("submit latency:    - (each submission waited for its result: Prefer: wait)")
    print(f"submit-to-result:  {summary([r for t in tallies for r in t.result])}")
    print(
        f"requests: {sum(t.requests for t in tallies) / max(done, 1):.2f} per job (submit included)"
    )
    for client in clients:
        client.close()


if __name__ == "__main__":
    main()
