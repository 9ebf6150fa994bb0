"""lambda-local --web DIR: the demo page's static files on their own origin (a second port), with the right
content types, index.html for directories, /config.json naming the Function URL, and nothing outside DIR."""

import json
import pathlib
import re
import sys

import pytest

import rawhttp

RUNTIMES = pathlib.Path(__file__).resolve().parent / "runtimes"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>demo</title>")
    (root / "app.js").write_text("export const x = 1;\n")
    (root / "style.css").write_text("body { margin: 0 }\n")
    (root / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (root / "pixel.png").write_bytes(PNG)
    (root / "data.json").write_text('{"a": 1}')
    (root / "sub" / "index.html").write_text("<p>sub page</p>")
    (root / "file with space.txt").write_text("spaced")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    return root


def start_with_web(lambda_local, directory, *extra):
    emu = lambda_local([sys.executable, "-u", str(RUNTIMES / "scenario_runtime.py")],
                       args=["--web", str(directory), *extra])
    line = emu.proc.stdout.readline().decode()
    match = re.fullmatch(r"web page on http://127\.0\.0\.1:(\d+)/\n", line)
    assert match, f"unexpected second line {line!r}; log:\n{emu.log()}"
    return emu, int(match.group(1))


@pytest.mark.parametrize("path, content_type, body", [
    ("/", "text/html; charset=utf-8", b"<!doctype html><title>demo</title>"),
    ("/index.html", "text/html; charset=utf-8", b"<!doctype html><title>demo</title>"),
    ("/app.js", "text/javascript; charset=utf-8", b"export const x = 1;\n"),
    ("/style.css", "text/css; charset=utf-8", b"body { margin: 0 }\n"),
    ("/logo.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("/pixel.png", "image/png", PNG),
    ("/data.json", "application/json", b'{"a": 1}'),
    ("/sub/", "text/html; charset=utf-8", b"<p>sub page</p>"),
    ("/file%20with%20space.txt?v=2", "text/plain; charset=utf-8", b"spaced"),
])
def test_static_files_with_their_content_types(lambda_local, site, path, content_type, body):
    emu, web_port = start_with_web(lambda_local, site)
    assert web_port != emu.port
    r = rawhttp.request(web_port, "GET", path)
    assert r.status == 200 and r.complete
    assert r.header("content-type") == content_type
    assert r.body == body
    assert r.header("content-length") == str(len(body))


def test_config_json_names_the_function_url_on_its_own_origin(lambda_local, site):
    emu, web_port = start_with_web(lambda_local, site)
    r = rawhttp.request(web_port, "GET", "/config.json")
    assert r.status == 200 and r.header("content-type") == "application/json"
    assert r.json() == {"apiUrl": f"http://127.0.0.1:{emu.port}"}
    # The URL it names is the Function URL: the function answers there, the static site does not.
    assert rawhttp.request(emu.port, "GET", "/whoami").json()["pid"] > 0
    assert rawhttp.request(web_port, "GET", "/whoami").status == 404


def test_a_config_json_in_the_directory_wins(lambda_local, site):
    (site / "config.json").write_text('{"apiUrl": "https://abc.lambda-url.us-east-1.on.aws"}')
    _, web_port = start_with_web(lambda_local, site)
    assert rawhttp.request(web_port, "GET", "/config.json").json() == {
        "apiUrl": "https://abc.lambda-url.us-east-1.on.aws"}


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/sub/%2E%2E/%2E%2E/secret.txt",
    "/..%2fsecret.txt", "/escape", "/missing.html", "/sub/missing/",
])
def test_paths_outside_the_directory_or_missing_are_404(lambda_local, site, path):
    emu, web_port = start_with_web(lambda_local, site)
    r = rawhttp.request(web_port, "GET", path)
    assert r.status == 404
    assert b"SECRET" not in r.body


def test_directory_without_slash_redirects_and_only_get_and_head_are_served(lambda_local, site):
    _, web_port = start_with_web(lambda_local, site)
    r = rawhttp.request(web_port, "GET", "/sub")
    assert r.status == 301 and r.header("location") == "/sub/"
    r = rawhttp.request(web_port, "HEAD", "/app.js")
    assert r.status == 200 and r.body == b"" and r.header("content-length") == "20"
    r = rawhttp.request(web_port, "POST", "/app.js", body=b"x")
    assert r.status == 405 and r.header("allow") == "GET, HEAD"


def test_fixed_web_port(lambda_local, site):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, web_port = start_with_web(lambda_local, site, "--web-port", str(port))
    assert web_port == port
    assert rawhttp.request(port, "GET", "/").status == 200
