"""Moved to :mod:`llm_fakes.wire.openai_chat` (the wire layer); the old name is the same module."""

import sys

from llm_fakes.wire import openai_chat

sys.modules[__name__] = openai_chat
