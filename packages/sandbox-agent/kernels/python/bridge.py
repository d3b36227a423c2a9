"""Codebox's Python kernel bridge: one IPython InteractiveShell driven directly, no Jupyter server.

The agent starts this file as the sandbox user with four pipes (or zygote.py runs it in a fork,
with fd 0 and fd 3 both the one unix socket the fork connected to the agent with):
  fd 0  commands, one JSON object per line: {"type": "execute", "id", "code", "env"} and
        {"type": "interrupt", "id"}; moved to a private descriptor, fd 0 becomes /dev/null
  fd 1, fd 2  redirected here into pipes this bridge drains, so output of C extensions and
        of subprocesses the code starts is captured too; sys.stdout/stderr emit directly
  fd 3  events, each line "\\x1e" + JSON: ready, stdout, stderr, result, error, done

Commands are read by a thread so that an interrupt can reach the main thread (the one running
the code) while it is busy; a real SIGINT is sent to that thread only, so blocking calls such
as time.sleep wake up and raise KeyboardInterrupt, and the shell keeps its state.
"""

import base64
import codecs
import io
import json
import os
import queue
import select
import signal
import sys
import threading
import traceback as traceback_module

EVENT_MARK = b"\x1e"

_channel = os.fdopen(3, "wb", buffering=0)
_channel_lock = threading.Lock()
# While the main thread writes an event, an interrupt waits for the line to be out (see Bridge.on_sigint).
_emitting = False
_interrupt_pending = False


# A main result's line, written with the next event (the execution's `done`, or anything the
# post-execute hooks emit first): one write and one wake-up of the agent instead of two.
_held = b""


def emit(event, hold=False):
    global _held, _emitting, _interrupt_pending
    line = EVENT_MARK + json.dumps(event, default=str, ensure_ascii=False).encode("utf-8", "backslashreplace") + b"\n"
    # An interrupt must not cut an event line in half: on the main thread (the only one Python
    # runs signal handlers on) it is deferred until the line is out, then raised here. A flag,
    # not pthread_sigmask: two syscalls per event, costly under gVisor.
    main = threading.current_thread() is threading.main_thread()
    if main:
        _emitting = True
    try:
        with _channel_lock:
            if hold:
                _held += line
                return
            if _held:
                line = _held + line
                _held = b""
            _write_all(line)
    finally:
        if main:
            _emitting = False
            if _interrupt_pending:
                _interrupt_pending = False
                raise KeyboardInterrupt


def _write_all(data):
    # The channel is unbuffered: a write to a full socket or pipe may take part of the line.
    view = memoryview(data)
    while view:
        view = view[_channel.write(view):]


