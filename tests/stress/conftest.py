"""The stress drivers use the integration fixtures (emulators on a free port, a fresh instance per trial)."""

from tests.integration.conftest import ansible, emulator, instance  # noqa: F401  pylint: disable=unused-import
