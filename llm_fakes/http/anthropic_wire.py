"""Moved to :mod:`llm_fakes.wire.anthropic_messages`; this name still imports it."""

from llm_fakes.wire.anthropic_messages import *  # noqa: F403
from llm_fakes.wire.anthropic_messages import __all__ as __all__
