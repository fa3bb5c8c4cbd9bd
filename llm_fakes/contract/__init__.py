"""The conformance suite: prove that a provider honours the contract (``docs/contract.md``).

Two front ends share everything here: the ``llm-fakes conformance`` command
(:mod:`llm_fakes.contract.cli`) and the pytest base class :class:`ProviderContract`. Names are
imported on first use, so the pytest plugin can load :mod:`llm_fakes.contract.plugin` without
pulling in hypothesis.

Example:
    >>> from llm_fakes.contract import ProviderFactory, run_conformance
    >>> factory = ProviderFactory(lambda backend: backend.scripted, name="fake")
    >>> run_conformance([factory], only="C2", max_examples=2).ok
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llm_fakes.contract.backend import BackendSession, ConformanceBackend
    from llm_fakes.contract.cases import BackendOptions, CallRequest, Case
    from llm_fakes.contract.factory import CAPABILITIES, ProviderFactory, load_factory
    from llm_fakes.contract.properties import PROPERTIES, Property
    from llm_fakes.contract.runner import (
        PROFILES,
        Report,
        Verdict,
        run_conformance,
        run_property,
    )
    from llm_fakes.contract.suite import ProviderContract
    from llm_fakes.contract.verdicts import Failure
    from llm_fakes.contract.virtual_time import virtual_time
    from llm_fakes.contract.wire import BackendRequest

_LAZY: dict[str, str] = {
    "BackendOptions": "llm_fakes.contract.cases",
    "BackendRequest": "llm_fakes.contract.wire",
    "BackendSession": "llm_fakes.contract.backend",
    "CAPABILITIES": "llm_fakes.contract.factory",
    "CallRequest": "llm_fakes.contract.cases",
    "Case": "llm_fakes.contract.cases",
    "ConformanceBackend": "llm_fakes.contract.backend",
    "Failure": "llm_fakes.contract.verdicts",
    "PROFILES": "llm_fakes.contract.runner",
    "PROPERTIES": "llm_fakes.contract.properties",
    "Property": "llm_fakes.contract.properties",
    "ProviderContract": "llm_fakes.contract.suite",
    "ProviderFactory": "llm_fakes.contract.factory",
    "Report": "llm_fakes.contract.runner",
    "Verdict": "llm_fakes.contract.runner",
    "load_factory": "llm_fakes.contract.factory",
    "run_conformance": "llm_fakes.contract.runner",
    "run_property": "llm_fakes.contract.runner",
    "virtual_time": "llm_fakes.contract.virtual_time",
}

__all__ = [
    "CAPABILITIES",
    "PROFILES",
    "PROPERTIES",
    "BackendOptions",
    "BackendRequest",
    "BackendSession",
    "CallRequest",
    "Case",
    "ConformanceBackend",
    "Failure",
    "Property",
    "ProviderContract",
    "ProviderFactory",
    "Report",
    "Verdict",
    "load_factory",
    "run_conformance",
    "run_property",
    "virtual_time",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llm_fakes.contract' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
