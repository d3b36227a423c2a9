"""Stand-in for dockerfile-parse, which Debian does not package (scripts/e2b-suites.sh).

The E2B SDK imports it at start-up but uses it only in Template.from_dockerfile, so importing
works and using it fails with a clear error.
"""


class DockerfileParser:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "dockerfile-parse is not installed (Debian does not package it); "
            "Template.from_dockerfile cannot be tested here"
        )
