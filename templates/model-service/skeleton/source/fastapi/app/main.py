"""${{ values.name }}: a minimal OpenAI-compatible chat service for the model ${{ values.modelName }}.

Endpoints
    GET  /healthz              liveness: the process answers
    GET  /readyz               readiness: 200 once the model is loaded, 503 with the reason otherwise
    GET  /health               same as /readyz (the path vLLM-style probes use)
    GET  /v1/models            the served model
    POST /v1/chat/completions  OpenAI chat completions (no streaming)
    GET  /metrics              Prometheus metrics

Configuration (environment)
    MODEL_NAME         name the model is served under (default: ${{ values.modelName }})
    MODEL_PATH         a TorchScript file, a folder holding model.pt, or a Hugging Face model
                       folder or hub id (default: /models/${{ values.modelName }})
    MAX_TOKENS         default completion length (default: 256)
    REDIS_URL          optional: keep conversations in Redis (send "conversation_id")
    CHROMA_URL         optional: add the closest documents from Chroma to each prompt
    CHROMA_COLLECTION  Chroma collection (default: MODEL_NAME)

A TorchScript model is a scripted module whose forward takes the prompt and returns the
answer: ``forward(self, prompt: str) -> str``. Hugging Face models are loaded with
transformers (imported only when needed). The model loads in the background, so the
process is live at once and ready when the load succeeded.
"""

import inspect
import json
import logging
import os
import threading
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import urlparse

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel

MODEL_NAME = os.environ.get("MODEL_NAME", "${{ values.modelName }}")
MODEL_PATH = os.environ.get("MODEL_PATH", "/models/" + MODEL_NAME)
MAX_TOKENS = int(os.environ.get("MAX_TOKENS", "256"))
HISTORY_LIMIT = int(os.environ.get("HISTORY_LIMIT", "20"))
HISTORY_TTL_SECONDS = int(os.environ.get("HISTORY_TTL_SECONDS", str(7 * 24 * 3600)))
RETRIEVAL_RESULTS = int(os.environ.get("RETRIEVAL_RESULTS", "3"))

log = logging.getLogger("model-service")
logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))

# Own registry: importing the module twice (tests, reloads) must not register twice.
REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "model_requests",
    "API requests by route and HTTP status",
    ["route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "model_request_latency_seconds",
    "API request latency by route",
    ["route"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
READY = Gauge("model_ready", "1 when the model is loaded and serving", registry=REGISTRY)
API_ROUTES = {"/v1/models", "/v1/chat/completions"}


# ---------------------------------------------------------------- model loading


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _render_prompt(messages: List[Dict[str, str]]) -> str:
    lines = ["%s: %s" % (m["role"], m["content"]) for m in messages]
    return "\n".join(lines + ["assistant:"])


class TorchScriptChat:
    """A scripted module with ``forward(prompt: str) -> str``."""

    kind = "torchscript"

    def __init__(self, path: str):
        import torch

        self._torch = torch
        self.module = torch.jit.load(path, map_location=_device())
        self.module.eval()

    def generate(self, messages, max_tokens, temperature) -> Tuple[str, int, int]:
        prompt = _render_prompt(messages)
        with self._torch.no_grad():
            answer = self.module(prompt)
        if not isinstance(answer, str):
            raise TypeError("the TorchScript model must return a str, got %s" % type(answer).__name__)
        return answer, len(prompt.split()), len(answer.split())


class TransformersChat:
    """A causal language model from a Hugging Face folder or hub id."""

    kind = "transformers"

    def __init__(self, path: str):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path)
        try:
            model = AutoModelForCausalLM.from_pretrained(path, dtype="auto")
        except TypeError:  # transformers < 4.56 names it torch_dtype
            model = AutoModelForCausalLM.from_pretrained(path, torch_dtype="auto")
        self.model = model.to(_device()).eval()

    def generate(self, messages, max_tokens, temperature) -> Tuple[str, int, int]:
        if getattr(self.tokenizer, "chat_template", None):
            inputs = self.tokenizer.apply_chat_template(
                messages,
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
                return_tensors="pt",
            )
        else:
            inputs = self.tokenizer(_render_prompt(messages), return_tensors="pt")
        inputs = {k: v.to(self.model.device) for k, v in inputs.items()}
        options: Dict[str, Any] = {"max_new_tokens": max_tokens, "do_sample": temperature > 0}
        if temperature > 0:
            options["temperature"] = temperature
        if self.tokenizer.pad_token_id is None:
            options["pad_token_id"] = self.tokenizer.eos_token_id
        prompt_tokens = inputs["input_ids"].shape[1]
        output = self.model.generate(**inputs, **options)
        new_tokens = output[0, prompt_tokens:]
        answer = self.tokenizer.decode(new_tokens, skip_special_tokens=True)
        return answer, int(prompt_tokens), int(new_tokens.shape[0])


def load_model(path: str):
    """Returns (model, None) when the path holds a usable model, else (None, reason)."""
    torchscript = path
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "model.pt")):
        torchscript = os.path.join(path, "model.pt")
    if os.path.isfile(torchscript):
        try:
            return TorchScriptChat(torchscript), None
        except Exception as error:  # noqa: BLE001 - any load failure makes us not ready
            return None, "%s is not a loadable TorchScript file: %s" % (torchscript, error)
    if os.path.isabs(path) and not os.path.isdir(path):
        return None, "no model at %s (mount the model volume or set MODEL_PATH)" % path
    try:
        return TransformersChat(path), None
    except ImportError as error:
        return None, "%s: no TorchScript model.pt, and transformers (for Hugging Face models) is not usable: %s" % (path, error)
    except Exception as error:  # noqa: BLE001
        return None, "could not load %s with transformers: %s" % (path, error)


