"""AgentCore e2e fixtures. A package so pytest imports its conftest as agentcore.conftest and leaves the
plain name `conftest` to Tests/e2e/conftest.py, which sibling tests import directly."""
