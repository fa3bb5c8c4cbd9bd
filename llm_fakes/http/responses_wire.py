"""Moved to :mod:`llm_fakes.wire.openai_responses`; the old name is the same module."""

import sys

from llm_fakes.wire import openai_responses

sys.modules[__name__] = openai_responses
