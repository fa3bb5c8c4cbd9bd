"""The one registry of APIs: every part of the kit that speaks HTTP reads its APIs from here.

:data:`REGISTRY` holds one :class:`~llm_fakes.wire.base.WireAPI` per API, in the order URL paths
are tried. Look an API up by its key or an alias (:meth:`Registry.get`), by a URL path
(:meth:`Registry.for_path`), or walk them all.

Example:
    >>> REGISTRY.get("openai").key, REGISTRY.for_path("/v1/messages").key
    ('openai-chat', 'anthropic-messages')
    >>> REGISTRY.keys()
    ('openai-chat', 'openai-responses', 'anthropic-messages', 'gemini')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from llm_fakes.errors import UsageError
from llm_fakes.wire.anthropic_messages import AnthropicMessages
from llm_fakes.wire.base import WireAPI
from llm_fakes.wire.gemini import Gemini
from llm_fakes.wire.openai_chat import OpenAIChat
from llm_fakes.wire.openai_responses import OpenAIResponses

__all__ = ["REGISTRY", "Registry"]


class Registry:
    """An ordered set of :class:`WireAPI` entries, each under one key (and its aliases)."""

    def __init__(self, apis: Iterable[WireAPI] = ()) -> None:
        self._apis: list[WireAPI] = []
        self._names: dict[str, WireAPI] = {}
        for api in apis:
            self.add(api)

    def add(self, api: WireAPI) -> WireAPI:
        """Register ``api`` (its key and aliases must be new)."""
        for name in api.names:
            if name in self._names:
                raise ValueError(f"{name!r} already names {self._names[name]!r}")
        self._apis.append(api)
        self._names.update(dict.fromkeys(api.names, api))
        return api

    def __iter__(self) -> Iterator[WireAPI]:
        return iter(self._apis)

    def __len__(self) -> int:
        return len(self._apis)

    def keys(self) -> tuple[str, ...]:
        """Every API's key, in order."""
        return tuple(api.key for api in self._apis)

    def names(self) -> tuple[str, ...]:
        """Every name users may type: keys, then aliases."""
        return tuple(self._names)

    def find(self, name: str) -> WireAPI | None:
        """The API named ``name`` (a key or an alias), else ``None``."""
        return self._names.get(name.strip().lower())

    def get(self, name: str) -> WireAPI:
        """The API named ``name`` (a key or an alias).

        Raises:
            UsageError: No API has that name; the message lists the names there are.
        """
        api = self.find(name)
        if api is None:
            raise UsageError(f"No API is named {name!r}. Use one of: {', '.join(self.keys())}.")
        return api

    def for_path(self, path: str) -> WireAPI | None:
        """The API whose scripted endpoint ``path`` is (``None`` for any other endpoint)."""
        return next((api for api in self._apis if api.matches(path)), None)

    def sdk_packages(self) -> tuple[str, ...]:
        """The official SDKs' import names, each once (``("openai", "anthropic")``)."""
        return tuple(dict.fromkeys(api.sdk_package for api in self._apis if api.sdk_package))

    def for_host(self, host: str) -> list[WireAPI]:
        """The APIs a real host name serves (the guard names them when it blocks one).

        Example:
            >>> [api.key for api in REGISTRY.for_host("API.anthropic.com.")]
            ['anthropic-messages']
        """
        name = host.strip("[]").rstrip(".").lower()
        return [api for api in self._apis if name in api.hosts]

    def doors(self) -> dict[str, list[WireAPI]]:
        """The fake server families (``door``), each with the APIs it serves, in order."""
        out: dict[str, list[WireAPI]] = {}
        for api in self._apis:
            out.setdefault(api.door, []).append(api)
        return out

    def door(self, name: str) -> list[WireAPI]:
        """The APIs one door serves, the door named by itself or by any of its APIs' names.

        Raises:
            UsageError: No door or API has that name.
        """
        doors = self.doors()
        if name in doors:
            return doors[name]
        return doors[self.get(name).door]

    def help(self) -> str:
        """One line per API for CLI help: ``key (alias ...): title``."""
        lines = []
        for api in self._apis:
            also = f" (also {', '.join(api.aliases)})" if api.aliases else ""
            lines.append(f"{api.key}{also}: {api.title}")
        return "; ".join(lines)


#: Every API the kit speaks. Adding one: see the checklist in :mod:`llm_fakes.wire`.
REGISTRY = Registry([OpenAIChat(), OpenAIResponses(), AnthropicMessages(), Gemini()])
