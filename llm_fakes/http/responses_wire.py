"""Moved to :mod:`llm_fakes.wire.openai_responses`; this name still imports it."""

from llm_fakes.wire.openai_responses import *  # noqa: F403
from llm_fakes.wire.openai_responses import __all__ as __all__
