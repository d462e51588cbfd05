"""``python -m mlff_teacher serve --model NAME``: see docs/teacher-protocol.md."""

import sys

from .server import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
