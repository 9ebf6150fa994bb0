"""Keys generated per test run and tokens shaped like Clerk session tokens."""

import base64
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://clerk.test.example"
APP_ORIGIN = "https://app.test.example"


def _b64u(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return base64.urlsafe_b64encode(n.to_bytes(length, "big")).rstrip(b"=").decode()


class Issuer:
    """A signing key (RS256 or ES256) with its PEM and JWK, minting tokens."""

    def __init__(self, kind="rsa", kid="key-1"):
        self.kind, self.kid = kind, kid
        if kind == "rsa":
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.alg = "RS256"
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            self.alg = "ES256"
        self.pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    @property
    def jwk(self):
        nums = self.key.public_key().public_numbers()
        if self.kind == "rsa":
            return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": _b64u(nums.n), "e": _b64u(nums.e)}
        return {"kty": "EC", "kid": self.kid, "crv": "P-256", "x": _b64u(nums.x, 32), "y": _b64u(nums.y, 32)}

    def claims(self, sub="user_2testUser", **overrides):
        now = int(time.time())
        c = {"sub": sub, "iss": ISSUER, "azp": APP_ORIGIN, "iat": now - 2, "nbf": now - 2, "exp": now + 60, "sid": "sess_test"}
        c.update(overrides)
        return {k: v for k, v in c.items() if v is not None}

    def token(self, sub="user_2testUser", headers=None, **overrides):
        h = {"kid": self.kid, "typ": "JWT"}
        h.update(headers or {})
        return jwt.encode(self.claims(sub, **overrides), self.key, algorithm=self.alg, headers=h)


def unsigned_token(claims):
    seg = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{seg({'alg': 'none', 'typ': 'JWT'})}.{seg(claims)}."


def hs256_with_public_key(issuer, claims):
    """The algorithm-confusion forgery: HMAC keyed with the published public key PEM."""
    import hashlib
    import hmac

    seg = lambda o: base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode()).rstrip(b"=").decode()  # noqa: E731
    signing_input = f"{seg({'alg': 'HS256', 'typ': 'JWT', 'kid': issuer.kid})}.{seg(claims)}"
    sig = hmac.new(issuer.pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
