"""A fake Gemini API server for tests and benchmarks (stdlib only, plus Pillow).

It speaks what ``google-genai`` 3.6.1 sends with ``HttpOptions(base_url=…)``:

* ``POST /v1/models/{model}:generateContent`` and ``…:streamGenerateContent?alt=sse``
  (``/v1beta/`` is accepted too); a model it doesn't list answers 404 NOT_FOUND in Google's
  words ("models/… is not found for API version v1beta, …");
* ``GET /v1beta/models`` (``models.list``, paged by ``pageSize``/``pageToken``) and
  ``GET /v1beta/models/{model}`` (``models.get``), from ``server.models``: Google's image
  models, a text model, an Imagen model and an embedding model (set it to change what the
  "key" can use);
* camelCase JSON; base64 image data in either the URL-safe or the standard alphabet.

Every request is recorded (:class:`Recorded`: path, headers, parsed JSON body, body size,
the decoded input images, the server's own handling time). The answer is text plus an inline
PNG made from the LAST image of the request (posterised and tinted, cropped to the requested
``imageConfig.aspectRatio``), with a ``thoughtSignature`` on the first text part and on the
image part, and ``usageMetadata``. A streamed answer sends the text in three chunks, then the
image chunk.

Scripted failures for the next calls::

    server.script("429", retry_delay="7s")      # RESOURCE_EXHAUSTED with RetryInfo
    server.script("500", times=2)               # INTERNAL
    server.script("timeout", sleep=3)           # answer nothing for `sleep` seconds
    server.script("safety")                     # promptFeedback.blockReason SAFETY
    server.script("image_safety")               # finishReason IMAGE_SAFETY, text only
    server.script("no_image")                   # text only, finishReason STOP
    server.script("bad_key")                    # 400 INVALID_ARGUMENT / API_KEY_INVALID
    server.script("403")                        # PERMISSION_DENIED
    server.script("400")                        # INVALID_ARGUMENT (not the key)
    server.script("signed")                     # the image carries a C2PA manifest (caBX)
    server.script("faithful")                   # the image is the last input's, unchanged
    server.script("lighter")                    # …washed 35% towards white: lighter skin

Use it as a context manager (``with FakeGeminiServer() as server: …``) or through the
``gemini_server`` fixture of :mod:`tests.fakes.fixtures`.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageOps

PATH_RE = re.compile(
    r"^/(?P<version>v1|v1beta|v1alpha)/models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$"
)
LIST_RE = re.compile(r"^/(?P<version>v1|v1beta|v1alpha)/models(?:/(?P<model>[^/:]+))?$")
IMAGE_METHODS = ["generateContent", "countTokens", "batchGenerateContent"]
DEFAULT_MODELS = (
    ("gemini-3.1-flash-image", "Nano Banana 2", IMAGE_METHODS),
    ("gemini-3-pro-image", "Nano Banana Pro", IMAGE_METHODS),
    ("gemini-3.1-flash-lite-image", "Nano Banana 2 Lite", IMAGE_METHODS),
    ("gemini-3-flash", "Gemini 3 Flash", ["generateContent", "countTokens"]),
    ("imagen-4.0-generate-001", "Imagen 4", ["predict"]),
    ("gemini-embedding-001", "Gemini Embedding", ["embedContent"]),
)
LIST_PAGE_SIZE = 50  # the API's default pageSize
# A JUMBF superbox labelled "c2pa" (the C2PA manifest store's UUID), as Google embeds it in
# a PNG's caBX chunk. Unsigned: enough for a reader that looks for the manifest, no more.
C2PA_UUID = bytes.fromhex("6332706100110010800000aa00389b71")
_JUMD = C2PA_UUID + b"\x03" + b"c2pa\x00"
C2PA_STORE = (
    ((8 + 8 + len(_JUMD)).to_bytes(4, "big") + b"jumb" + (8 + len(_JUMD)).to_bytes(4, "big"))
    + b"jumd"
    + _JUMD
)
OUTPUT_LONG_SIDE = 512
DEFAULT_TEXTS = (
    "I turned your selfie into the avatar you asked for. ",
    "Your face, eyes and smile stay recognisable. ",
    "The colours follow your palette.",
)


def b64decode_any(text: str) -> bytes:
    """Decode base64 in the standard or the URL-safe alphabet, padded or not."""
    text = text.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


@dataclass
class InputImage:
    mime_type: str
    data: bytes
    b64_len: int  # characters in the request body

    @property
    def size(self) -> tuple[int, int]:
        return Image.open(io.BytesIO(self.data)).size


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any
    body_size: int
    model: str = ""
    stream: bool = False
    behaviour: str = "ok"
    images: list[InputImage] = field(default_factory=list)
    answered_image: bytes = b""  # the image we sent back
    handling_ms: float = 0.0  # from the body read to the answer written
    signatures: list[str] = field(default_factory=list)  # thoughtSignatures we answered with

    @property
    def contents(self) -> list[dict]:
        return (self.body or {}).get("contents") or []

    @property
    def system_text(self) -> str:
        parts = ((self.body or {}).get("systemInstruction") or {}).get("parts") or []
        return "".join(p.get("text", "") for p in parts)

    @property
    def image_config(self) -> dict:
        return ((self.body or {}).get("generationConfig") or {}).get("imageConfig") or {}

    @property
    def image_b64_bytes(self) -> int:
        return sum(image.b64_len for image in self.images)

    def texts(self, role: str | None = None) -> list[str]:
        return [
            p["text"]
            for c in self.contents
            if role is None or c.get("role") == role
            for p in c.get("parts") or []
            if "text" in p
        ]


def _inline(part: dict) -> dict | None:
    return part.get("inlineData") or part.get("inline_data")


def _error(code: int, status: str, message: str, details: list | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return {"error": error}


class FakeGeminiServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.requests: list[Recorded] = []
        self.texts: tuple[str, ...] = DEFAULT_TEXTS
        self.models: list[tuple[str, str, list[str]]] = list(DEFAULT_MODELS)
        self._script: deque[tuple[str, dict]] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counter = 0
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGeminiServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-gemini", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGeminiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self.texts = DEFAULT_TEXTS
            self.models = list(DEFAULT_MODELS)

    def script(self, behaviour: str, times: int = 1, **options) -> None:
        """Answer the next ``times`` calls with ``behaviour`` (see the module docstring)."""
        with self._lock:
            for _ in range(times):
                self._script.append((behaviour, options))

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    # -- answering -------------------------------------------------------------------------

    def _next_behaviour(self, only: tuple[str, ...] = ()) -> tuple[str, dict]:
        with self._lock:
            if not self._script or (only and self._script[0][0] not in only):
                return ("ok", {})
            return self._script.popleft()

    def _signature(self) -> str:
        with self._lock:
            self._counter += 1
            n = self._counter
        raw = f"fake-thought-signature-{n}".encode() + bytes([0xFB, 0xFF, n % 256])
        return base64.b64encode(raw).decode("ascii")

    def _model_entry(self, name: str) -> dict | None:
        for model, display, methods in self.models:
            if model == name:
                return {
                    "name": f"models/{model}",
                    "displayName": display,
                    "version": "001",
                    "inputTokenLimit": 65536,
                    "outputTokenLimit": 32768,
                    "supportedGenerationMethods": methods,
                }
        return None

    def _model_page(self, query: dict[str, list[str]]) -> dict:
        size = int((query.get("pageSize") or [LIST_PAGE_SIZE])[0])
        start = int((query.get("pageToken") or ["0"])[0])
        names = [name for name, _display, _methods in self.models]
        page: dict[str, Any] = {"models": [self._model_entry(n) for n in names[start:][:size]]}
        if start + size < len(names):
            page["nextPageToken"] = str(start + size)
        return page

    @staticmethod
    def _not_found(model: str, version: str) -> dict:
        return _error(
            404,
            "NOT_FOUND",
            f"models/{model} is not found for API version {version}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods.",
        )

    def _output_image(self, rec: Recorded, signed: bool = False, look: str = "ok") -> bytes:
        if rec.images:
            source = Image.open(io.BytesIO(rec.images[-1].data)).convert("RGB")
        else:
            source = Image.linear_gradient("L").convert("RGB")
        ratio = rec.image_config.get("aspectRatio") or ""
        if re.fullmatch(r"\d+:\d+", ratio):
            w, h = (int(x) for x in ratio.split(":"))
        else:
            w, h = source.size
        scale = OUTPUT_LONG_SIDE / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = ImageOps.fit(source, size, Image.Resampling.BILINEAR)
        if look == "lighter":  # the face (and all) washed towards white, as drifted edits do
            image = Image.blend(image, Image.new("RGB", image.size, (255, 255, 255)), 0.35)
        elif look != "faithful":
            image = ImageOps.posterize(image, 3)
            image = Image.blend(image, Image.new("RGB", image.size, (40, 170, 120)), 0.25)
        buf = io.BytesIO()
        image.save(buf, "PNG", compress_level=1)
        data = buf.getvalue()
        if signed:  # the manifest goes right after IHDR (8-byte signature + 25-byte IHDR)
            chunk = b"caBX" + C2PA_STORE
            crc = zlib.crc32(chunk).to_bytes(4, "big")
            data = data[:33] + len(C2PA_STORE).to_bytes(4, "big") + chunk + crc + data[33:]
        return data

    def _usage(self, rec: Recorded) -> dict:
        prompt = 258 * len(rec.images) + len(json.dumps(rec.body or {})) // 400
        return {
            "promptTokenCount": prompt,
            "candidatesTokenCount": 1290 + 30,
            "totalTokenCount": prompt + 1320,
        }

    def _answer_chunks(self, rec: Recorded, behaviour: str, options: dict) -> list[dict]:
        """The answer as a list of GenerateContentResponse dicts (one per SSE event)."""
        texts = list(options.get("texts") or self.texts)
        usage = self._usage(rec)
        base = {"modelVersion": rec.model, "responseId": f"fake-{len(self.requests)}"}
        if behaviour == "safety":
            return [{"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": usage, **base}]
        first_sig = self._signature()
        rec.signatures.append(first_sig)
        chunks = []
        for i, text in enumerate(texts):
            part: dict[str, Any] = {"text": text}
            if i == 0:
                part["thoughtSignature"] = first_sig
            chunks.append(
                {"candidates": [{"content": {"role": "model", "parts": [part]}, "index": 0}]}
            )
        if behaviour in ("no_image", "image_safety"):
            reason = "STOP" if behaviour == "no_image" else "IMAGE_SAFETY"
            chunks[-1]["candidates"][0]["finishReason"] = reason
        else:
            sig = self._signature()
            rec.signatures.append(sig)
            rec.answered_image = self._output_image(
                rec, signed=behaviour == "signed", look=behaviour
            )
            png = base64.b64encode(rec.answered_image).decode("ascii")
            image_part = {"inlineData": {"mimeType": "image/png", "data": png}}
            image_part["thoughtSignature"] = sig
            chunks.append(
                {
                    "candidates": [
                        {
                            "content": {"role": "model", "parts": [image_part]},
                            "finishReason": "STOP",
                            "index": 0,
                        }
                    ]
                }
            )
        chunks[-1]["usageMetadata"] = usage
        for chunk in chunks:
            chunk.update(base)
        return chunks

    @staticmethod
    def _merge(chunks: list[dict]) -> dict:
        merged = dict(chunks[-1])
        if any("candidates" in c for c in chunks):
            parts = [p for c in chunks for cand in c.get("candidates", []) for p in
                     cand["content"]["parts"]]  # fmt: skip
            candidate = dict(chunks[-1]["candidates"][0])
            candidate["content"] = {"role": "model", "parts": parts}
            merged["candidates"] = [candidate]
        return merged

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - stdlib signature
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def _json(self, status: int, payload: dict) -> None:
                self._send(status, json.dumps(payload).encode(), "application/json")

            def do_GET(self):  # noqa: N802
                split = urlsplit(self.path)
                rec = Recorded(
                    method="GET",
                    path=split.path,
                    query=parse_qs(split.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=None,
                    body_size=0,
                )
                with server._lock:
                    server.requests.append(rec)
                match = LIST_RE.match(split.path)
                if not match:
                    return self._json(404, _error(404, "NOT_FOUND", "Not found."))
                # Only a refused key is scripted for listing; other scripts wait for a POST.
                behaviour, _options = server._next_behaviour(only=("bad_key", "403"))
                rec.behaviour = behaviour
                if behaviour != "ok":
                    denied = "The caller does not have permission."
                    return self._json(403, _error(403, "PERMISSION_DENIED", denied))
                if match.group("model") is None:
                    return self._json(200, server._model_page(rec.query))
                entry = server._model_entry(match.group("model"))
                if entry is None:
                    return self._json(
                        404, server._not_found(match.group("model"), match.group("version"))
                    )
                return self._json(200, entry)

            def do_POST(self):  # noqa: N802
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                started = time.perf_counter()
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = None
                match = PATH_RE.match(split.path)
                rec = Recorded(
                    method="POST",
                    path=split.path,
                    query=parse_qs(split.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    body_size=len(raw),
                    model=match.group("model") if match else "",
                    stream=bool(match and match.group("method") == "streamGenerateContent"),
                )
                with server._lock:
                    server.requests.append(rec)
                try:
                    self._handle(rec, match, started)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (e.g. a timeout test)
                finally:
                    rec.handling_ms = (time.perf_counter() - started) * 1000

            def _handle(self, rec: Recorded, match, started: float) -> None:
                if not match or match.group("method") not in (
                    "generateContent",
                    "streamGenerateContent",
                ):
                    return self._json(404, _error(404, "NOT_FOUND", f"No route {rec.path}."))
                if not isinstance(rec.body, dict):
                    return self._json(400, _error(400, "INVALID_ARGUMENT", "Invalid JSON."))
                if server._model_entry(rec.model) is None:
                    return self._json(404, server._not_found(rec.model, match.group("version")))
                try:
                    for content in rec.body.get("contents") or []:
                        for part in content.get("parts") or []:
                            blob = _inline(part)
                            if blob:
                                data = blob.get("data", "")
                                rec.images.append(
                                    InputImage(
                                        blob.get("mimeType") or blob.get("mime_type", ""),
                                        b64decode_any(data),
                                        len(data),
                                    )
                                )
                except (binascii.Error, ValueError):
                    return self._json(
                        400, _error(400, "INVALID_ARGUMENT", "Invalid base64 image data.")
                    )
                behaviour, options = server._next_behaviour()
                rec.behaviour = behaviour
                if behaviour == "timeout":
                    server._stopping.wait(float(options.get("sleep", 5.0)))
                    return self._json(504, _error(504, "DEADLINE_EXCEEDED", "Too slow."))
                if behaviour == "429":
                    retry = {
                        "@type": "type.googleapis.com/google.rpc.RetryInfo",
                        "retryDelay": options.get("retry_delay", "7s"),
                    }
                    quota = {
                        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                        "violations": [{"quotaMetric": "generate_content_requests"}],
                    }
                    return self._json(
                        429,
                        _error(
                            429,
                            "RESOURCE_EXHAUSTED",
                            "You exceeded your current quota, please check your plan.",
                            [quota, retry],
                        ),
                    )
                if behaviour in ("500", "503"):
                    code = int(behaviour)
                    status = "INTERNAL" if code == 500 else "UNAVAILABLE"
                    return self._json(code, _error(code, status, "An internal error occurred."))
                if behaviour == "bad_key":
                    info = {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "generativelanguage.googleapis.com"},
                    }
                    return self._json(
                        400,
                        _error(
                            400,
                            "INVALID_ARGUMENT",
                            "API key not valid. Please pass a valid API key.",
                            [info],
                        ),
                    )
                if behaviour == "403":
                    return self._json(
                        403,
                        _error(403, "PERMISSION_DENIED", "The caller does not have permission."),
                    )
                if behaviour == "400":
                    message = options.get("message", "Request contains an invalid argument.")
                    return self._json(400, _error(400, "INVALID_ARGUMENT", message))
                chunks = server._answer_chunks(rec, behaviour, options)
                if rec.stream:
                    payload = b"".join(
                        b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n" for chunk in chunks
                    )
                    self._send(200, payload, "text/event-stream")
                else:
                    self._json(200, server._merge(chunks))

        return Handler
