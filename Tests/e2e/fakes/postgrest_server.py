"""A PostgREST-compatible fake of Supabase's `/rest/v1/{table}` read path (PostgREST is not packaged here).

Follows PostgREST's documented shapes: a JSON array for reads (`[]` when no row matches), errors as
`{"code","details","hint","message"}`, 401 for a wrong key, 404 `42P01` for an unknown table, 400 `PGRST100`
for an unparsable filter, 406 `PGRST116` when `Accept: application/vnd.pgrst.object+json` matches no single row.
Supports `select=*` or a column list, `col=eq.value` filters and `limit`. `mode = "down"` answers 503.
"""

import json
import urllib.parse

try:
    from .common import FakeServer
except ImportError:
    from common import FakeServer


def pg_error(code, message, details=None, hint=None):
    return {"code": code, "details": details, "hint": hint, "message": message}


class FakePostgREST(FakeServer):
    def __init__(self, key, table, rows):
        self.key, self.table, self.rows = key, table, list(rows)
        self.mode = "ok"
        super().__init__()

    def handle(self, h, rec):
        if self.mode == "down":
            h.send_json(503, pg_error("PGRST000", "Could not connect with the database"))
            return
        if rec.headers.get("apikey") != self.key:
            h.send_json(401, {"message": "Invalid API key", "hint": "Double check your Supabase `anon` or `service_role` API key."})
            return
        auth = rec.headers.get("authorization")
        if self.key.startswith("sb_"):
            if auth is not None:
                h.send_json(401, {"message": "Secret API keys must not be sent in the Authorization header"})
                return
        elif auth != f"Bearer {self.key}":
            h.send_json(401, pg_error("PGRST301", "JWSError JWSInvalidSignature"))
            return
        prefix = "/rest/v1/"
        if rec.method != "GET" or not rec.path.startswith(prefix):
            h.send_json(404, pg_error("PGRST125", "Invalid path specified in request URL"))
            return
        if rec.path[len(prefix):] != self.table:
            h.send_json(404, pg_error("42P01", f'relation "public.{rec.path[len(prefix):]}" does not exist'))
            return
        rows = self.rows
        columns = None
        limit = None
        for name, value in urllib.parse.parse_qsl(rec.query, keep_blank_values=True):
            if name == "select":
                columns = None if value == "*" else value.split(",")
            elif name == "limit":
                limit = int(value)
            else:
                op, _, operand = value.partition(".")
                if op != "eq":
                    h.send_json(400, pg_error("PGRST100", f'"failed to parse filter ({value})" (line 1, column 1)',
                                              details="unexpected operator", hint=None))
                    return
                rows = [r for r in rows if str(r.get(name)) == operand]
        if limit is not None:
            rows = rows[:limit]
        if columns:
            rows = [{c: r.get(c) for c in columns} for r in rows]
        if "application/vnd.pgrst.object+json" in rec.headers.get("accept", ""):
            if len(rows) != 1:
                h.send_json(406, pg_error("PGRST116", "JSON object requested, multiple (or no) rows returned",
                                          details=f"The result contains {len(rows)} rows"))
                return
            h.send_json(200, rows[0])
            return
        h.send_json(200, rows, headers=[("Content-Range", f"0-{max(len(rows) - 1, 0)}/*")])
