"""The conformance suite: prove that a provider honours the contract (SPEC C1–R6).

Example:
    >>> from llm_fakes.contract import ProviderFactory, run_conformance
    >>> factory = ProviderFactory(lambda backend: backend.scripted, name="fake")
    >>> run_conformance([factory], only="C2", max_examples=2).ok
    True
"""

from __future__ import annotations

from llm_fakes.contract.backend import BackendSession, ConformanceBackend
from llm_fakes.contract.cases import BackendOptions, CallRequest, Case
from llm_fakes.contract.factory import CAPABILITIES, ProviderFactory, load_factory
from llm_fakes.contract.properties import PROPERTIES, Property
from llm_fakes.contract.runner import PROFILES, Report, Verdict, run_conformance, run_property
from llm_fakes.contract.wire import BackendRequest

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
    "Property",
    "ProviderFactory",
    "Report",
    "Verdict",
    "load_factory",
    "run_conformance",
    "run_property",
]
