"""litellm for the tests that judge litellm-based providers (clients extra; they skip without it).

Imported with its own warnings silenced (pydantic warns about litellm's TypedDicts at import,
which filterwarnings=error would turn into a failure of whichever test imported it first) and its
bundled model price map (no download).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest


def import_litellm() -> Any:
    """litellm, or a skip naming the extra it comes with."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("litellm", reason="litellm comes with the clients extra")
