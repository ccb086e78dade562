"""Where the CLI's connection settings come from: flags, then environment variables, then
a profile of the config file, then defaults.

The config file is INI (readable by the standard library on every supported Python), one
section per profile; ``[default]`` is used unless ``--profile`` / ``GO_HTTP_PROFILE``
names another::

    [default]
    api_url = http://127.0.0.1:8080/api/v1/go
    auth_token = ...

    [staging]
    api_url = https://staging.example.org/api/v1/go
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from go_http._protocol import DEFAULT_API_URL, SEND_API_SEGMENT

#: Every setting, in the order ``config show`` lists them.
SETTING_NAMES: tuple[str, ...] = (
    "api_url",
    "send_url",
    "auth_token",
    "account_key",
    "conversation_key",
    "conversation_token",
)
SECRET_NAMES = frozenset({"auth_token", "conversation_token"})
DEFAULT_PROFILE = "default"
CONFIG_ENV = "GO_HTTP_CONFIG"
PROFILE_ENV = "GO_HTTP_PROFILE"


def env_name(setting: str) -> str:
    """The environment variable of a setting: ``api_url`` -> ``GO_HTTP_API_URL``."""
    return f"GO_HTTP_{setting.upper()}"


def flag_name(setting: str) -> str:
    """The command-line flag of a setting: ``api_url`` -> ``--api-url``."""
    return "--" + setting.replace("_", "-")


def default_config_path() -> Path:
    """The per-user config file (``~/.config/go-http/config.ini`` on Linux)."""
    return Path(click.get_app_dir("go-http")) / "config.ini"


def mask(value: str | None) -> str:
    """A secret shown only by its last two characters (none of a short one)."""
    if not value:
        return "(not set)"
    return "****" + value[-2:] if len(value) > 8 else "****"


class SettingsError(click.ClickException):
    """A setting is missing, or the config file cannot be used (exit code 2)."""

    exit_code = 2


#: Settings that are URLs.
URL_NAMES = frozenset({"api_url", "send_url"})


def check_setting(name: str, value: str) -> str:
    """A value fit to be stored for a setting (the value itself is never in the error:
    it may be a token, or a URL with a password in it).

    :raises SettingsError: it is empty, has spaces or control characters (a line break
        would end the value in the config file), or, for a URL, is not http(s).
    """
    if not value or not value.isprintable() or any(char.isspace() for char in value):
        raise SettingsError(
            f"{name} must be a non-empty value without spaces, line breaks or control characters"
        )
    if name in URL_NAMES and not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http:// or https:// URL")
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    """One resolved setting.

    :ivar value: the value, or ``None`` when nothing gives it.
    :ivar str source: where it came from, e.g. ``--api-url``, ``GO_HTTP_API_URL``,
        ``config.ini [staging]``, ``default``.
    """

    value: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved settings of one CLI run.

    :ivar dict values: setting name -> :class:`Setting`.
    :ivar Path config_path: the config file looked at.
    :ivar bool config_found: whether that file exists.
    :ivar str profile: the profile used.
    """

    values: Mapping[str, Setting]
    config_path: Path
    config_found: bool
    profile: str

    def get(self, name: str) -> str | None:
        """A setting's value, or ``None``."""
        return self.values[name].value

    def require(self, name: str) -> str:
        """A setting's value.

        :raises SettingsError: nothing gives it; the message says how to give it.
        """
        value = self.get(name)
        if not value:
            raise SettingsError(
                f"no {name.replace('_', ' ')} configured: pass {flag_name(name)}, set "
                f"{env_name(name)}, or add '{name} = ...' to [{self.profile}] in "
                f"{self.config_path}"
            )
        return value

    @property
    def api_url(self) -> str:
        """The API base URL."""
        return self.get("api_url") or DEFAULT_API_URL

    @property
    def send_url(self) -> str:
        """The conversation API base URL (default: derived from :attr:`api_url`)."""
        return self.get("send_url") or f"{self.api_url.rstrip('/')}/{SEND_API_SEGMENT}"


def read_profile(path: Path, profile: str, explicit: bool) -> tuple[dict[str, str], bool]:
    """The settings of one profile of a config file, and whether the file exists.

    :param Path path: the INI file.
    :param str profile: the section to read.
    :param bool explicit: the user named the file or profile, so its absence is an error.
    :raises SettingsError: the file is unreadable, the profile is missing or a key is
        unknown.
    """
    if not path.is_file():
        if explicit and profile == DEFAULT_PROFILE:
            raise SettingsError(f"config file {path} does not exist")
        if explicit:
            raise SettingsError(f"profile [{profile}] not found: {path} does not exist")
        return {}, False
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8-sig")  # a byte-order mark (Notepad) is fine
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        first_line = str(exc).splitlines()[0]
        raise SettingsError(f"cannot read config file {path}: {first_line}") from None
    if not parser.has_section(profile):
        if explicit or profile != DEFAULT_PROFILE:
            known = ", ".join(parser.sections()) or "none"
            raise SettingsError(f"profile [{profile}] not found in {path} (profiles: {known})")
        return {}, True
    section = dict(parser.items(profile))
    unknown = sorted(set(section) - set(SETTING_NAMES))
    if unknown:
        raise SettingsError(
            f"unknown setting(s) {', '.join(unknown)} in [{profile}] of {path}; "
            f"known: {', '.join(SETTING_NAMES)}"
        )
    return section, True


def config_location(
    config: str | None, profile: str | None, environ: Mapping[str, str] | None = None
) -> tuple[Path, str, bool]:
    """The config file and profile to use, and whether the user named either.

    :param str config: ``--config`` (or ``None``); else ``GO_HTTP_CONFIG``, else the
        per-user file.
    :param str profile: ``--profile`` (or ``None``); else ``GO_HTTP_PROFILE``, else
        ``default``.
    :param environ: the environment (default ``os.environ``).
    """
    env = os.environ if environ is None else environ
    config = config or env.get(CONFIG_ENV) or None
    profile = profile or env.get(PROFILE_ENV) or None
    path = Path(config).expanduser() if config else default_config_path()
    return path, profile or DEFAULT_PROFILE, bool(config or profile)


def resolve_settings(
    flags: Mapping[str, str | None],
    config: str | None,
    profile: str | None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting: flag, then environment, then config file, then default.

    :param flags: setting name -> the flag's value (``None`` when not given).
    :param str config: ``--config`` (or ``None``).
    :param str profile: ``--profile`` (or ``None``).
    :param environ: the environment (default ``os.environ``).
    :raises SettingsError: the config file or profile cannot be used.
    """
    env = os.environ if environ is None else environ
    path, chosen, explicit = config_location(config, profile, env)
    from_file, found = read_profile(path, chosen, explicit)
    values: dict[str, Setting] = {}
    for name in SETTING_NAMES:
        if flags.get(name):
            values[name] = Setting(flags[name], flag_name(name))
        elif env.get(env_name(name)):
            values[name] = Setting(env[env_name(name)], env_name(name))
        elif from_file.get(name):
            values[name] = Setting(from_file[name], f"{path} [{chosen}]")
        else:
            values[name] = Setting(None, "not set")
    return Settings(values, path, found, chosen)
