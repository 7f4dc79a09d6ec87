"""The benchmarks reuse the integration fixtures (emulator, ansible)."""

from tests.integration.conftest import ansible, emulator  # noqa: F401  pylint: disable=unused-import
