"""A web process holds a bounded number of decoded pixels while it checks uploads."""

import threading

import pytest
from PIL import Image

from jobs import decode_budget
from jobs.decode_budget import PixelBudget
from jobs.errors import DecoderBusy
from ml.images import probe_image
from tests.images import encode

LIMIT = 40_000_000


def test_checks_over_the_budget_wait_for_each_other():
    budget = PixelBudget(100)
    first_holding, release_first = threading.Event(), threading.Event()
    order = []

    def first() -> None:
        with budget.hold(80, timeout=5):
            order.append("first in")
            first_holding.set()
            release_first.wait(5)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    first_holding.wait(5)
    threading.Timer(0.2, release_first.set).start()
    with budget.hold(40, timeout=5):  # 80 + 40 > 100: only after the first is done
        order.append("second in")
    thread.join(5)
    assert order == ["first in", "first out", "second in"]
    assert budget.in_use == 0


def test_an_image_larger_than_the_budget_runs_alone_and_others_time_out():
    budget = PixelBudget(100)
    with budget.hold(500, timeout=1), pytest.raises(DecoderBusy), budget.hold(1, timeout=0.05):
        pass
    with budget.hold(100, timeout=0), budget.hold(0, timeout=0):
        assert budget.in_use == 100


def test_the_check_holds_what_it_decodes(photo):
    held = []

    def guard(pixels: int):
        held.append(pixels)
        return threading.Lock()  # any context manager

    probe_image(encode(Image.new("RGB", (800, 600)), "PNG"), max_pixels=LIMIT, decode_guard=guard)
    probe_image(encode(Image.new("RGB", (800, 600)), "JPEG"), max_pixels=LIMIT, decode_guard=guard)
    assert held == [800 * 600, 100 * 75]  # a JPEG is checked at 1/8 scale


@pytest.mark.django_db
def test_a_submission_that_cannot_get_its_pixels_is_a_503_with_retry_after(account, settings):
    settings.DECODE_BUDGET_PIXELS = 1000
    settings.DECODE_WAIT = 0
    _, _, client = account
    budget = PixelBudget(1000)
    decode_budget._budget = budget
    try:
        with budget.hold(1000, timeout=0):  # another upload's check holds it all
            response = client.post(
                "/api/v1/jobs",
                encode(Image.new("RGB", (100, 100)), "PNG"),
                content_type="image/png",
            )
    finally:
        decode_budget._budget = None
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "busy"
