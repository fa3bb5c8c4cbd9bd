"""Moved to :mod:`llm_fakes.wire.errors` (the wire layer); the old name is the same module."""

import sys

from llm_fakes.wire import errors

sys.modules[__name__] = errors
