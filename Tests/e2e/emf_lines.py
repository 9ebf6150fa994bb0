"""Every per-invocation log line a test's function printed must be a valid EMF record (Tests/e2e/emf_check.py).

The harnesses call `assert_valid(text)` when they stop a function, so the whole e2e suite validates each line
it produces against the EMF specification's structure and AgentStream's metric contract.
"""

import json

import emf_check

checked = {"lines": 0}


def assert_valid(text, source="function"):
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line.startswith("{") or '"msg":"invocation"' not in line:
            continue
        doc = json.loads(line)
        if "_aws" not in doc:
            continue  # METRICS_NAMESPACE="" turns metrics off; the line is then a plain log line
        checked["lines"] += 1
        problems += [f"{source} line {number}: {e}" for e in emf_check.check_line(line, agentstream=True)]
    assert not problems, "invalid EMF invocation lines:\n" + "\n".join(problems)
