"""Settings from the environment: a wrong value stops start-up with its variable's name."""

import pytest

from facedetect.env import env_int_list, env_log_level


@pytest.mark.parametrize(("raw", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_a_log_level_is_read_in_any_case(monkeypatch, raw, level):
    monkeypatch.setenv("LOG_LEVEL", raw)
    assert env_log_level("LOG_LEVEL") == level


def test_an_unknown_log_level_names_the_variable(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(ValueError, match="LOG_LEVEL must be DEBUG, INFO"):
        env_log_level("LOG_LEVEL")


def test_a_list_of_seconds(monkeypatch):
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "5, 300,1800")
    assert env_int_list("WEBHOOK_RETRY_SCHEDULE", "1") == [5, 300, 1800]
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "5s,300")
    with pytest.raises(ValueError, match="WEBHOOK_RETRY_SCHEDULE must be whole numbers"):
        env_int_list("WEBHOOK_RETRY_SCHEDULE", "1")
