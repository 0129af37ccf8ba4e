"""Small typed readers of the environment that fail loudly on bad values."""

from __future__ import annotations

import os


class ConfigError(RuntimeError):
    """A required or malformed environment variable."""


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    """A string variable; ``required`` refuses a missing or empty value."""
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigError(f"environment variable {name} is required")
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool) -> bool:
    """1/0, true/false, yes/no, on/off."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    low = value.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"environment variable {name}={value!r} is not a boolean")


def env_int(name: str, default: int) -> int:
    """An integer variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"environment variable {name}={value!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]
