"""Configuration: every setting from the environment and `.env`, validated once (pydantic-settings)."""
