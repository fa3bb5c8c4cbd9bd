"""Drift: what a cassette's header says about how current its recording is.

Every cassette header holds ``recorded_at``, ``kit_version``, ``provider`` (the class recorded
from) and ``model`` (as asked for); the kit also writes ``model_answered`` (the model the API
said it used, e.g. a dated snapshot) and ``sdk_versions`` (the versions of the provider's package
and of the ``openai`` / ``anthropic`` SDKs when they were in use), and an imported cassette names
its source in ``imported_from``. :func:`survey` reads them back for ``llm-fakes cassette stale``.

Example:
    >>> parse_age("90d"), parse_age("2w"), parse_age("36h")
    (7776000.0, 1209600.0, 129600.0)
"""

from __future__ import annotations

import fnmatch
import functools
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llm_fakes.errors import CassetteError, UsageError

__all__ = ["CassetteAge", "parse_age", "sdk_versions", "survey"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
def _sdks() -> tuple[str, ...]:
    """The SDK packages whose versions a header records whenever they are imported."""
    from llm_fakes.wire.registry import REGISTRY

    return REGISTRY.sdk_packages()


def parse_age(text: str) -> float:
    """Seconds in an age such as ``90d``, ``2w``, ``36h``, ``1y`` (a bare number is days).

    Raises:
        UsageError: The text is not an age.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdwy]?)\s*", text)
    if not match:
        raise UsageError(
            f"--older-than {text!r} is not an age; write a number and a unit, e.g. 90d, 2w, "
            "36h or 1y (s, m, h, d, w, y)."
        )
    return float(match.group(1)) * _UNITS[match.group(2) or "d"]


@functools.cache
def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None
    except ValueError:  # pragma: no cover - a malformed name
        return None


def sdk_versions(provider: object | None) -> dict[str, str]:
    """The versions a recording depends on: the provider's own package (by its top-level
    module) and the SDKs of the wire registry its module uses (imports, or holds a client of).

    Example:
        >>> from llm_fakes.http.openai import OpenAIProvider
        >>> "llm_fakes" in sdk_versions(OpenAIProvider("m", api_key="k"))
        True
    """
    names: list[str] = []
    if provider is not None:
        module_name = type(provider).__module__
        top = module_name.split(".", 1)[0]
        if top not in ("__main__", "builtins"):
            names.append(top)
        module = sys.modules.get(module_name)
        used = [getattr(v, "__module__", None) or getattr(v, "__name__", "") for v in
                [*vars(module).values(), *getattr(provider, "__dict__", {}).values()]] if module else []
        names += [sdk for sdk in _sdks() if any(str(u).split(".")[0] == sdk for u in used)]
    out: dict[str, str] = {}
    for name in dict.fromkeys(names):
        found = _version(name.replace("_", "-"))
        if found:
            out[name] = found
    return out


@dataclass(frozen=True, kw_only=True)
class CassetteAge:
    """One cassette as ``cassette stale`` lists it."""

    path: str
    recorded_at: str
    age_days: float
    model: str
    model_answered: str = ""
    provider: str = ""
    kit_version: str = ""
    sdk_versions: dict[str, str] = field(default_factory=dict)
    imported_from: str = ""
    interactions: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return asdict(self)


def _age(recorded_at: str, now: datetime) -> float:
    try:
        when = datetime.strptime(recorded_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        try:
            when = datetime.fromisoformat(recorded_at)
        except ValueError:
            return float("inf")
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (now - when).total_seconds() / 86400)


def survey(
    files: list[Path],
    *,
    older_than: float | None = None,
    model: str | None = None,
    now: datetime | None = None,
) -> tuple[list[CassetteAge], list[tuple[Path, str]]]:
    """The cassettes among ``files`` older than ``older_than`` seconds (all if ``None``) whose
    model (as asked or as answered) matches the glob ``model``, oldest first; and the files that
    could not be read, with why."""
    from llm_fakes.cassettes import storage

    current = now or datetime.now(UTC)
    found: list[CassetteAge] = []
    bad: list[tuple[Path, str]] = []
    for path in files:
        try:
            doc = storage.load(path)
        except (CassetteError, OSError) as exc:
            bad.append((path, str(exc)))
            continue
        h = doc["header"]
        days = _age(h["recorded_at"], current)  # compared unrounded; shown to a tenth of a day
        age = CassetteAge(
            path=str(path),
            recorded_at=h["recorded_at"],
            age_days=round(days, 1),
            model=h["model"],
            model_answered=h.get("model_answered", ""),
            provider=h["provider"],
            kit_version=h["kit_version"],
            sdk_versions=dict(h.get("sdk_versions", {})),
            imported_from=h.get("imported_from", ""),
            interactions=len(doc["interactions"]),
        )
        if older_than is not None and days * 86400 < older_than:
            continue
        if model is not None and not any(
            fnmatch.fnmatchcase(m, model) for m in (age.model, age.model_answered) if m
        ):
            continue
        found.append(age)
    found.sort(key=lambda a: (-a.age_days, a.path))
    return found, bad
