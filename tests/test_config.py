from pathlib import Path

import pytest

from bot.config import ConfigError, database_url, load_config


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.library.load_samples is True
    assert config.fetch.delay_seconds == 1.0
    assert database_url(config).startswith("sqlite+aiosqlite:///")
    assert database_url(config).endswith("reviewbot.db")


def test_example_config_is_valid() -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    config = load_config(str(example), env={})
    assert config.fetch.respect_robots is True


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "[telegram]\ntokn = '1'\n"), env={})
    message = str(err.value)
    assert "telegram.tokn" in message and "unknown key" in message
    assert "\n" not in message


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fetch\.retries"):
        load_config(write(tmp_path, "[fetch]\nretries = 'many'\n"), env={})


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML") as err:
        load_config(write(tmp_path, "[storage\nurl = 1"), env={})
    assert "\n" not in str(err.value)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"), env={})


def test_environment_overrides_secrets_and_db(tmp_path: Path) -> None:
    path = write(
        tmp_path, "[telegram]\ntoken = 'from-file'\n[storage]\nurl = 'sqlite+aiosqlite:///a'\n"
    )
    env = {
        "REVIEWBOT_TELEGRAM_TOKEN": "123:secret",
        "REVIEWBOT_DB_URL": "sqlite+aiosqlite:///b",
        "REVIEWBOT_SAMPLES": "0",
    }
    config = load_config(path, env=env)
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == "123:secret"
    assert "secret" not in repr(config)
    assert config.storage.url == "sqlite+aiosqlite:///b"
    assert config.library.load_samples is False
    assert database_url(config, "sqlite+aiosqlite:///c") == "sqlite+aiosqlite:///c"


def test_config_found_through_env_and_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[library]\nload_samples = false\n")
    assert load_config(None, env={"REVIEWBOT_CONFIG": path}).library.load_samples is False
    monkeypatch.chdir(tmp_path)
    assert load_config(None, env={}).library.load_samples is False
