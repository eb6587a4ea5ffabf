"""Settings: defaults under BIDFLOW_HOME, environment overrides, URL normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bidflow.settings import Settings, get_settings


def test_defaults_live_under_home(bidflow_home: Path) -> None:
    settings = get_settings()
    assert settings.home == bidflow_home
    assert settings.resolved_database_url == f"sqlite:///{bidflow_home / 'bidflow.db'}"
    assert settings.config_path == bidflow_home / "agency.yaml"
    assert not settings.llm_configured


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDFLOW_DATABASE_URL", "postgres://u:p@db:5432/bidflow")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("BIDFLOW_LLM_MODEL", "llama3.1")
    monkeypatch.setenv("BIDFLOW_WEB_PORT", "9000")
    settings = Settings()
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db:5432/bidflow"
    assert settings.llm_configured and settings.llm_model == "llama3.1"
    assert settings.review_url == "http://127.0.0.1:9000/queue"


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-test\nBIDFLOW_TIMEZONE=Europe/Berlin\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.openai_api_key == "sk-test"
    assert settings.timezone == "Europe/Berlin"


def test_bad_timezone_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDFLOW_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="not a known timezone"):
        Settings()


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        env = {"openai_api_key": "OPENAI_API_KEY", "openai_base_url": "OPENAI_BASE_URL"}.get(
            name, f"BIDFLOW_{name.upper()}"
        )
        assert f"`{env}`" in readme, f"{env} is not documented in README.md"


def test_bad_settings_are_one_line_each_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bidflow.errors import ConfigError

    monkeypatch.setenv("BIDFLOW_DATABASE_URL", "mysql://db/bidflow")
    monkeypatch.setenv("BIDFLOW_WEB_PORT", "eighty")
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as caught:
        get_settings()
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("BIDFLOW_DATABASE_URL='mysql://db/bidflow': 'mysql' databases")
    assert lines[1].startswith("BIDFLOW_WEB_PORT='eighty': Input should be a valid integer")