class ModelState:
    def __init__(self):
        self.model = None
        self.reason = "loading %s" % MODEL_PATH
        self.lock = threading.Lock()  # one generation at a time per replica

    def load(self):
        started = time.monotonic()
        model, reason = load_model(MODEL_PATH)
        self.model, self.reason = model, reason
        READY.set(1 if model else 0)
        if model:
            log.info("loaded %s (%s) in %.1fs", MODEL_PATH, model.kind, time.monotonic() - started)
        else:
            log.error("model not loaded: %s", reason)


STATE = ModelState()


# ------------------------------------------------------- optional backing services


class History:
    """Conversation history in Redis, one list per conversation id."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)

    def load(self, conversation_id: str) -> List[Dict[str, str]]:
        return [json.loads(item) for item in self.client.lrange(self._key(conversation_id), 0, -1)]

    def append(self, conversation_id: str, messages: List[Dict[str, str]]):
        key = self._key(conversation_id)
        pipe = self.client.pipeline()
        pipe.rpush(key, *[json.dumps(m) for m in messages])
        pipe.ltrim(key, -HISTORY_LIMIT, -1)
        pipe.expire(key, HISTORY_TTL_SECONDS)
        pipe.execute()

    @staticmethod
    def _key(conversation_id: str) -> str:
        return "chat:%s:%s" % (MODEL_NAME, conversation_id)


class Retriever:
    """Closest documents from a Chroma collection (queried by text)."""

    def __init__(self, url: str, collection: str):
        import chromadb

        parsed = urlparse(url)
        client = chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
        )
        self.collection = client.get_or_create_collection(collection)

    def documents(self, text: str) -> List[str]:
        found = self.collection.query(query_texts=[text], n_results=RETRIEVAL_RESULTS)
        return [d for d in (found.get("documents") or [[]])[0] if d]


def _optional(name: str, factory):
    """Builds a backing service only when its variable is set; logs and skips it when broken."""
    if not os.environ.get(name):
        return None
    try:
        return factory()
    except Exception as error:  # noqa: BLE001
        log.warning("%s is set but unusable, continuing without it: %s", name, error)
        return None


HISTORY = None
RETRIEVER = None


def _start():
    global HISTORY, RETRIEVER
    HISTORY = _optional("REDIS_URL", lambda: History(os.environ["REDIS_URL"]))
    RETRIEVER = _optional(
        "CHROMA_URL",
        lambda: Retriever(os.environ["CHROMA_URL"], os.environ.get("CHROMA_COLLECTION", MODEL_NAME)),
    )
    threading.Thread(target=STATE.load, name="model-loader", daemon=True).start()


# -------------------------------------------------------------------------- app

if "lifespan" in inspect.signature(FastAPI.__init__).parameters:

    @asynccontextmanager
    async def _lifespan(_app):
        _start()
        yield

    app = FastAPI(title="${{ values.name }}", lifespan=_lifespan)
else:  # FastAPI < 0.93 (for example Debian 12's python3-fastapi)
    app = FastAPI(title="${{ values.name }}")
    app.add_event_handler("startup", _start)


def openai_error(status: int, message: str, kind: str, code: Optional[str] = None, param: Optional[str] = None):
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(status_code=status, content=body)


@app.exception_handler(RequestValidationError)
async def _invalid_request(_request: Request, error: RequestValidationError):
    problems = ["%s: %s" % (".".join(str(p) for p in e.get("loc", ())), e.get("msg")) for e in error.errors()]
    return openai_error(400, "; ".join(problems), "invalid_request_error")


@app.middleware("http")
async def _observe(request: Request, call_next):
    if not request.url.path.startswith("/v1/"):
        return await call_next(request)
    route = request.url.path if request.url.path in API_ROUTES else "other"
    started = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        REQUESTS.labels(route=route, status=str(status)).inc()
        LATENCY.labels(route=route).observe(time.perf_counter() - started)


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.get("/readyz")
async def readyz():
    if STATE.model is None:
        return JSONResponse(status_code=503, content={"status": "not ready", "reason": STATE.reason})
    return {
        "status": "ready",
        "model": MODEL_NAME,
        "loader": STATE.model.kind,
        "history": HISTORY is not None,
        "retrieval": RETRIEVER is not None,
    }


@app.get("/health")
async def health():
    return await readyz()


@app.get("/metrics")
async def metrics():
    return Response(content=generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


STARTED = int(time.time())


@app.get("/v1/models")
async def list_models():
    # Only a loaded model is served: clients (and the portal) read "model ready" from this list.
    served = [] if STATE.model is None else [
        {"id": MODEL_NAME, "object": "model", "created": STARTED, "owned_by": "${{ values.name }}"}
    ]
    return {"object": "list", "data": served}


class ChatMessage(BaseModel):
    role: str
    content: Union[str, List[Dict[str, Any]]]


class ChatRequest(BaseModel):
    model: Optional[str] = None
    messages: List[ChatMessage]
    max_tokens: Optional[int] = None
    max_completion_tokens: Optional[int] = None
    temperature: Optional[float] = None
    stream: Optional[bool] = False
    # Extension: continue a conversation kept in Redis (REDIS_URL).
    conversation_id: Optional[str] = None


def _text(content: Union[str, List[Dict[str, Any]]]) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")


@app.post("/v1/chat/completions")
async def chat_completions(body: ChatRequest):
    if body.stream:
        return openai_error(400, "streaming is not supported by this service", "invalid_request_error", param="stream")
    if body.model and body.model != MODEL_NAME:
        return openai_error(404, "The model `%s` does not exist." % body.model, "NotFoundError", code="model_not_found", param="model")
    model = STATE.model
    if model is None:
        return openai_error(503, "model not ready: %s" % STATE.reason, "ServiceUnavailableError")
    if not body.messages:
        return openai_error(400, "messages must not be empty", "invalid_request_error", param="messages")

    messages = [{"role": m.role, "content": _text(m.content)} for m in body.messages]
    past: List[Dict[str, str]] = []
    if HISTORY is not None and body.conversation_id:
        try:
            past = await run_in_threadpool(HISTORY.load, body.conversation_id)
        except Exception as error:  # noqa: BLE001 - history is best effort
            log.warning("could not read history: %s", error)
    context: List[Dict[str, str]] = []
    last_user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    if RETRIEVER is not None and last_user:
        try:
            documents = await run_in_threadpool(RETRIEVER.documents, last_user)
            if documents:
                context = [{"role": "system", "content": "Context:\n" + "\n\n".join(documents)}]
        except Exception as error:  # noqa: BLE001 - retrieval is best effort
            log.warning("could not query Chroma: %s", error)

    max_tokens = body.max_completion_tokens or body.max_tokens or MAX_TOKENS
    temperature = body.temperature if body.temperature is not None else 0.0

    def generate():
        with STATE.lock:
            return model.generate(context + past + messages, max_tokens, temperature)

    try:
        answer, prompt_tokens, completion_tokens = await run_in_threadpool(generate)
    except Exception as error:  # noqa: BLE001
        # The details (which may quote the model's source) stay in the log.
        log.exception("generation failed")
        return openai_error(500, "generation failed (%s); see the service log" % type(error).__name__, "InternalServerError")

    if HISTORY is not None and body.conversation_id:
        new = [m for m in messages if m["role"] != "system"][-1:] + [{"role": "assistant", "content": answer}]
        try:
            await run_in_threadpool(HISTORY.append, body.conversation_id, new)
        except Exception as error:  # noqa: BLE001
            log.warning("could not write history: %s", error)

    return {
        "id": "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_NAME,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer},
                "finish_reason": "length" if completion_tokens >= max_tokens else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
