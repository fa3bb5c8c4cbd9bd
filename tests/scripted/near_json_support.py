"""What the near-JSON tests check a reply with (imported as a plain module)."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

_FENCE = re.compile(r"```[a-zA-Z]*\n(.*?)\n```", re.DOTALL)


def parses_and_validates(text: str, schema: dict[str, Any]) -> bool:
    """What a strict client does: ``json.loads``, then validation against the schema."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def dig_out(text: str) -> Any:
    """A typical repair step: strip a fence, then take the first ``{`` to the last ``}``."""
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    return json.loads(text[text.index("{") : text.rindex("}") + 1])
