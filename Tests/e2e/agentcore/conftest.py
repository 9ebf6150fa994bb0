"""pytest fixtures for the AgentCore fixtures: one agent + one front per session, reset between tests.

Other test files can use them by living in this directory, or by importing agentcore_servers directly.
"""

import os
import sys

import pytest

# Appended, not prepended: putting this directory first would shadow Tests/e2e/conftest.py for tests that
# `from conftest import ...`.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.append(_HERE)

import agentcore_servers as servers  # noqa: E402


@pytest.fixture(scope="session")
def agent_server():
    agent = servers.start_agent()
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def front_server(agent_server):
    front = servers.start_front(agent_server.url)
    yield front
    front.stop()


@pytest.fixture
def front(front_server):
    """The shared front door with no queued faults and no recorded requests."""
    servers.clear(front_server.url)
    yield front_server
    servers.clear(front_server.url)


@pytest.fixture
def agentcore_client(front):
    """A boto3 bedrock-agentcore client pointed at the local front (no retries: faults surface at once)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-agentcore",
        endpoint_url=front.url,
        region_name=servers.TEST_REGION,
        aws_access_key_id=servers.TEST_ACCESS_KEY_ID,
        aws_secret_access_key=servers.TEST_SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=120),
    )
