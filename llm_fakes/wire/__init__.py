"""The wire layer: what the kit knows about each HTTP API, in one place per API.

Everything that speaks HTTP reads its APIs from :data:`~llm_fakes.wire.registry.REGISTRY`: the
fake servers and providers, the cassette importer and matcher, redaction and the vcrpy preset (the
secret names, through :mod:`llm_fakes.secrets`), the conformance backend and built-ins,
``llm-fakes serve --api``, the network guard and CLI help. No module outside this package names
an API in a table.

One API is one subclass of :class:`~llm_fakes.wire.base.WireAPI` (see its docstring for every
attribute), in its own module here, next to the code that reads and writes its wire format.

**Adding an API, the checklist:**

1. ``llm_fakes/wire/<api>.py``: the request builder, response parser and stream decoder the
   provider uses, and the entry ``class <Api>(WireAPI)``: ``key`` (the one name, used by every CLI
   flag and cassette ``wire:`` field; ``aliases`` only for names already in users' hands),
   ``title``, ``door`` (the fake family serving it), ``matches``/``path_suffixes`` (override
   ``matches`` when the path holds the model), ``hosts``, ``auth`` and every credential header and
   query parameter (``secret_headers``, ``secret_query_params``; response ``account_headers``),
   ``user_agents``, ``usage_fields``, ``provider``/``fake`` (dotted paths), ``base_path``; and the
   methods ``read_request`` (a wire body into the kit's :class:`~llm_fakes.wire.base.RequestView`),
   ``build_request``, ``parse_response``, ``stream_decoder``, ``error_body`` (render an error),
   and, when the API differs from the OpenAI/Anthropic shape, ``is_stream``/``model_of`` and
   ``request_path`` (model or stream in the path), ``error_details``/``retry_after`` (read an
   error and its retry hint), ``usage`` (a kit count that is a sum of wire fields, as Gemini's
   output tokens with its thoughts). ``sdk_package`` names the SDK by its import root, so leave
   it empty for an SDK under a namespace package (``google.genai``).
2. Register it: one line in :data:`~llm_fakes.wire.registry.REGISTRY`.
3. ``llm_fakes/http/<api>.py``: the provider (an ``HTTPProvider`` subclass with ``wire = <Api>()``
   and the entry's builder; override ``url``/``stream_url`` when the path holds the model).
4. ``llm_fakes/http/fake_<api>.py``: the fake (a ``FakeServer`` subclass: ``validate`` what the
   real API refuses, render replies and streams; it reads requests and error bodies through the
   entry, and a request's query in ``self.query``).
5. Exports: ``llm_fakes/__init__.py`` (provider and fake; ``llm_fakes.http`` exports every
   entry's provider and fake by itself).

Then the cassette importer, redaction, the vcrpy preset, ``serve --api``, the guard's messages and
the conformance suite (``<Provider>`` and ``<Provider>@loopback``) pick it up with no edit. Tests:
the entry's parsers against real recorded traffic, the fake against the official SDK, and the
conformance suite. The README's table of APIs gains a row.

Example:
    >>> from llm_fakes.wire import REGISTRY
    >>> [api.title for api in REGISTRY][:3]
    ['OpenAI Chat Completions', 'OpenAI Responses', 'Anthropic Messages']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_fakes.wire.base import Auth, RequestView, WireAPI

if TYPE_CHECKING:
    from llm_fakes.wire.registry import REGISTRY, Registry

__all__ = ["REGISTRY", "Auth", "Registry", "RequestView", "WireAPI"]


def __getattr__(name: str) -> Any:
    """``REGISTRY`` and ``Registry``, imported on first use (the entries import their parsers)."""
    if name in ("REGISTRY", "Registry"):
        from llm_fakes.wire import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
