#!/usr/bin/env python3
"""Fails when infrastructure/cors.local.json (the CORS config `make run` gives lambda-local) drifts from
the Terraform defaults of the deployed Function URL.

The local file must equal the Terraform defaults in everything but AllowOrigins: same methods, headers,
exposed headers, credentials and max age, so that a page that works against `make run` works against a
deployment with default settings. AllowOrigins is the one deliberate difference: the module's default is
"*", but a production deployment locks it to its site (environments/prod.tfvars.example), so `make run`
lists concrete local origins instead (the demo page, Vite, Create React App); a page on any other origin
fails locally as it will in production. Every Terraform default origin other than "*" must be listed too.

Both infrastructure/variables.tf (what a deploy uses) and modules/api_streaming/variables.tf (the module)
are read; they must agree with each other as well.

  check_cors_local.py [--cors FILE] [--infra DIR]       exit 0 = in sync, 1 = drift (each one listed)
  check_cors_local.py --self-test                       proves the check fails on each kind of drift
"""

import argparse
import copy
import json
import pathlib
import re
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
REQUIRED_LOCAL_ORIGINS = [
    "http://127.0.0.1:8080",  # the demo page (make run's WEB_PORT)
    "http://localhost:8080",
    "http://localhost:5173",  # Vite
    "http://127.0.0.1:5173",
    "http://localhost:3000",  # Create React App, Next.js
]
# JSON key of the local file -> Terraform variable.
KEYS = {
    "AllowOrigins": "cors_allow_origins",
    "AllowMethods": "cors_allow_methods",
    "AllowHeaders": "cors_allow_headers",
    "ExposeHeaders": "cors_expose_headers",
    "AllowCredentials": "cors_allow_credentials",
    "MaxAge": "cors_max_age",
}
LOCAL_ORIGIN = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d{1,5})?$")


def terraform_defaults(variables_tf):
    """The `default` of every `variable "cors_*"` block; the values are HCL literals that are also JSON."""
    text = variables_tf.read_text()
    found = {}
    for match in re.finditer(r'variable\s+"(cors_\w+)"\s*\{(.*?)\n\}', text, re.S):
        name, body = match.group(1), match.group(2)
        default = re.search(r"^\s*default\s*=\s*(.+?)\s*$", body, re.M)
        if not default:
            raise SystemExit(f"{variables_tf}: variable {name} has no one-line default")
        try:
            found[name] = json.loads(default.group(1))
        except json.JSONDecodeError as error:
            raise SystemExit(f"{variables_tf}: default of {name} is not a plain literal: {default.group(1)} ({error})")
    missing = sorted(set(KEYS.values()) - set(found))
    if missing:
        raise SystemExit(f"{variables_tf}: no variable {', '.join(missing)}")
    return found


def normalized(key, value):
    # Function URLs compare methods and header names case-insensitively and treat the lists as sets.
    if key in ("AllowMethods",):
        return sorted(v.upper() for v in value)
    if key in ("AllowHeaders", "ExposeHeaders"):
        return sorted(v.lower() for v in value)
    return value


def problems(local, module, root):
    out = []
    for name in KEYS.values():
        if normalized_tf(name, module[name]) != normalized_tf(name, root[name]):
            out.append(f"{name}: infrastructure/variables.tf default {root[name]!r} differs from the module's {module[name]!r}")
    unknown = sorted(set(local) - set(KEYS))
    if unknown:
        out.append(f"unknown keys {unknown}: lambda-local reads only {sorted(KEYS)}")
    for key, name in KEYS.items():
        if key not in local:
            out.append(f"{key} is missing (Terraform default: {root[name]!r})")
            continue
        if key == "AllowOrigins":
            origins = local[key]
            for origin in REQUIRED_LOCAL_ORIGINS:
                if origin not in origins:
                    out.append(f"AllowOrigins lacks {origin}")
            for origin in origins:
                if origin == "*":
                    out.append('AllowOrigins has "*": list concrete local origins, as a production deployment does')
                elif not LOCAL_ORIGIN.match(origin) and origin not in root[name]:
                    out.append(f"AllowOrigins has {origin}, which is neither local nor a Terraform default")
            for origin in root[name]:
                if origin != "*" and origin not in origins:
                    out.append(f"AllowOrigins lacks the Terraform default origin {origin}")
            continue
        if normalized(key, local[key]) != normalized(key, root[name]):
            out.append(f"{key} is {local[key]!r} but the Terraform default ({name}) is {root[name]!r}")
    return out


