"""Shared test setup: the kernels are rebuilt when the crate changed."""
from __future__ import annotations

import os

import pytest

from rustorch_wasm import _build


def pytest_configure(config: pytest.Config) -> None:
    # Tests run against the freshly built kernels unless a path is forced.
    if not os.environ.get("RUSTORCH_WASM_PATH") and not _build.is_fresh():
        _build.build_wasm()


@pytest.fixture(scope="session")
def rt():
    """The default runtime (engine from RUSTORCH_WASM_ENGINE)."""
    from rustorch_wasm.runtime import get_runtime

    return get_runtime()
