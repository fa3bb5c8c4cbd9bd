"""What the provider under test prints and logs while one example runs, kept out of the report.

:func:`captured` swaps ``sys.stdout`` and ``sys.stderr`` for proxies writing into one buffer,
points every logging ``StreamHandler`` that writes to the real streams at the same buffer (and,
when the root logger has no handler, catches what logging's last-resort handler would print), then
puts everything back. A handler a library creates *during* the example keeps the proxy, which
writes through to the real stream once the example is over. The runner keeps the failing
example's output and shows a few lines of it under the failure (:func:`excerpt`).

Example:
    >>> with captured() as out:
    ...     print("banner")
    >>> out.getvalue()
    'banner\\n'
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["captured", "excerpt", "output_so_far", "shorten"]

#: Lines of provider output shown under a failure, and the width each is cut to.
OUTPUT_LINES = 6
LINE_WIDTH = 200


class _Proxy(io.TextIOBase):
    """Writes into the example's buffer while it runs, to the real stream afterwards."""

    def __init__(self, real: TextIO, buffer: io.StringIO) -> None:
        self._real = real
        self._buffer: io.StringIO | None = buffer

    def write(self, text: str) -> int:
        target = self._buffer if self._buffer is not None else self._real
        return target.write(text)

    def flush(self) -> None:
        if self._buffer is None:
            self._real.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._real, "encoding", "utf-8") or "utf-8"

    def release(self) -> None:
        self._buffer = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _stream_handlers(streams: tuple[Any, ...]) -> list[tuple[Any, logging.StreamHandler[Any]]]:
    """``(logger, handler)`` for each handler printing to one of ``streams``."""
    loggers: list[Any] = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    found = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if (
                isinstance(handler, logging.StreamHandler)
                and not isinstance(handler, logging.FileHandler)
                and any(handler.stream is s for s in streams)
            ):
                found.append((logger, handler))
    return found


def _mark_shown(record: logging.LogRecord) -> bool:
    record._llm_fakes_shown = True
    return True


@contextmanager
def captured() -> Iterator[io.StringIO]:
    """Capture stdout, stderr and logging output into one buffer for the ``with`` block."""
    buffer = io.StringIO()
    real_out, real_err = sys.stdout, sys.stderr
    out, err = _Proxy(real_out, buffer), _Proxy(real_err, buffer)
    streams = (real_out, real_err, sys.__stdout__, sys.__stderr__)
    printing = _stream_handlers(streams)
    handlers = [(h, h.stream) for _, h in printing]
    root = logging.getLogger()
    extra = None
    if not any(logger is root for logger, _ in printing):
        # Nothing of root's prints to the terminal (no handler: logging's last resort would;
        # or only capturing ones, as under pytest): catch what reaches root here, unless a
        # handler above already printed it into the buffer.
        extra = logging.StreamHandler(buffer)
        extra.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        extra.addFilter(lambda record: not getattr(record, "_llm_fakes_shown", False))
        root.addHandler(extra)
    for handler, _ in handlers:
        handler.setStream(buffer)
        handler.addFilter(_mark_shown)
    sys.stdout, sys.stderr = out, err
    try:
        yield buffer
    finally:
        sys.stdout, sys.stderr = real_out, real_err
        out.release()
        err.release()
        for handler, stream in handlers:
            handler.setStream(stream)
            handler.removeFilter(_mark_shown)
        if extra is not None:
            root.removeHandler(extra)


#: What starts one of the kit's own explanations (a fake's "the script is exhausted: ... Add
#: turns to the script ..."): a text holding one is never cut, or the fix would be lost.
EXPLANATION = "llm-fakes "

#: ANSI colour and cursor codes.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: Lines third-party libraries print on every error, whatever it is (litellm's help banner):
#: noise under a failure, dropped from the excerpt.
BANNERS = (
    re.compile(r"^Give Feedback / Get Help: https://github\.com/BerriAI/litellm/issues/new$"),
    re.compile(
        r"^LiteLLM\.Info: If you need to debug this error, use `litellm\.turn_on_debug\(\)'\.$"
    ),
    re.compile(r"^Provider List: https://docs\.litellm\.ai/docs/providers$"),
)


def output_so_far() -> str:
    """What the running example has printed or logged so far (inside :func:`captured`)."""
    buffer = getattr(sys.stdout, "_buffer", None) if isinstance(sys.stdout, _Proxy) else None
    return buffer.getvalue() if isinstance(buffer, io.StringIO) else ""


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, saying how much was cut; never one of the kit's
    own explanations (:data:`EXPLANATION`).

    Example:
        >>> shorten("x" * 50, 20)
        'xxxxxxxxxx… (+40 ch)'
    """
    if len(text) <= width or EXPLANATION in text:
        return text
    kept = max(0, width - len(f"… (+{len(text)} ch)"))
    return text[:kept] + f"… (+{len(text) - kept} ch)"


def excerpt(output: str) -> str:
    """The last few lines of captured output, each cut, with a count of what was left out
    (ANSI colour codes, blank lines and known third-party banners dropped first).

    Example:
        >>> print(excerpt("".join(f"line {i}\\n" for i in range(10))))
        (4 earlier line(s))
        line 4
        line 5
        line 6
        line 7
        line 8
        line 9
    """
    lines = [ANSI.sub("", line).rstrip() for line in output.splitlines()]
    lines = [line for line in lines if line and not any(b.match(line) for b in BANNERS)]
    if not lines:
        return ""
    shown = [shorten(line, LINE_WIDTH) for line in lines[-OUTPUT_LINES:]]
    if len(lines) > OUTPUT_LINES:
        shown.insert(0, f"({len(lines) - OUTPUT_LINES} earlier line(s))")
    return "\n".join(shown)
