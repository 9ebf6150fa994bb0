"""A process's memory figures from /proc (Linux), shared by the e2e tests and the soak."""


def status_kb(pid, field):
    """`field` of /proc/PID/status (e.g. "VmRSS", "VmHWM") in kB; None when the process or the field is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
