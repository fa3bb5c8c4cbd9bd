"""Moved to :mod:`llm_fakes.wire.openai_chat`; this name still imports it."""

from llm_fakes.wire.openai_chat import *  # noqa: F403
from llm_fakes.wire.openai_chat import __all__ as __all__
