"""``python -m authtokens.server serve …`` (the same parser as ``authtokens serve``)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
