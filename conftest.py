"""The project's test configuration: hypothesis profiles, the framework mirror on sys.path."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).parent
# The mirror of the seed framework (tests/mirror/framework/llm) is importable as `framework`.
sys.path.insert(0, str(ROOT / "tests" / "mirror"))

settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# pytester's in-process sessions drop from sys.modules what they imported first, but a package
# keeps its submodules as attributes: a module first imported by an inner session would come
# back as a second copy (two LLMResponse classes). The root imports its names lazily, so load
# them all here, once, before any inner session.
import llm_fakes  # noqa: E402

for _name in llm_fakes.__all__:
    getattr(llm_fakes, _name)

# The same for modules whose second copy does not work beside the first:
# - PyYAML's C parser (yaml._yaml, an extension module, initialised once per process) keeps the
#   node classes of the first `yaml`; a second `yaml` resolves none of its nodes, and every
#   cassette the safe loader reads fails with "could not determine a constructor for the tag
#   None" (seen when an inner session of tests/plugin/test_beside_other_plugins.py was first to
#   read YAML).
# - importlib_metadata (the backport litellm imports) deletes the standard library's
#   PathFinder.find_distributions and appends its own finder to sys.meta_path on import; when an
#   inner session imported it first, pytester restored sys.meta_path without that finder and the
#   process found no installed distribution any more.
import yaml  # noqa: E402, F401

with contextlib.suppress(ImportError):
    import importlib_metadata  # noqa: F401
