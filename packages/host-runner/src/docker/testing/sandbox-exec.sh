#!/bin/sh
# Test double of sandbox-exec: runs a command as the sandbox user with no capabilities.
exec setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"