class Output:
    """The program's output, in the order it was written, a line at a time.

    Writes through sys.stdout/sys.stderr become events at each newline (or flush), as a
    line-buffered terminal shows them. fd 1 and 2 are pipes this bridge drains (what
    subprocesses and C code write). Whoever holds the lock empties the pipes and any partial
    line before emitting something else, so events keep the order the output was written in.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.pipes = {}
        self.partial = {"stdout": "", "stderr": ""}
        # One poll(0) tells which pipes hold anything: a read of each would be two syscalls per
        # sync even when, as usually, nothing is there.
        self.poller = select.poll()
        for fd, name in ((1, "stdout"), (2, "stderr")):
            read_fd, write_fd = os.pipe()
            os.dup2(write_fd, fd)
            os.close(write_fd)
            os.set_blocking(read_fd, False)
            self.pipes[read_fd] = (name, codecs.getincrementaldecoder("utf-8")("replace"))
            self.poller.register(read_fd, select.POLLIN)

    def flush_partial(self, name=None):
        for stream in (name,) if name else ("stdout", "stderr"):
            if self.partial[stream]:
                emit({"type": stream, "text": self.partial[stream]})
                self.partial[stream] = ""

    def pump(self):
        """Forwards what is in the pipes now; the caller holds the lock."""
        for read_fd, _ in self.poller.poll(0):
            name, decoder = self.pipes[read_fd]
            while True:
                try:
                    chunk = os.read(read_fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                text = decoder.decode(chunk)
                if text:
                    self.flush_partial()
                    emit({"type": name, "text": text})

    def write(self, name, text):
        with self.lock:
            self.pump()
            self.flush_partial("stderr" if name == "stdout" else "stdout")
            pending = self.partial[name] + text
            cut = pending.rfind("\n") + 1
            if cut:
                emit({"type": name, "text": pending[:cut]})
            self.partial[name] = pending[cut:]

    def flush(self, name):
        with self.lock:
            self.pump()
            self.flush_partial(name)

    def sync(self):
        """Forwards all output written so far, so that a following event comes after it."""
        with self.lock:
            self.pump()
            self.flush_partial()

    def watch(self):
        """Thread: forwards output that arrives while no print or event does (a child's)."""
        while True:
            select.select(list(self.pipes), [], [])
            with self.lock:
                self.pump()


class EventStream(io.TextIOBase):
    """sys.stdout/sys.stderr, line-buffered into events (see Output)."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, name, fd):
        super().__init__()
        self.stream_name = name
        self.fd = fd
        # Bytes written to .buffer go through the descriptor, as with a real stdout.
        self.buffer = io.FileIO(fd, "w", closefd=False)

    @property
    def name(self):
        return "<%s>" % self.stream_name

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        if text:
            output.write(self.stream_name, text)
        return len(text)

    def writable(self):
        return True

    def fileno(self):
        return self.fd

    def isatty(self):
        return False

    def flush(self):
        output.flush(self.stream_name)


# Diagnostics of the bridge itself go to the agent's log, not to the user's output.
_diagnostics = os.fdopen(os.dup(2), "w", buffering=1)
# The commands move to a private descriptor; the code and its subprocesses read an empty stdin
# (input() raises EOFError) instead of eating the agent's commands.
_commands = os.fdopen(os.dup(0), "rb")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", closefd=False)
output = Output()
threading.Thread(target=output.watch, name="codebox-output", daemon=True).start()
sys.stdout = sys.__stdout__ = EventStream("stdout", 1)
sys.stderr = sys.__stderr__ = EventStream("stderr", 2)

# As ipykernel does: matplotlib, when the code imports it, draws inline and the shell shows and
# closes the figures of each execution.
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


# Beside this file, as codebox_display is below.
from codebox_preload import skip_terminal_modules  # noqa: E402

skip_terminal_modules()

from IPython.core.displayhook import DisplayHook  # noqa: E402
from IPython.core.displaypub import DisplayPublisher  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from traitlets import Type  # noqa: E402
from traitlets.config import Config  # noqa: E402

# Beside this file; imported now, while this file's directory is first on sys.path (main()
# gives that place to the working directory).
import codebox_display  # noqa: E402


def jsonable(data):
    """Jupyter's wire form: binary payloads (png, jpeg, pdf) as base64 text."""
    out = {}
    for mime, value in data.items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out[mime] = value
    return out


class EventDisplayHook(DisplayHook):
    """The last expression's value: a main result instead of an `Out[n]` prompt."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        output.sync()
        # The cell's last value: nothing of this execution but its hooks' output can follow.
        emit({"type": "result", "data": jsonable(format_dict), "main": True}, hold=True)

    def finish_displayhook(self):
        pass


class EventDisplayPublisher(DisplayPublisher):
    """`display(...)` and inline figures: extra results, in order with the printed output."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        output.sync()
        emit({"type": "result", "data": jsonable(data), "main": False})

    def clear_output(self, wait=False):
        pass


class BridgeShell(InteractiveShell):
    displayhook_class = Type(EventDisplayHook)
    display_pub_class = Type(EventDisplayPublisher)

    def _showtraceback(self, etype, evalue, stb):
        output.sync()
        emit(
            {
                "type": "error",
                "name": getattr(etype, "__name__", str(etype)),
                "value": str(evalue),
                "traceback": "\n".join(stb),
            }
        )

    # `!cmd` straight to fd 1/2 (captured there), not through a pty that turns "\n" into "\r\n".
    system = InteractiveShell.system_raw

    # exit()/quit(): ipykernel only tells the frontend, and the kernel keeps running; so does this.
    def ask_exit(self):
        pass

    # A terminal-less shell must not page or ask questions.
    def ask_yes_no(self, prompt, default=None, interrupt=None):
        return bool(default)


def make_shell():
    config = Config()
    # No ANSI colours: the traceback is read as plain text by people and by LLMs.
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Context"
    config.HistoryManager.enabled = False
    # A PNG the size of the figure (figsize x dpi), not cropped to its drawn content.
    config.InlineBackend.print_figure_kwargs = {"bbox_inches": None}
    config.InlineBackend.figure_formats = {"png"}
    shell = BridgeShell.instance(config=config)
    # The completer has decided jedi is absent; user code may still import it.
    if sys.modules.get("jedi", False) is None:
        del sys.modules["jedi"]
    return shell


def interrupt_children():
    """SIGINT to the processes the code started (this process group, as Jupyter interrupts a
    kernel's group), so `os.system("sleep 60")`, which ignores SIGINT while it waits, ends too."""
    me = os.getpid()
    group = os.getpgid(0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as stat:
                # Fields after the command name, which is in parentheses and may hold spaces.
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) == group:
                os.kill(int(entry), signal.SIGINT)
        except (OSError, IndexError, ValueError):
            continue


def install_result_formats(shell):
    """The formats and display rules E2B's template adds (DataFrames, charts, PIL images)."""
    codebox_display.install(shell, _diagnostics)


class Bridge:
    def __init__(self):
        self.shell = make_shell()
        install_result_formats(self.shell)
        self.commands = queue.Queue()
        self.running = None
        # Queued executions, and those among them interrupted before they started.
        self.queued = set()
        self.cancelled = set()
        self.lock = threading.Lock()
        self.main_thread = threading.main_thread().ident
        self.in_cell = False
        signal.signal(signal.SIGINT, self.on_sigint)

    def read_commands(self):
        for line in _commands:
            try:
                command = json.loads(line)
            except ValueError:
                print("codebox bridge: ignoring a command that is not JSON: %r" % line[:200], file=_diagnostics)
                continue
            if command.get("type") == "interrupt":
                with self.lock:
                    # Only the execution asked about: a late interrupt must not hit the next one.
                    if self.running is not None and self.running == command.get("id"):
                        signal.pthread_kill(self.main_thread, signal.SIGINT)
                        interrupt_children()
                    elif command.get("id") in self.queued:
                        self.cancelled.add(command.get("id"))
            else:
                with self.lock:
                    self.queued.add(command.get("id"))
                self.commands.put(command)
        self.commands.put(None)

    def serve(self):
        threading.Thread(target=self.read_commands, name="codebox-commands", daemon=True).start()
        emit({"type": "ready", "pid": os.getpid()})
        while True:
            command = self.commands.get()
            if command is None:
                return
            self.execute(command)

    def on_sigint(self, signum, frame):
        global _interrupt_pending
        # Outside the user's code an interrupt has nothing to stop (it raced the code's end).
        if not self.in_cell:
            return
        if _emitting:
            # Mid-event: emit() raises it once the line is written (the write resumes after this).
            _interrupt_pending = True
            return
        raise KeyboardInterrupt

    def run_cell(self, execution_id, code):
        """Runs one cell; returns its execution count. Interruptible only while it runs."""
        try:
            self.in_cell = True
            with self.lock:
                self.queued.discard(execution_id)
                cancelled = execution_id in self.cancelled
                self.cancelled.discard(execution_id)
                self.running = execution_id
            if cancelled:
                raise KeyboardInterrupt
            result = self.shell.run_cell(code, store_history=True)
            return result.execution_count if result.execution_count is not None else self.shell.execution_count - 1
        except KeyboardInterrupt:
            # Before the shell ran the code, or in its bookkeeping after: report it the same way.
            output.sync()
            emit({"type": "error", "name": "KeyboardInterrupt", "value": "", "traceback": "KeyboardInterrupt"})
            return self.shell.execution_count - 1
        finally:
            self.in_cell = False
            with self.lock:
                self.running = None

    def execute(self, command):
        execution_id = command.get("id")
        env = command.get("env") or {}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            count = self.run_cell(execution_id, command.get("code", ""))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        output.sync()
        emit({"type": "done", "id": execution_id, "execution_count": count})


def use_user_site():
    """`pip install X` (also `!pip` / `%pip` in a cell) installs as `user` into the user site,
    which Python puts on sys.path at start only if it exists, and a new sandbox's home is empty:
    made now, it is on the path, ahead of the system's packages as at any start, so what a cell
    installs imports in the next one (the import system notices the directory's new entries)."""
    import site

    if not site.ENABLE_USER_SITE:
        return
    path = site.getusersitepackages()
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return
    if path not in sys.path:
        system = [i for i, entry in enumerate(sys.path) if entry.endswith(("site-packages", "dist-packages"))]
        sys.path.insert(system[0] if system else len(sys.path), path)


def main():
    # As in a Jupyter kernel, the working directory, not this file's, is first on the path.
    sys.path[0] = ""
    use_user_site()
    try:
        Bridge().serve()
    except Exception:
        traceback_module.print_exc(file=_diagnostics)
        raise


if __name__ == "__main__":
    main()
