import pytest


@pytest.fixture(scope="session")
def service_name():
    return "identity"
