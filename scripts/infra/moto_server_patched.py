#!/usr/bin/env python3
"""moto_server with one correction, for the deploy rehearsal: UpdateFunctionUrlConfig applies InvokeMode.

The Lambda API documents InvokeMode as an updatable field of UpdateFunctionUrlConfig (switching a URL between
RESPONSE_STREAM and BUFFERED in place is the rollback path the rehearsal exercises). moto (5.2.5, pinned in
requirements-infra.txt) updates only Cors and AuthType and keeps the old mode, so Terraform would read the old
mode back and the rollback could not be rehearsed. Everything else is moto as released.
Usage: the same arguments as moto_server (-H 127.0.0.1 -p PORT).
"""
import sys

from moto.awslambda.models import FunctionUrlConfig
from moto.server import main

_update = FunctionUrlConfig.update


def _update_with_invoke_mode(self, new_config):
    _update(self, new_config)
    if new_config.get("InvokeMode"):
        self.config["InvokeMode"] = new_config["InvokeMode"]


FunctionUrlConfig.update = _update_with_invoke_mode

if __name__ == "__main__":
    main(sys.argv[1:])
