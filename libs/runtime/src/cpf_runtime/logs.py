"""JSON logs on stdout, one object per line, with the service name and the trace id.

Secrets must never reach a log line: call sites never log them, and as a second guard the
formatter masks any ``extra`` field whose name says it holds one.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

import orjson

from cpf_runtime.tracing import current_traceparent, trace_id

SECRET_WORDS = ("password", "token", "secret", "private_key", "authorization")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if tid := trace_id(current_traceparent.get()):
            entry["trace_id"] = tid
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            masked = any(word in key.lower() for word in SECRET_WORDS)
            entry[key] = "***" if masked else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: a line per request puts the encoder on the hot path (UTF-8, as before);
        # the standard one for what orjson refuses (an integer beyond 64 bits).
        try:
            return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, *, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stdout)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka logs every coordinator hiccup at INFO; keep ours readable.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # uvicorn's access log prints query strings, where links carry tokens
    # (/activation?token=…); the runtime's middleware logs requests by route template.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True