def normalized_tf(name, value):
    key = next(k for k, v in KEYS.items() if v == name)
    return normalized(key, value) if key != "AllowOrigins" else value


def check(cors_file, infra_dir):
    local = json.loads(pathlib.Path(cors_file).read_text())
    module = terraform_defaults(pathlib.Path(infra_dir) / "modules" / "api_streaming" / "variables.tf")
    root = terraform_defaults(pathlib.Path(infra_dir) / "variables.tf")
    return problems(local, module, root)


def self_test():
    """Each kind of drift, applied to a copy of the real files, must be reported."""
    cors_file = ROOT / "infrastructure" / "cors.local.json"
    infra = ROOT / "infrastructure"
    base = json.loads(cors_file.read_text())
    assert check(cors_file, infra) == [], "the real files must be in sync for the self-test to mean anything"
    drifts = {
        "a method dropped": lambda c: c.update(AllowMethods=["POST"]),
        "a header added": lambda c: c["AllowHeaders"].append("x-api-key"),
        "expose headers changed": lambda c: c.update(ExposeHeaders=[]),
        "credentials on": lambda c: c.update(AllowCredentials=True),
        "max age changed": lambda c: c.update(MaxAge=600),
        "the demo page origin removed": lambda c: c["AllowOrigins"].remove("http://127.0.0.1:8080"),
        "a wildcard origin": lambda c: c["AllowOrigins"].append("*"),
        "a remote origin": lambda c: c["AllowOrigins"].append("https://evil.example"),
        "a key missing": lambda c: c.pop("MaxAge"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for label, mutate in drifts.items():
            drifted = copy.deepcopy(base)
            mutate(drifted)
            path = pathlib.Path(tmp) / "cors.json"
            path.write_text(json.dumps(drifted))
            found = check(path, infra)
            assert found, f"drift not detected: {label}"
            print(f"self-test: {label}: detected ({found[0]})")
        # Terraform side: a changed default in the module is drift too.
        tf = pathlib.Path(tmp) / "infra"
        (tf / "modules" / "api_streaming").mkdir(parents=True)
        (tf / "variables.tf").write_text((infra / "variables.tf").read_text())
        module_tf = (infra / "modules" / "api_streaming" / "variables.tf").read_text()
        changed = re.sub(r'(variable "cors_max_age".*?default\s*=\s*)300', r"\g<1>900", module_tf, count=1, flags=re.S)
        assert changed != module_tf
        (tf / "modules" / "api_streaming" / "variables.tf").write_text(changed)
        (tf / "variables.tf").write_text(re.sub(r'(variable "cors_max_age".*?default\s*=\s*)300', r"\g<1>900", (infra / "variables.tf").read_text(), count=1, flags=re.S))
        found = check(cors_file, tf)
        assert found, "drift not detected: Terraform's max age changed"
        print(f"self-test: Terraform default changed: detected ({found[0]})")
    print("self-test: every drift was detected")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cors", default=str(ROOT / "infrastructure" / "cors.local.json"))
    parser.add_argument("--infra", default=str(ROOT / "infrastructure"))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    found = check(args.cors, args.infra)
    for problem in found:
        print(f"{args.cors}: {problem}", file=sys.stderr)
    if found:
        print("CORS drift: make infrastructure/cors.local.json match the Terraform defaults (see this script's docstring).", file=sys.stderr)
        return 1
    print(f"{args.cors} matches the Terraform CORS defaults (origins: {len(json.loads(pathlib.Path(args.cors).read_text())['AllowOrigins'])} local)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
