"""lambda-local's command line (swift-argument-parser): generated help, and bad arguments refused with a clear
message and a non-zero exit before anything starts."""

import subprocess

import pytest

from local_function import LAMBDA_LOCAL


def run(*args):
    return subprocess.run([LAMBDA_LOCAL, *args], capture_output=True, text=True, timeout=30)


def test_help_lists_every_option_and_the_defaults():
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for flag in ("--port", "--timeout", "--cors", "--demo-agent", "--max-environments", "--idle-timeout",
                 "--max-concurrency", "--invoke-mode", "--web", "--web-port", "-- <command> ..."):
        assert flag in r.stdout, flag
    assert "(default: 10)" in r.stdout and "(default: 300)" in r.stdout
    assert "RESPONSE_STREAM" in r.stdout and "BUFFERED" in r.stdout
    assert "listening on http://127.0.0.1:PORT" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--max-environments", "0", "--", "true"], "--max-environments must be 1-1000, not 0."),
    (["--max-concurrency", "0", "--", "true"], "--max-concurrency must be 1-1024, not 0."),
    (["--max-concurrency", "4", "--max-environments", "3", "--", "true"], "apply to classic mode"),
    (["--idle-timeout=-1", "--", "true"], "--idle-timeout must be 0 (never) or a positive number"),
    (["--bogus", "--", "true"], "Unknown option '--bogus'"),
    (["--port", "70000", "--", "true"], "--port must be 0-65535"),
    (["--port", "many", "--", "true"], "The value 'many' is invalid for '--port <port>'"),
    (["--timeout", "901", "--", "true"], "--timeout must be more than 0 and at most 900 seconds"),
    (["--invoke-mode", "STREAM", "--", "true"], "Please provide one of 'RESPONSE_STREAM' and 'BUFFERED'"),
    (["--web-port", "8000", "--", "true"], "--web-port needs --web DIR."),
    (["--web", "/nonexistent-dir", "--", "true"], "--web: /nonexistent-dir is not a directory."),
    (["--cors", "/nonexistent.json", "--", "true"], "cannot read CORS config /nonexistent.json: no such file"),
    (["--port", "9000"], "Missing expected argument '-- <command> ...'"),
])
def test_bad_arguments_exit_non_zero_with_a_clear_message(args, message):
    r = run(*args)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert "Usage: lambda-local" in r.stderr
    assert "listening on" not in r.stdout


def test_web_port_equal_to_the_function_url_port_is_refused(tmp_path):
    r = run("--port", "9123", "--web", str(tmp_path), "--web-port", "9123", "--", "true")
    assert r.returncode != 0 and "--web-port must differ from --port" in r.stderr


def test_lowercase_invoke_mode_is_accepted(lambda_local):
    emu = lambda_local(["true"], args=["--invoke-mode", "buffered"])
    assert emu.wait_for_log(r"invoke mode BUFFERED")
