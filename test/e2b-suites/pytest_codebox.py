"""pytest plugin for scripts/e2b-suites.sh (loaded with `-p pytest_codebox`).

- Loopback guard: sockets may connect only to loopback (and Unix sockets); name lookups only for
  localhost names, and names under localhost (`8000-<id>.codebox.localhost`) resolve to 127.0.0.1
  as browsers and curl resolve them (RFC 6761). Anything else fails at once and is logged to $CODEBOX_GUARD_LOG with the test
  that tried (same format as loopback-guard.mjs).
- Skips, never runs, the tests that test/e2b-suites/expected-unsupported.json marks "internet"
  (same matching rules as expectations.ts: `*` in a file glob matches anything, `/` included; a
  test name ending in `*` matches a prefix).
- Writes every test's outcome to $CODEBOX_SUITES_JSON (on the xdist controller only).
"""

import ipaddress
import json
import os
import re
import socket

import pytest

_current = {"file": "?", "test": ""}
_log_path = os.environ.get("CODEBOX_GUARD_LOG")


def _log(kind, target):
    if not _log_path:
        return
    try:
        with open(_log_path, "a") as f:
            f.write(f"{kind}\t{target}\t{_current['file']}\t{_current['test']}\n")
    except OSError:
        pass


def _is_loopback(host):
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_loopback_name(host):
    h = str(host).lower().rstrip(".")
    return h == "localhost" or h.endswith(".localhost") or _is_loopback(h)


class BlockedConnection(ConnectionRefusedError):
    pass


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _check(sock, address):
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host, port = address[0], address[1]
    if _is_loopback(host):
        _log("connect", f"{host}:{port}")
        return
    _log("blocked", f"{host}:{port}")
    raise BlockedConnection(f"loopback guard: connection to {host}:{port} blocked (E2B suites may reach loopback only)")


def _guarded_connect(self, address):
    _check(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not _is_loopback_name(name):
        _log("blocked", f"{name} (name lookup)")
        raise socket.gaierror(socket.EAI_NONAME, f"loopback guard: lookup of {host} blocked")
    if name is not None and name.lower().rstrip(".").endswith(".localhost"):
        return _getaddrinfo("127.0.0.1", *args, **kwargs)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo


def _glob(pattern):
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{body}$")


def _name_matches(pattern, name):
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


def _internet_entries():
    path = os.environ.get("CODEBOX_SUITES_EXPECTED")
    suite = os.environ.get("CODEBOX_SUITES_ID")
    if not path:
        return []
    with open(path) as f:
        entries = json.load(f)["entries"]
    return [e for e in entries if e["suite"] == suite and e["category"] == "internet"]


def _split(nodeid):
    file, _, name = nodeid.partition("::")
    return file, name


def pytest_collection_modifyitems(config, items):
    entries = _internet_entries()
    for item in items:
        file, name = _split(item.nodeid)
        for e in entries:
            if _glob(e["file"]).match(file) and ("tests" not in e or any(_name_matches(t, name) for t in e["tests"])):
                item.add_marker(pytest.mark.skip(reason=f"codebox: not run, {e['reason']}"))
                break


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current["file"], _current["test"] = _split(item.nodeid)


_results = {}


def _message(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    text = getattr(report, "longreprtext", "") or ""
    # The last lines carry the exception; the first ones are the test's source.
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")] or text.splitlines()[-4:]
    # The raised exception first (the report shows the first line), then the rest of the E lines.
    raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)]
    return "\n".join((raised[-1:] + [line for line in lines if line not in raised[-1:]])[:6])


def pytest_runtest_logreport(report):
    previous = _results.get(report.nodeid)
    if report.when == "call" or report.outcome != "passed":
        outcome = report.outcome
        if previous is not None and previous["outcome"] == "failed":
            return  # a failing setup or call stands even if teardown then passes
        message = "" if outcome == "passed" else _message(report)
        _results[report.nodeid] = {"nodeid": report.nodeid, "outcome": outcome, "message": message}
    elif previous is None and report.when == "setup":
        _results.setdefault(report.nodeid, {"nodeid": report.nodeid, "outcome": "passed", "message": ""})


def pytest_collectreport(report):
    if report.failed:
        _results[report.nodeid] = {"nodeid": report.nodeid, "outcome": "failed", "message": str(report.longrepr)[-600:]}


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller writes the file
    path = os.environ.get("CODEBOX_SUITES_JSON")
    if path:
        with open(path, "w") as f:
            json.dump({"tests": list(_results.values())}, f, indent=1)
