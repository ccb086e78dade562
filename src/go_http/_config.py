"""Per-client settings shared by the sync and async transports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Timeout:
    """How long to wait, in seconds: to connect, and for each read from the server.

    :param float connect: the limit for opening the connection.
    :param float read: the limit between bytes of the answer.
    """

    connect: float = 5.0
    read: float = 30.0

    def __post_init__(self) -> None:
        for name in ("connect", "read"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"timeout {name} must be a positive number, got {value!r}")


DEFAULT_TIMEOUT = Timeout()

#: What a client's ``timeout=`` accepts: a :class:`Timeout`, one number for both limits,
#: or a ``(connect, read)`` pair.
TimeoutLike: TypeAlias = "Timeout | float | tuple[float, float] | None"


def as_timeout(value: TimeoutLike) -> Timeout:
    """Normalise a ``timeout=`` argument; ``None`` means the default (never unlimited)."""
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, Timeout):
        return value
    if isinstance(value, tuple):
        connect, read = value
        return Timeout(connect=connect, read=read)
    return Timeout(connect=value, read=value)
