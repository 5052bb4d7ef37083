"""Typed readers for environment variables; settings.py is their only caller."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The variable's value, or the default when unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    """An integer variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int_list(name: str, default: str) -> list[int]:
    """A comma-separated list of integers."""
    items = env_list(name, default)
    try:
        return [int(item) for item in items]
    except ValueError as exc:
        raise ValueError(
            f"{name} must be whole numbers separated by commas, not {items!r}"
        ) from exc


def env_log_level(name: str, default: str = "INFO") -> str:
    """A logging level name, in any case."""
    raw = os.environ.get(name) or default
    level = raw.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"{name} must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {raw!r}")
    return level


def persistent_secret(path: Path) -> str:
    """A secret generated once and kept in a file, so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (web, worker, beat) won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
