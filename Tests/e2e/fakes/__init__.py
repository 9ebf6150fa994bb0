"""Loopback fakes of the services the streaming API talks to (Mastra, PostgREST, a JWKS host, AgentCore)."""
