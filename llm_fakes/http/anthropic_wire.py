"""Moved to :mod:`llm_fakes.wire.anthropic_messages`; the old name is the same module."""

import sys

from llm_fakes.wire import anthropic_messages

sys.modules[__name__] = anthropic_messages
