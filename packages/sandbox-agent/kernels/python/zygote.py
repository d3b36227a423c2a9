"""Codebox's Python kernel parent (a "zygote"): imports what kernels use once, then forks kernels.

A Python kernel with pandas and matplotlib loaded holds ~87 MiB and takes over a second to start.
Forked from a parent that already imported them, a kernel shares those pages copy-on-write and
is ready in milliseconds; what it holds of its own is what its code changes. IPython loads at
start (every kernel needs it); the data stack when a second kernel is asked for
(load_data_stack), so a sandbox that only uses its default kernel does not carry it.

The agent starts this file as the sandbox user through the same launcher as a bridge (uid 1000,
no capabilities, seccomp filter); every fork inherits exactly that. Descriptors:
  fd 0  requests, one JSON object per line:
        {"type": "fork", "id", "address", "token", "cwd", "env"}
  fd 3  events, each line "\\x1e" + JSON (as a bridge's): stage ("base" once IPython is loaded,
        "full" once the data stack is), forked {id, pid, stage}, exited {pid, code, signal}
  fd 2  diagnostics (also the forked kernels': they inherit it), read into the agent's log

Why the forked kernel connects back instead of inheriting pipes: Node cannot pass descriptors
over a unix socket without a native addon, so the agent cannot hand this process a new set of
pipes per kernel. The child connects to the agent's unix socket (`address`, abstract) and proves
which kernel it is with `token`; that one connection is its command stream (read as fd 0) and its
event channel (fd 3), which is all bridge.py needs: its fd 1/2 become pipes it drains itself.
Multiplexing every kernel's output through this process would make it a relay on the hot path.

The process stays single-threaded: fork() copies only the calling thread, so a thread here
could leave a lock held forever in every kernel. It reaps its children (SIGCHLD through a
wakeup pipe) and reports how each ended, since only a parent can learn that.
"""

import gc
import json
import os
import select
import signal
import socket
import sys
import traceback

EVENT_MARK = b"\x1e"
HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE = os.path.join(HERE, "bridge.py")
PR_SET_PDEATHSIG = 1
# What a fork gets: "base" (IPython) until the data stack is loaded, then "full".
stage = "base"
# Kernels forked so far: the data stack loads when a second one is asked for (see serve).
forked = 0

_channel = os.fdopen(3, "wb", buffering=0)


def emit(event):
    _channel.write(EVENT_MARK + json.dumps(event).encode("utf-8") + b"\n")


def preload_base():
    """What every kernel imports at start (bridge.py's own imports), so a fork starts at once."""
    import codebox_preload

    codebox_preload.skip_terminal_modules()
    # As bridge.py does before matplotlib can be imported: figures draw inline.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import IPython.core.displayhook  # noqa: F401
    import IPython.core.displaypub  # noqa: F401
    import IPython.core.interactiveshell  # noqa: F401
    import IPython.display  # noqa: F401
    import traitlets.config  # noqa: F401

    import codebox_display  # noqa: F401

    # Imported by InteractiveShell's constructor (magics, completer): two thirds of its time.
    import IPython.core.completer  # noqa: F401
    import IPython.core.completerlib  # noqa: F401
    import IPython.core.magics  # noqa: F401


def preload_data_stack():
    """The libraries LLM-written code imports most, so that importing them in a kernel is a
    dictionary lookup. Not matplotlib's inline backend: importing it is what ties matplotlib to
    the kernel's shell (matplotlib_inline enables itself for the running IPython at import), and
    there is no shell here, so it is left to each kernel's first figure."""
    for name in ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "PIL.Image"):
        try:
            __import__(name)
        except Exception:
            # A template without the library: kernels import it (and fail) as they would anyway.
            print("codebox zygote: cannot preload %s" % name, file=sys.stderr)
            traceback.print_exc()


