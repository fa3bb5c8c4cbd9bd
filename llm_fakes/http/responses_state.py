"""What the Responses API keeps between requests, kept by :class:`~llm_fakes.FakeOpenAI` too.

The real API stores every response made with ``store`` (true unless the request says false), and
clients rely on it: ``previous_response_id`` continues a stored conversation (the request sends
only the new items), ``conversation=`` appends to a conversation made with the Conversations
API, ``background=True`` answers at once with a ``queued`` response that a client polls until it
is ``completed``. :class:`ResponsesState` keeps the same things in the fake instance, visible to
the test (:attr:`ResponsesState.responses`, :attr:`ResponsesState.conversations`), and answers the
routes that read them:

====================================================  =========================================
``GET /v1/responses/{id}``                            the stored response; a background one moves
                                                      ``queued`` → ``in_progress`` → ``completed``
                                                      one step per poll; ``?stream=true`` (and
                                                      ``starting_after``) replays its events
``DELETE /v1/responses/{id}``                         ``response.deleted``
``POST /v1/responses/{id}/cancel``                    a background response not yet completed
                                                      becomes ``cancelled``
``GET /v1/responses/{id}/input_items``                the items it was answered from (``order``)
``POST /v1/conversations``                            a new conversation (with ``items``)
``GET`` / ``POST`` / ``DELETE /v1/conversations/{id}``  read, update ``metadata``, delete
``GET`` / ``POST /v1/conversations/{id}/items``       list, add
====================================================  =========================================

An unknown id is the API's 404. The script sees the whole conversation: the fake's request log
and every rule read the stored items followed by the request's own ``input``.

Example:
    >>> import openai
    >>> from llm_fakes import FakeOpenAI
    >>> fake = FakeOpenAI(["Paris.", "About 2 million people."])
    >>> client = openai.OpenAI(api_key="sk-test",
    ...                        http_client=openai.DefaultHttpxClient(transport=fake.transport()))
    >>> first = client.responses.create(model="gpt-4o", input="Capital of France?")
    >>> second = client.responses.create(model="gpt-4o", input="How many people live there?",
    ...                                  previous_response_id=first.id)
    >>> [m["content"] for m in fake.requests[1].messages]
    ['Capital of France?', 'Paris.', 'How many people live there?']
    >>> fake.state.responses[second.id].previous_response_id == first.id
    True
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llm_fakes.http._fake_values import CREATED, WireResponse, json_response, sse_response

__all__ = ["Conversation", "ResponsesState", "StoredResponse"]

#: ``error(status, message, kind)``: the fake's error response in the API's shape.
ErrorFn = Callable[[int, str, str], WireResponse]

_ITEM_PREFIX = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fco",
    "reasoning": "rs",
}


@dataclass
class StoredResponse:
    """One stored response.

    Attributes:
        id: Its id (``resp_...``).
        response: The response object as ``GET`` returns it once completed.
        input_items: The items it was answered from: the stored conversation before it (the
            previous response's, or the conversation's), then the request's own ``input``.
        previous_response_id: The response it continued, if any.
        conversation_id: The conversation it was added to, if any.
        background: Whether it was made with ``background=True``.
        status: ``queued``, ``in_progress``, ``completed``, ``incomplete``, ``cancelled``...
        events: The stream's events (SSE parts), when it was streamed in the background.
    """

    id: str
    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    previous_response_id: str | None = None
    conversation_id: str | None = None
    background: bool = False
    status: str = "completed"
    events: list[bytes] = field(default_factory=list)

    @property
    def output(self) -> list[dict[str, Any]]:
        """Its output items."""
        items: list[dict[str, Any]] = self.response.get("output") or []
        return items

    @property
    def history(self) -> list[dict[str, Any]]:
        """The whole conversation up to and including this response's output."""
        return [*self.input_items, *self.output]

    def current(self) -> dict[str, Any]:
        """The response object as it stands now (a background one before it completes)."""
        if self.status == self.response.get("status"):
            return self.response
        pending = dict(self.response, status=self.status)
        if self.status in ("queued", "in_progress"):
            pending.update(output=[], usage=None, incomplete_details=None)
        return pending


