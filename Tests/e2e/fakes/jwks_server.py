"""A JWKS host (like Clerk's Frontend API `/.well-known/jwks.json`) with replaceable keys and a fetch counter."""

try:
    from .common import FakeServer
except ImportError:
    from common import FakeServer


class FakeJWKS(FakeServer):
    def __init__(self, jwks, port=0):
        self.jwks = jwks
        self.status = 200
        super().__init__(port)

    @property
    def jwks_url(self):
        return self.url + "/.well-known/jwks.json"

    def fetches(self):
        return len(self.recorded("GET", "/.well-known/jwks.json"))

    def handle(self, h, rec):
        if rec.path != "/.well-known/jwks.json":
            h.send_json(404, {"error": "not found"})
        elif self.status != 200:
            h.send_json(self.status, {"error": "unavailable"})
        else:
            h.send_json(200, self.jwks, headers=[("Cache-Control", "public, max-age=3600")])
