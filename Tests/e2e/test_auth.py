"""AUTH_MODE=jwt through the real bootstrap: Clerk-style RS256/ES256 tokens from a PEM or a JWKS host,
every 401 case, clock-skew edges, and the verified user id reaching Mastra and AgentCore."""

import json
import time

import pytest

from fakes.jwks_server import FakeJWKS
from gateway_harness import TEST_ARN, gateway_starter
from jwt_keys import APP_ORIGIN, ISSUER, Issuer, hs256_with_public_key, unsigned_token

SSE = {"accept": "text/event-stream"}
STREAM = {"agentName": "weather", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture(scope="module")
def rsa_issuer():
    return Issuer("rsa", "rsa-1")


@pytest.fixture(scope="module")
def ec_issuer():
    return Issuer("ec", "ec-1")


@pytest.fixture
def gateway(tmp_path, mastra, agentcore):
    with gateway_starter(tmp_path, {
            "AGENTCORE_RUNTIME_ARN": TEST_ARN, "AGENTCORE_ENDPOINT": agentcore.url, "MASTRA_AGENT_URL": mastra.url,
            "AGENTS": json.dumps({"weather": {"mastra": "weatherAgent"}}), "AUTH_MODE": "jwt",
            "JWT_ISSUER": ISSUER, "JWT_AUTHORIZED_PARTIES": f"{APP_ORIGIN},https://other.test.example", "LOG_LEVEL": "debug",
    }) as start:
        yield start


def bearer(token):
    return {"authorization": f"Bearer {token}"}


def agents_status(gw, token):
    return gw.request("GET", "/api/streaming/agents", headers=bearer(token) if token is not None else None).status


def test_pem_rs256_accepts_valid_and_rejects_every_bad_token(gateway, rsa_issuer):
    gw = gateway(JWT_PUBLIC_KEY_PEM=rsa_issuer.pem)
    now = int(time.time())
    other = Issuer("rsa", "rsa-1")  # same kid, different key
    claims = rsa_issuer.claims()
    cases = {
        "valid": (rsa_issuer.token(), 200),
        "missing": (None, 401),
        "empty bearer": ("", 401),
        "malformed": ("not-a-jwt", 401),
        "two parts": ("abc.def", 401),
        "expired": (rsa_issuer.token(exp=now - 30), 401),
        "expired within skew": (rsa_issuer.token(exp=now - 2), 200),
        "nbf within skew": (rsa_issuer.token(nbf=now + 3, iat=now), 200),
        "nbf beyond skew": (rsa_issuer.token(nbf=now + 60, iat=now), 401),
        "iat in future": (rsa_issuer.token(iat=now + 60), 401),
        "no exp": (rsa_issuer.token(exp=None), 401),
        "wrong key": (other.token(), 401),
        "alg none": (unsigned_token(claims), 401),
        "hs256 with public key": (hs256_with_public_key(rsa_issuer, claims), 401),
        "wrong issuer": (rsa_issuer.token(iss="https://evil.example"), 401),
        "azp not allowed": (rsa_issuer.token(azp="https://evil.example"), 401),
        "no azp (Clerk allows)": (rsa_issuer.token(azp=None), 200),
        "second allowed azp": (rsa_issuer.token(azp="https://other.test.example"), 200),
        "no sub": (rsa_issuer.token(sub=None), 401),
        "es256 token against an rsa key": (Issuer("ec", "rsa-1").token(), 401),
    }
    results = {name: agents_status(gw, tok) for name, (tok, _) in cases.items()}
    assert results == {name: want for name, (_, want) in cases.items()}


def test_401_body_and_header(gateway, rsa_issuer):
    gw = gateway(JWT_PUBLIC_KEY_PEM=rsa_issuer.pem)
    r = gw.request("GET", "/agents")
    assert r.status == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {"error": "unauthorized", "message": "missing Authorization: Bearer token"}
    r = gw.request("GET", "/agents", headers=bearer(rsa_issuer.token(exp=int(time.time()) - 60)))
    assert r.json()["message"] == "the JWT has expired"
    r = gw.request("GET", "/agents", headers=bearer(unsigned_token(rsa_issuer.claims())))
    assert "alg none" in r.json()["message"]


def test_pem_es256(gateway, ec_issuer, rsa_issuer):
    gw = gateway(JWT_PUBLIC_KEY_PEM=ec_issuer.pem)
    assert agents_status(gw, ec_issuer.token()) == 200
    assert agents_status(gw, Issuer("ec").token()) == 401
    assert agents_status(gw, rsa_issuer.token()) == 401


def test_audience_when_configured(gateway, rsa_issuer):
    gw = gateway(JWT_PUBLIC_KEY_PEM=rsa_issuer.pem, JWT_AUDIENCE="agentstream")
    assert agents_status(gw, rsa_issuer.token()) == 401
    assert agents_status(gw, rsa_issuer.token(aud="agentstream")) == 200
    assert agents_status(gw, rsa_issuer.token(aud=["x", "agentstream"])) == 200


def test_every_route_but_health_needs_a_token(gateway, rsa_issuer):
    gw = gateway(JWT_PUBLIC_KEY_PEM=rsa_issuer.pem)
    assert gw.request("GET", "/api/streaming/health").status == 200
    assert gw.request("GET", "/health").status == 200
    assert gw.request("GET", "/api/streaming/agents").status == 401
    assert gw.request("POST", "/api/streaming/stream", body=STREAM).status == 401
    assert gw.request("POST", "/", body={"prompt": "hi"}).status == 401
    assert gw.request("POST", "/invoke", body={"prompt": "hi"}).status == 401
    # Unauthenticated callers learn nothing about validation either.
    assert gw.request("POST", "/api/streaming/stream", body={}).status == 401
    assert gw.request("POST", "/", headers=dict(SSE, **bearer(rsa_issuer.token())), body={"prompt": "hi"}).status == 200


def test_user_id_and_claims_reach_mastra_and_agentcore(gateway, rsa_issuer, mastra, agentcore):
    gw = gateway(JWT_PUBLIC_KEY_PEM=rsa_issuer.pem)
    token = rsa_issuer.token(sub="user_2alice", public_metadata={"tier": "pro"})
    r = gw.request("POST", "/api/streaming/stream", headers=dict(SSE, **bearer(token)), body=dict(STREAM, threadId="th-1"))
    assert r.status == 200 and r.text_of_chunks() == "Hello from Mastra"
    body = mastra.recorded("POST", "/api/agents/")[0].json()
    assert body["runtimeContext"] == {"user-id": "user_2alice", "user-tier": "pro", "language": "en", "is-authenticated": True}
    # The signed-in user is the memory resource when the client names none.
    assert body["resourceId"] == "user_2alice" and body["memory"] == {"thread": "th-1", "resource": "user_2alice"}

    r = gw.request("POST", "/", headers=dict(SSE, **bearer(token)), body={"prompt": "hi"})
    assert r.status == 200
    (call,) = agentcore.recorded("POST", "/runtimes/")
    assert call.headers["x-amzn-bedrock-agentcore-runtime-user-id"] == "user_2alice"


def test_jwks_fetched_once_refreshed_on_rotation(gateway, rsa_issuer, ec_issuer):
    with FakeJWKS({"keys": [rsa_issuer.jwk, ec_issuer.jwk]}) as jwks:
        gw = gateway(JWT_JWKS_URL=jwks.jwks_url, JWT_JWKS_COOLDOWN_MS="0")
        assert jwks.fetches() == 0  # lazily, on the first request that needs it
        for _ in range(3):
            assert agents_status(gw, rsa_issuer.token()) == 200
            assert agents_status(gw, ec_issuer.token()) == 200
        assert jwks.fetches() == 1
        # Rotation: a new key published under a new kid is picked up by one refetch.
        rotated = Issuer("rsa", "rsa-2")
        jwks.jwks = {"keys": [rotated.jwk, ec_issuer.jwk]}
        assert agents_status(gw, rotated.token()) == 200
        assert jwks.fetches() == 2
        assert agents_status(gw, rotated.token()) == 200
        assert jwks.fetches() == 2
        # A token whose key is gone after rotation fails after its own refetch.
        assert agents_status(gw, rsa_issuer.token()) == 401


def test_jwks_unknown_kid_refetch_is_rate_limited(gateway, rsa_issuer):
    with FakeJWKS({"keys": [rsa_issuer.jwk]}) as jwks:
        gw = gateway(JWT_JWKS_URL=jwks.jwks_url, JWT_JWKS_COOLDOWN_MS="60000")
        assert agents_status(gw, rsa_issuer.token()) == 200
        for i in range(5):
            assert agents_status(gw, Issuer("rsa", f"unknown-{i}").token()) == 401
        assert jwks.fetches() == 1


def test_jwks_unreachable_is_503_then_recovers(gateway, rsa_issuer):
    with FakeJWKS({"keys": [rsa_issuer.jwk]}) as jwks:
        jwks.status = 500
        gw = gateway(JWT_JWKS_URL=jwks.jwks_url)
        r = gw.request("GET", "/agents", headers=bearer(rsa_issuer.token()))
        assert r.status == 503 and r.json()["error"] == "auth_unavailable"
        jwks.status = 200
        assert agents_status(gw, rsa_issuer.token()) == 200


@pytest.mark.parametrize("env,variable", [
    ({"AUTH_MODE": "jwt"}, "JWT_PUBLIC_KEY_PEM"),
    ({"AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_PEM": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}, "JWT_PUBLIC_KEY_PEM"),
    ({"AUTH_MODE": "oauth"}, "AUTH_MODE"),
])
def test_bad_auth_config_is_an_init_error_naming_the_variable(gateway, env, variable):
    gw = gateway(**env)
    err = gw.init_error()
    assert err["errorMessage"].startswith(variable)
    assert gw.proc.wait(timeout=5) != 0
