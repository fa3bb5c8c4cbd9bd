"""Configuration in one place: each llm-fakes setting, where it can be set, and which source wins.

A :class:`Setting` can be given in four places. For one test, the first source that sets it
wins, in the order pytest-recording documents for its own options:

1. the command-line option, ``--llm-<name>`` (a run-wide override: CI, or re-recording);
2. the ini key, ``llm_fakes_<name>`` (the project's policy);
3. a marker on the test, its class or its module (the closest one counts);
4. the ``llm_config`` fixture, a dict a ``conftest.py`` may override for a directory.

Nothing set means the setting's default. List settings (``allow_hosts``) add up instead: every
source contributes, since allowing one more host never takes away what another source allowed.

Example:
    >>> GUARD.option, GUARD.ini, GUARD.marker
    ('--llm-guard', 'llm_fakes_guard', 'llm_guard')
    >>> resolve(GUARD, ini="on", fixture={"guard": "off"})
    Resolved(value='on', source='the ini key llm_fakes_guard = on')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from llm_fakes._plugin_options import add_option
from llm_fakes.errors import UsageError

if TYPE_CHECKING:
    import pytest

__all__ = [
    "ALLOW_HOSTS",
    "GROUP",
    "GUARD",
    "RECORD_MODE",
    "Resolved",
    "Setting",
    "accept_fixture_key",
    "add_options",
    "check_fixture",
    "resolve",
    "resolve_for",
]

#: The ``pytest --help`` group every llm-fakes option belongs to.
GROUP = "llm-fakes"

#: The keys the ``llm_config`` fixture takes: each :class:`Setting` a fixture can set adds its
#: name when it is defined, :func:`accept_fixture_key` the others (the cassette options' dict).
_FIXTURE_KEYS: set[str] = set()
#: The settings only the command line and the ini file set, by name (for the message).
_SESSION_ONLY: dict[str, Setting] = {}


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One configurable value and the four places it can be set.

    Attributes:
        name: The key in the ``llm_config`` fixture; also names the option and the ini key.
        help: One line for ``pytest --help``.
        default: The value when no source sets it.
        choices: The allowed values (empty: any string).
        is_list: A list of strings (comma- or space-separated on the command line and in ini).
        marker: The marker that can set it (``None``: no marker).
        marker_kwarg: The marker's keyword for it; ``marker_positional`` also takes ``args[0]``.
        bool_values: The values ``True`` and ``False`` stand for, if a bool is accepted.
        short_option: Whether the option is also ``--llm-<name>`` (``False`` when another
            plugin has that name), besides ``--llm-fakes-<name>``.
        in_fixture: Whether the ``llm_config`` fixture can set it (its key is ``name``).
    """

    name: str
    help: str
    default: Any
    choices: tuple[str, ...] = ()
    is_list: bool = False
    marker: str | None = None
    marker_kwarg: str = ""
    marker_positional: bool = False
    bool_values: tuple[str, str] | None = None
    short_option: bool = True
    in_fixture: bool = True

    def __post_init__(self) -> None:
        if self.in_fixture:
            _FIXTURE_KEYS.add(self.name)
        else:
            _SESSION_ONLY[self.name] = self

    @property
    def option(self) -> str:
        """The command-line option the docs and messages name: ``--llm-<name>``, or
        ``--llm-fakes-<name>`` when the short name is another plugin's."""
        prefix = "--llm-" if self.short_option else "--llm-fakes-"
        return prefix + self.name.replace("_", "-")

    @property
    def dest(self) -> str:
        """The option's attribute name on ``config.option`` (no other plugin's: ``llm_fakes_``)."""
        return "llm_fakes_" + self.name

    @property
    def ini(self) -> str:
        """The ini key, ``llm_fakes_<name>``."""
        return "llm_fakes_" + self.name


class Resolved(NamedTuple):
    """A setting's value and where it came from (for messages like "on because ...")."""

    value: Any
    source: str


GUARD = Setting(
    name="guard",
    help="Network guard: 'auto' (default) blocks real httpx connections to non-loopback hosts "
    "while the record mode is 'none'; 'on' always; 'off' never.",
    default="auto",
    choices=("auto", "on", "off"),
    marker="llm_guard",
    marker_kwarg="mode",
    marker_positional=True,
    bool_values=("on", "off"),
)
ALLOW_HOSTS = Setting(
    name="allow_hosts",
    help="Hosts the network guard lets through besides loopback (comma-separated; '*' patterns "
    "like '*.internal' allowed).",
    default=(),
    is_list=True,
    marker="llm_guard",
    marker_kwarg="allow_hosts",
)


#: The cassettes' record mode. The cassette plugin adds its option and ini key; the guard reads
#: it (mode ``auto`` is on exactly in ``none``). Also settable by ``@pytest.mark.llm_cassette``.
RECORD_MODE = Setting(
    name="record_mode",
    help="Cassette record mode: none (replay only), once, new_episodes or all.",
    default="none",
    choices=("none", "once", "new_episodes", "all"),
    marker="llm_cassette",
    marker_kwarg="record_mode",
)


def add_options(parser: pytest.Parser, settings: Iterable[Setting]) -> None:
    """Add each setting's option (in the ``llm-fakes`` group) and ini key to ``parser``.

    The option is ``--llm-<name>`` and ``--llm-fakes-<name>``; the first only while no other
    plugin has it (:mod:`llm_fakes._plugin_options`).
    """
    group = parser.getgroup(GROUP)
    for s in settings:
        choices = f" One of {', '.join(s.choices)}." if s.choices else ""
        add_option(
            group,
            parser,
            s.option,
            dest=s.dest,
            default=None,
            metavar="HOSTS" if s.is_list else (s.name.upper() if not s.choices else None),
            choices=list(s.choices) or None,
            help=f"{s.help}{choices} Ini key: {s.ini}.",
        )
        parser.addini(s.ini, f"{s.help} (Overridden by {s.option}.)", default="")


