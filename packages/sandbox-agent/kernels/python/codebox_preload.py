"""What a Python kernel does before importing IPython, shared by bridge.py and zygote.py (which
imports IPython once for every kernel it forks, so it must leave out the same modules)."""

import sys
import types


def skip_terminal_modules():
    """IPython imports its terminal UI (prompt_toolkit, via IPython.embed) and jedi (for
    completions) when it loads. A kernel with no terminal and no completion requests needs
    neither, and leaving them out saves about 11 MiB of every idle sandbox."""
    stub = types.ModuleType("IPython.terminal.embed")

    def embed(**kwargs):
        raise RuntimeError("IPython.embed() needs a terminal; a Codebox kernel has none")

    stub.embed = embed
    sys.modules["IPython.terminal.embed"] = stub
    sys.modules["jedi"] = None
