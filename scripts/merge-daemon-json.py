#!/usr/bin/env python3
"""Merges keys into dockerd's daemon.json without losing the others.

Usage: merge-daemon-json.py <daemon.json> '<JSON object of wanted keys>'

Objects are merged key by key (e.g. "runtimes" keeps runtimes it does not name); anything else
is set. The file is replaced atomically, and only when something changes. Prints "changed" when
it wrote the file, nothing when the file already said so. Exits non-zero, touching nothing, when
the file (or a key that must be an object) holds something else: an operator's file is never
guessed at. Used by scripts/register-runsc.sh and scripts/ensure-docker.sh.
"""
import json
import os
import sys


def merge(current, wanted, where):
    merged = dict(current)
    for key, value in wanted.items():
        if isinstance(value, dict):
            existing = merged.get(key)
            if existing is None:
                existing = {}
            if not isinstance(existing, dict):
                sys.exit(f'{where}: "{key}" is not an object; not touching it')
            merged[key] = merge(existing, value, where)
        else:
            merged[key] = value
    return merged


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: merge-daemon-json.py <daemon.json> '<JSON object>'")
    path, wanted_text = sys.argv[1], sys.argv[2]
    wanted = json.loads(wanted_text)
    if not isinstance(wanted, dict):
        sys.exit("the keys to merge must be a JSON object")
    try:
        with open(path) as f:
            text = f.read()
        current = json.loads(text) if text.strip() else {}
    except FileNotFoundError:
        current = {}
    if not isinstance(current, dict):
        sys.exit(f"{path} does not hold a JSON object; not touching it")
    merged = merge(current, wanted, path)
    if merged == current:
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.codebox-tmp"
    with open(tmp, "w") as f:
        json.dump(merged, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    print("changed")


main()