def set_death_signal():
    """The kernel dies with this process: otherwise an orphan keeps running with no one to
    report its end."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        traceback.print_exc()


def become_kernel(request, parent, wakeup):
    """In the forked child: the same process a directly started bridge would be."""
    # Its own session and process group, as the launcher gives every bridge: interrupts and
    # kills aimed at -pid reach what its code starts, and nothing of the parent.
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in wakeup:
        os.close(fd)
    set_death_signal()
    if os.getppid() != parent:
        os._exit(1)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect("\0" + request["address"])
    connection.sendall(request["token"].encode("ascii") + b"\n")
    os.dup2(connection.fileno(), 0)
    os.dup2(connection.fileno(), 3)
    connection.close()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # The user site follows $HOME as at a fresh start (site computed it from the parent's).
    import site

    site.USER_BASE = None
    site.USER_SITE = None
    # numpy seeded its global generator when the parent imported it: without a new seed every
    # kernel would draw the same "random" numbers. (Python's random reseeds itself after fork.)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    sys.argv = [BRIDGE]
    sys.path[0] = HERE
    import runpy

    runpy.run_path(BRIDGE, run_name="__main__")


def fork_kernel(request, wakeup):
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            become_kernel(request, parent, wakeup)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            sys.stderr.flush()
            os._exit(code)
    emit({"type": "forked", "id": request.get("id"), "pid": pid, "stage": stage})


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if os.WIFSIGNALED(status):
            emit({"type": "exited", "pid": pid, "code": None, "signal": signal.Signals(os.WTERMSIG(status)).name})
        else:
            emit({"type": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status), "signal": None})


class Requests:
    """Request lines from fd 0, read without blocking so SIGCHLD is served between them."""

    def __init__(self):
        self.pending = b""

    def read(self):
        chunk = os.read(0, 65536)
        if not chunk:
            return None
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


def serve(requests, wakeup, block):
    """Handles what is ready; waits when `block`. False once the agent closed the requests."""
    global forked
    ready, _, _ = select.select([0, wakeup[0]], [], [], None if block else 0)
    if wakeup[0] in ready:
        try:
            os.read(wakeup[0], 4096)
        except BlockingIOError:
            pass
        reap()
    if 0 in ready:
        batch = requests.read()
        if batch is None:
            return False
        for request in batch:
            if request.get("type") == "fork":
                if stage == "base" and forked > 0:
                    load_data_stack()
                fork_kernel(request, wakeup)
                forked += 1
    return True


def load_data_stack():
    """Loaded when a second kernel is asked for (a new context, a restart), not at start: a
    sandbox that only ever uses its default kernel would otherwise hold the data stack twice (here
    and in its kernel, if it imports pandas) or once for nothing (~70 MiB), which halves how many
    idle sandboxes fit in memory. The kernel that asked waits for the load (~1-2 s, what importing
    pandas costs anyway); every later one is forked with it in milliseconds."""
    global stage
    preload_data_stack()
    # Everything loaded so far lives as long as this process: moved out of the collector's
    # generations, a kernel's collections never write to (and so unshare) those pages.
    gc.collect()
    gc.freeze()
    stage = "full"
    emit({"type": "stage", "stage": "full"})


def main():
    sys.path[0] = HERE
    wakeup = os.pipe()
    for fd in wakeup:
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wakeup[1])
    # A handler (not SIG_DFL, which ignores it) so the wakeup byte is written.
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    requests = Requests()

    preload_base()
    gc.collect()
    gc.freeze()
    emit({"type": "stage", "stage": "base"})
    # Started on demand (under gVisor), this parent is only asked for kernels beside a running
    # one, the case the data stack is loaded for: load it before the first fork.
    if "--data-stack-first" in sys.argv[1:]:
        load_data_stack()
    # The sandbox's default kernel is asked for at once and forked with IPython loaded; the data
    # stack waits for a second kernel (load_data_stack).
    while serve(requests, wakeup, block=True):
        pass


if __name__ == "__main__":
    main()
