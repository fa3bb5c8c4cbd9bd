"""``httpx`` and ``httpx2`` alike: the one place the kit bridges the two packages.

The official ``openai`` and ``anthropic`` SDKs moved to ``httpx2`` (a fork with the same API in
another package); users' own code and older SDKs use ``httpx``. A transport the kit hands out
answers each request in the request's own package (:func:`module_of`), builds per-package classes
once (:func:`per_module`), and takes the base classes of the package the SDKs accept
(:func:`transport_class`).

Example:
    >>> import httpx
    >>> module_of(httpx.Request("GET", "http://x")) is httpx
    True
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

__all__ = ["module_of", "per_module", "transport_class"]

T = TypeVar("T")
_CLASSES: dict[tuple[str, str], Any] = {}


def module_of(request: Any) -> Any:
    """``httpx`` or ``httpx2``: the package of the client that sent ``request``."""
    if isinstance(request, httpx.Request):
        return httpx
    return sys.modules.get(type(request).__module__.split(".")[0], httpx)


def per_module(name: str, mod: Any, build: Callable[[Any], T]) -> T:
    """``build(mod)``, made once per package and ``name`` (a class built on ``mod``'s bases)."""
    key = (name, mod.__name__)
    if key not in _CLASSES:
        _CLASSES[key] = build(mod)
    made: T = _CLASSES[key]
    return made


@functools.cache
def transport_class(mixin: type[T], name: str) -> type[T]:
    """``mixin`` as class ``name`` on the transport base classes SDKs accept here: ``httpx2``'s
    where it is installed (SDK releases on ``httpx2`` reject any object with an ``httpx`` class
    in its MRO, while ``httpx`` clients take any object with ``handle_request``), else
    ``httpx``'s."""
    try:
        import httpx2
    except ImportError:
        bases: tuple[type, ...] = (mixin, httpx.BaseTransport, httpx.AsyncBaseTransport)
    else:
        bases = (mixin, httpx2.BaseTransport, httpx2.AsyncBaseTransport)
    cls: type[T] = type(name, bases, {"__doc__": mixin.__doc__})
    return cls