def _split(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in re.split(r"[,\s]+", value) if v)
    return tuple(str(v) for v in value if str(v).strip())


class _Found(NamedTuple):
    value: Any
    source: str  # where the value came from, for messages
    where: str  # what to edit to change it


def _check(setting: Setting, found: _Found) -> Any:
    value = found.value
    if setting.is_list:
        return _split(value)
    if isinstance(value, bool) and setting.bool_values:
        value = setting.bool_values[0] if value else setting.bool_values[1]
    text = str(getattr(value, "value", value)).strip()  # an enum member counts as its value
    if setting.choices and text not in setting.choices:
        raise UsageError(
            f"Invalid value {found.value!r} for the llm-fakes setting {setting.name!r}, from "
            f"{found.source}. Allowed values: {list(setting.choices)!r}. "
            f"Change {found.where} to one of them."
        )
    return text


def _from_marker(setting: Setting, marker: Any) -> tuple[bool, Any]:
    if marker is None:
        return False, None
    if setting.marker_kwarg in marker.kwargs:
        return True, marker.kwargs[setting.marker_kwarg]
    if setting.marker_positional and marker.args:
        return True, marker.args[0]
    return False, None


def accept_fixture_key(key: str) -> None:
    """Let the ``llm_config`` fixture hold ``key`` though no :class:`Setting` is named so."""
    _FIXTURE_KEYS.add(key)


def check_fixture(fixture: Any) -> None:
    """Refuse an ``llm_config`` that is not a dict, or holds a key no llm-fakes setting reads: a
    misspelt key would otherwise leave its setting at the default without a word.

    Example:
        >>> check_fixture({"guard": "off"})
        >>> try:
        ...     check_fixture({"gaurd": "off"})
        ... except UsageError as error:
        ...     print(str(error).split(" (")[1].split(")")[0])
        did you mean 'guard'?
    """
    where = "Fix the llm_config fixture your conftest.py defines"
    if not isinstance(fixture, Mapping):
        raise UsageError(
            f"The llm_config fixture must return a dict of settings, got "
            f"{type(fixture).__name__}: {fixture!r}. {where}."
        )
    for key in fixture:
        if key in _SESSION_ONLY:
            setting = _SESSION_ONLY[key]
            raise UsageError(
                f"The llm_config fixture cannot set {key!r}: it holds for the whole session. "
                f"Set it with {setting.option} or the ini key {setting.ini}, and drop it from "
                "the llm_config fixture your conftest.py defines."
            )
        if key not in _FIXTURE_KEYS:
            import difflib  # only on this path: the plugin's import stays lean

            known = sorted(_FIXTURE_KEYS)
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(
                f"The llm_config fixture has the key {key!r}, which no llm-fakes setting reads"
                f"{hint}. The keys are {known!r}. {where}."
            )


def resolve(
    setting: Setting,
    *,
    option: Any = None,
    ini: Any = "",
    marker: Any = None,
    fixture: Mapping[str, Any] | None = None,
) -> Resolved:
    """Apply the precedence to values already read from the four sources.

    Args:
        setting: The setting.
        option: The command-line value, ``None`` when not given.
        ini: The ini value, ``""`` when not set.
        marker: The closest ``pytest.Mark`` named ``setting.marker``, or ``None``.
        fixture: The ``llm_config`` fixture's dict, or ``None``.

    Example:
        >>> resolve(GUARD, option="off", ini="on")
        Resolved(value='off', source='the command line (--llm-guard=off)')
        >>> resolve(ALLOW_HOSTS, option="a.com", fixture={"allow_hosts": ["b.com"]}).value
        ('a.com', 'b.com')
    """
    found: list[_Found] = []
    if option is not None:
        found.append(
            _Found(option, f"the command line ({setting.option}={option})", setting.option)
        )
    if ini not in ("", None, []):
        found.append(
            _Found(ini, f"the ini key {setting.ini} = {ini}", f"{setting.ini} in the ini file")
        )
    has_marker, marker_value = _from_marker(setting, marker)
    if has_marker:
        kwarg = setting.marker_kwarg
        found.append(
            _Found(
                marker_value,
                f"the marker @pytest.mark.{setting.marker}({kwarg}={marker_value!r})",
                f"the marker's {kwarg}=",
            )
        )
    if fixture and setting.name in fixture:
        value = fixture[setting.name]
        found.append(
            _Found(
                value,
                f"the llm_config fixture ({{{setting.name!r}: {value!r}}})",
                f"llm_config[{setting.name!r}]",
            )
        )
    if not found:
        return Resolved(setting.default, "the default")
    if setting.is_list:
        merged: list[str] = []
        for one in found:
            merged.extend(h for h in _check(setting, one) if h not in merged)
        return Resolved(tuple(merged), ", ".join(one.source for one in found))
    return Resolved(_check(setting, found[0]), found[0].source)


def resolve_for(
    setting: Setting,
    config: pytest.Config,
    item: pytest.Item | None = None,
    fixture: Mapping[str, Any] | None = None,
) -> Resolved:
    """Read the four sources from a pytest session (and a test, if given) and :func:`resolve`.

    Without ``item`` only the command line and the ini file count: the session-wide value.
    """
    marker = item.get_closest_marker(setting.marker) if item and setting.marker else None
    try:
        ini = config.getini(setting.ini)
    except ValueError:  # no plugin registered this ini key: it cannot be set
        ini = ""
    return resolve(
        setting,
        option=config.getoption(setting.dest, default=None),
        ini=ini,
        marker=marker,
        fixture=fixture,
    )