@dataclass
class Conversation:
    """One conversation of the Conversations API.

    Attributes:
        id: Its id (``conv_...``).
        items: Its items, oldest first (each with an ``id``).
        metadata: Its metadata.
    """

    id: str
    items: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def object(self) -> dict[str, Any]:
        """The ``conversation`` object the API returns."""
        return {
            "id": self.id,
            "object": "conversation",
            "created_at": CREATED,
            "metadata": self.metadata,
        }


def _page(items: list[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
    """A list page as the API returns one (newest first unless ``order=asc``)."""
    data = list(items) if query.get("order") == "asc" else list(reversed(items))
    after = query.get("after")
    if after:
        ids = [i.get("id") for i in data]
        data = data[ids.index(after) + 1 :] if after in ids else []
    limit = int(query.get("limit") or 20)
    page, more = data[:limit], len(data) > limit
    first = page[0].get("id") if page else None
    last = page[-1].get("id") if page else None
    return {"object": "list", "data": page, "first_id": first, "last_id": last, "has_more": more}


class ResponsesState:
    """The stored responses and conversations of one fake (see the module notes)."""

    def __init__(self, keep: int | None = None) -> None:
        #: Stored responses by id, in the order they were made (at most ``keep``, the newest:
        #: a long-running fake does not grow; an older id then answers 404, as if expired).
        self.responses: dict[str, StoredResponse] = {}
        self.limit = keep
        #: Conversations by id.
        self.conversations: dict[str, Conversation] = {}
        self._items = 0
        self._made = 0  # conversations made

    # ------------------------------------------------------------------ the POST /responses side

    def check(self, body: dict[str, Any]) -> tuple[int, str] | None:
        """``(status, message)`` when the body names state that does not exist, else ``None``."""
        previous = body.get("previous_response_id")
        conversation = _conversation_id(body.get("conversation"))
        if previous is not None and conversation is not None:
            return (
                400,
                "Mutually exclusive parameters: Ensure you are only providing one of: "
                "'previous_response_id' or 'conversation'.",
            )
        if previous is not None and previous not in self.responses:
            return (
                400,
                f"Previous response with id {previous!r} not found. (llm-fakes keeps responses "
                "made with store=true by this fake only.)",
            )
        if conversation is not None and conversation not in self.conversations:
            return 404, f"Conversation with id {conversation!r} not found."
        if body.get("background") and body.get("store") is False:
            return 400, "Background mode requires 'store' to be true."
        return None

    def prior_items(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The stored items a request continues (none when it continues nothing)."""
        previous = body.get("previous_response_id")
        if isinstance(previous, str) and previous in self.responses:
            return self.responses[previous].history
        conversation = self.conversations.get(_conversation_id(body.get("conversation")) or "")
        return list(conversation.items) if conversation is not None else []

    def _with_ids(self, items: list[Any], turn: int) -> list[dict[str, Any]]:
        out = []
        for item in items:
            item = dict(item) if isinstance(item, dict) else {"role": "user", "content": item}
            if "id" not in item:
                kind = str(item.get("type") or "message")
                self._items += 1
                item["id"] = f"{_ITEM_PREFIX.get(kind, 'item')}_in_llmfakes{self._items:06d}"
                item.setdefault("type", kind)
            out.append(item)
        return out

    def keep(
        self,
        body: dict[str, Any],
        response: dict[str, Any],
        own_input: list[dict[str, Any]],
        turn: int,
        events: list[bytes] | None = None,
    ) -> dict[str, Any]:
        """Store one answered request (when ``store`` is not false) and return the response
        object the POST answers with (a ``queued`` one for ``background=True``)."""
        conversation = self.conversations.get(_conversation_id(body.get("conversation")) or "")
        stored_input = [*self.prior_items(body), *self._with_ids(own_input, turn)]
        if conversation is not None:
            conversation.items += stored_input[len(conversation.items) :]
            conversation.items += copy.deepcopy(response.get("output") or [])
        if body.get("store") is False:
            return response
        background = bool(body.get("background"))
        entry = StoredResponse(
            id=str(response["id"]),
            response=response,
            input_items=stored_input,
            previous_response_id=body.get("previous_response_id"),
            conversation_id=conversation.id if conversation is not None else None,
            background=background,
            status="queued" if background and not events else str(response["status"]),
            # Only a background response's stream can be read again (GET ?stream=true).
            events=list(events or ()) if background else [],
        )
        self.responses[entry.id] = entry
        while self.limit is not None and len(self.responses) > self.limit:
            del self.responses[next(iter(self.responses))]
        return entry.current()

    # ------------------------------------------------------------------ the other routes

    def route(
        self, method: str, path: str, params: Mapping[str, str], body: Any, error: ErrorFn
    ) -> WireResponse | None:
        """The answer for a state route (see the module notes), else ``None``; ``params`` are
        the URL's query parameters."""
        path = path.rstrip("/")
        if "/conversations" in path:
            return self._conversations(method, path.split("/conversations", 1)[1], body, error)
        if "/responses/" not in path:
            return None
        rest = path.split("/responses/", 1)[1].split("/")
        rid, tail = rest[0], "/".join(rest[1:])
        if rid == "input_tokens":
            return None
        entry = self.responses.get(rid)
        if entry is None:
            if (method, tail) in (("GET", ""), ("DELETE", ""), ("POST", "cancel")) or (
                method == "GET" and tail == "input_items"
            ):
                return error(404, f"Response with id {rid!r} not found.", "no_such_item")
            return None
        if method == "GET" and tail == "":
            if params.get("stream") == "true":
                after = int(params.get("starting_after") or -1)
                return sse_response([p for i, p in enumerate(entry.events) if i > after])
            if entry.status == "queued":
                entry.status = "in_progress"
            elif entry.status == "in_progress":
                entry.status = str(entry.response["status"])
            return json_response(200, entry.current())
        if method == "DELETE" and tail == "":
            del self.responses[rid]
            return json_response(200, {"id": rid, "object": "response.deleted", "deleted": True})
        if method == "POST" and tail == "cancel":
            if not entry.background:
                return error(
                    400,
                    "Only responses created with background=true can be cancelled.",
                    "invalid_request",
                )
            if entry.status in ("queued", "in_progress"):
                entry.status = "cancelled"
                entry.response = dict(entry.response, status="cancelled", output=[], usage=None)
            return json_response(200, entry.current())
        if method == "GET" and tail == "input_items":
            return json_response(200, _page(entry.input_items, params))
        return None

    def _conversations(
        self, method: str, rest: str, body: Any, error: ErrorFn
    ) -> WireResponse | None:
        body = body if isinstance(body, dict) else {}
        if rest == "" and method == "POST":
            self._made += 1
            made = Conversation(id=f"conv_llmfakes{self._made:04d}")
            made.metadata = dict(body.get("metadata") or {})
            made.items = self._with_ids(list(body.get("items") or ()), 0)
            self.conversations[made.id] = made
            return json_response(200, made.object())
        parts = rest.lstrip("/").split("/")
        conv = self.conversations.get(parts[0])
        if conv is None:
            return error(404, f"Conversation with id {parts[0]!r} not found.", "no_such_item")
        tail = "/".join(parts[1:])
        if tail == "":
            if method == "GET":
                return json_response(200, conv.object())
            if method == "POST":
                conv.metadata = dict(body.get("metadata") or {})
                return json_response(200, conv.object())
            if method == "DELETE":
                del self.conversations[conv.id]
                deleted = {"id": conv.id, "object": "conversation.deleted", "deleted": True}
                return json_response(200, deleted)
        if tail == "items":
            if method == "GET":
                return json_response(200, _page(conv.items, {"order": "asc"}))
            if method == "POST":
                added = self._with_ids(list(body.get("items") or ()), 0)
                conv.items += added
                return json_response(200, _page(added, {"order": "asc"}))
        if tail.startswith("items/"):
            item_id = tail.split("/", 1)[1]
            found = [i for i in conv.items if i.get("id") == item_id]
            if not found:
                return error(404, f"Item with id {item_id!r} not found.", "no_such_item")
            if method == "GET":
                return json_response(200, found[0])
            if method == "DELETE":
                conv.items.remove(found[0])
                return json_response(200, conv.object())
        return None


def _conversation_id(value: Any) -> str | None:
    """A request's ``conversation``: an id, or ``{"id": ...}``."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None
