"""Log output of ``authtokens serve``: plain text, or one JSON object per line.

``--log-format json`` writes every record (the server's, uvicorn's) as a JSON object with
``time`` (ISO 8601 UTC, milliseconds), ``level``, ``logger``, ``pid``, ``message`` and, for an
exception, ``exc_info`` (the formatted traceback), so that a log shipper needs no parsing rules.
Messages are rendered with their arguments first, exactly as the text format shows them.
"""

from __future__ import annotations

import json
import logging
import time

__all__ = ["JsonFormatter", "configure_logging"]

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module doc)."""

    def format(self, record: logging.LogRecord) -> str:
        seconds = int(record.created)
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str, log_format: str) -> None:
    """Send every logger's records to stderr at ``level`` in ``log_format`` (text or json)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
