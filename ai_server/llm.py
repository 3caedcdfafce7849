"""Words -> design spec through any OpenAI-compatible chat-completions endpoint.

Works with Ollama (http://localhost:11434/v1), LM Studio (http://localhost:1234/v1),
llama.cpp's server (http://localhost:8080/v1), vLLM and OpenAI (https://api.openai.com/v1):
POST {url}/chat/completions with the spec's JSON schema in the system message. The answer
is trusted only after `DesignSpec.from_dict` accepts it; every failure (unreachable, HTTP
error, timeout, no JSON, a spec that breaks the schema) raises LLMFailure with a reason the
caller returns to the user while it falls back to the rule-based parser.

The API key comes from the environment (AURA_LLM_API_KEY) at call time, is sent only in
the Authorization header, and is scrubbed from every reason and log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from aura_addon.jewelry import gem_cuts, sizes
from aura_addon.jewelry.materials import METALS, STONES
from aura_addon.jewelry.spec import (
    ACCENT_COVERAGE,
    ACCENT_LAYOUTS,
    ACCENT_MM,
    BACKENDS,
    CARAT,
    ENGRAVING_PLACES,
    GEM_MM,
    HALO_MM,
    HALO_ROWS,
    HEAD_HEIGHTS,
    HEAD_STYLES,
    MAX_ENGRAVING,
    MAX_PROMPT,
    MOTIF_MM,
    PROFILES,
    PRONG_COUNTS,
    PRONG_TIPS,
    SETTINGS,
    SHANK_THICKNESS,
    SHANK_WIDTH,
    SHOULDERS,
    SPEC_VERSION,
    DesignSpec,
    SpecError,
)

log = logging.getLogger("ai_server.llm")

API_KEY_ENV = "AURA_LLM_API_KEY"
DEFAULT_TIMEOUT_S = 30.0
MAX_ANSWER_CHARS = 100_000  # more than any spec needs; a runaway answer is cut here


class LLMFailure(Exception):
    """Why the model's answer could not be used (already free of the API key)."""


@dataclass(frozen=True)
class LLMSettings:
    url: str
    model: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def resolve(cls, config) -> LLMSettings | None:
        """From the server config (llm_url, llm_model, llm_timeout_s), else the environment
        (AURA_LLM_URL, AURA_LLM_MODEL, AURA_LLM_TIMEOUT); None when no URL is configured."""
        url = getattr(config, "llm_url", None) or os.environ.get("AURA_LLM_URL")
        if not url:
            return None
        model = getattr(config, "llm_model", None) or os.environ.get("AURA_LLM_MODEL") or None
        timeout = getattr(config, "llm_timeout_s", None) or os.environ.get("AURA_LLM_TIMEOUT")
        try:
            timeout_s = float(timeout) if timeout else DEFAULT_TIMEOUT_S
        except ValueError:
            log.warning(
                "AURA_LLM_TIMEOUT=%r is not a number; using %g s", timeout, DEFAULT_TIMEOUT_S
            )
            timeout_s = DEFAULT_TIMEOUT_S
        if not timeout_s > 0:
            timeout_s = DEFAULT_TIMEOUT_S
        return cls(url, model, timeout_s, os.environ.get(API_KEY_ENV) or None)

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"

    @property
    def display_url(self) -> str:
        """The endpoint without credentials or query (safe to show and log)."""
        parts = urlsplit(self.endpoint)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"

    def scrub(self, text: str) -> str:
        if self.api_key:
            text = text.replace(self.api_key, "***")
        return text


# The prompt ---------------------------------------------------------------------------


def spec_schema() -> dict:
    """JSON Schema of a design spec, built from the spec's own names and limits."""

    def number(lo, hi, what):
        return {"type": "number", "minimum": lo, "maximum": hi, "description": what}

    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "spec_version": {"const": SPEC_VERSION},
            "name": {"type": "string"},
            "size": {
                "description": "ring size: system + value, OR only diameter_mm (inner diameter)",
                "type": "object",
                "properties": {
                    "system": {"enum": list(sizes.SYSTEMS)},
                    "value": {
                        "description": "US: 1-16 in quarter steps; UK: a letter A-Z, optionally "
                        "with ' 1/2' (e.g. 'M 1/2'); EU: inner circumference in mm (36.5-77.5); "
                        "CH: EU minus 40; JP: 1-27; HK: 5-30",
                        "type": ["number", "string"],
                    },
                    "diameter_mm": number(sizes.DIAMETER_MIN, sizes.DIAMETER_MAX, "inner diameter"),
                },
            },
            "metal": {"enum": list(METALS)},
            "shank": {
                "type": "object",
                "properties": {
                    "profile": {"enum": list(PROFILES)},
                    "width_mm": number(*SHANK_WIDTH, "band width"),
                    "thickness_mm": number(*SHANK_THICKNESS, "band thickness"),
                    "shoulders": {"enum": list(SHOULDERS)},
                },
            },
            "gem": {
                "description": "the centre stone, or null for none; give carat OR size_mm",
                "type": ["object", "null"],
                "properties": {
                    "cut": {"enum": list(gem_cuts.CUTS)},
                    "stone": {"enum": list(STONES)},
                    "carat": number(*CARAT, "weight in carats"),
                    "size_mm": {
                        "description": f"mm ({GEM_MM[0]:g}-{GEM_MM[1]:g}); round: the diameter; other cuts: "
                        "[length, width] with length >= width",
                        "type": ["number", "array"],
                    },
                },
            },
            "setting": {
                "type": "object",
                "properties": {
                    "type": {"enum": list(SETTINGS), "description": "'none' only without a gem"},
                    "prongs": {"enum": list(PRONG_COUNTS)},
                    "head": {"enum": list(HEAD_STYLES)},
                    "height": {"enum": list(HEAD_HEIGHTS)},
                    "tips": {"enum": list(PRONG_TIPS)},
                },
            },
            "accents": {
                "description": "small stones along the band, or null for none",
                "type": ["object", "null"],
                "properties": {
                    "layout": {"enum": list(ACCENT_LAYOUTS)},
                    "coverage": {"enum": list(ACCENT_COVERAGE)},
                    "cut": {"enum": list(gem_cuts.CUTS)},
                    "stone": {"enum": list(STONES)},
                    "size_mm": number(*ACCENT_MM, "accent stone size"),
                },
            },
            "halo": {
                "description": "melee framing the centre stone, or null for none",
                "type": ["object", "null"],
                "properties": {
                    "rows": {"enum": list(range(HALO_ROWS[0], HALO_ROWS[1] + 1))},
                    "stone": {"enum": list(STONES)},
                    "size_mm": number(*HALO_MM, "halo stone size"),
                },
            },
            "side_stones": {
                "description": "three-stone: the two side stones, or null for none",
                "type": ["object", "null"],
                "properties": {
                    "cut": {"enum": list(gem_cuts.CUTS)},
                    "stone": {"enum": list(STONES)},
                    "carat": number(*CARAT, "each side stone, carats"),
                },
            },
            "engraving": {
                "description": "text engraved in the band, or null for none",
                "type": ["object", "null"],
                "properties": {
                    "text": {"type": "string", "maxLength": MAX_ENGRAVING},
                    "where": {"enum": list(ENGRAVING_PLACES)},
                },
            },
            "stamp": {"type": "boolean", "description": "fineness mark inside; default true"},
            "motif": {
                "description": "a sculpted motif on the ring, or null for none",
                "type": ["object", "null"],
                "properties": {
                    "prompt": {"type": "string", "maxLength": MAX_PROMPT},
                    "backend": {"enum": list(BACKENDS)},
                    "seed": {"type": "integer", "minimum": 0},
                    "size_mm": number(*MOTIF_MM, "motif size"),
                },
            },
        },
    }


_EXAMPLE = {
    "spec_version": SPEC_VERSION,
    "name": "",
    "size": {"system": "UK", "value": "M"},
    "metal": "gold_18k_yellow",
    "shank": {"profile": "comfort", "width_mm": 2.2, "thickness_mm": 1.7},
    "gem": {"cut": "oval", "stone": "sapphire", "carat": 1.0},
    "setting": {"type": "bezel", "prongs": 4},
    "motif": {"prompt": "a vine", "backend": "procedural", "seed": 0, "size_mm": 12.0},
}

_RULES = """You turn a jeweler's description of a ring into a design spec.
Answer with ONE JSON object and nothing else: no prose, no markdown.
The object must follow this JSON Schema exactly (no other fields):
{schema}
Rules: use only the listed names; leave out fields the jeweler did not mention (defaults
apply: US 7, gold_18k_yellow, comfort 2.2 x 1.7 mm, a 1 ct round diamond in 4 prongs);
"white gold" is gold_18k_white_pd, "yellow gold" gold_18k_yellow, "sterling" silver_925,
"solitaire" a 4-prong setting; a bare "size N" is a US size; use "motif": null when no
motif is described and "gem": null for a band without a stone.
Example: "1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif" ->
{example}"""


def _system_message() -> str:
    return _RULES.format(
        schema=json.dumps(spec_schema(), separators=(",", ":")),
        example=json.dumps(_EXAMPLE, separators=(",", ":")),
    )


def plan_messages(text: str) -> list[dict]:
    return [
        {"role": "system", "content": _system_message()},
        {"role": "user", "content": text},
    ]


def refine_messages(spec: DesignSpec, instruction: str) -> list[dict]:
    current = json.dumps(spec.to_dict(), separators=(",", ":"))
    ask = (
        f"The current design spec is:\n{current}\n"
        f"Change it as asked and answer with the whole new spec: {instruction}"
    )
    return [
        {"role": "system", "content": _system_message()},
        {"role": "user", "content": ask},
    ]


# The answer ---------------------------------------------------------------------------


def extract_json(answer: str) -> dict:
    """The first JSON object in a model's answer: tolerates reasoning blocks, markdown
    fences and prose around it."""
    text = re.sub(r"<think>.*?</think>", "", answer[:MAX_ANSWER_CHARS], flags=re.DOTALL)
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        except RecursionError:  # nested past Python's limit: no spec is that deep
            raise LLMFailure("the model's answer is nested too deeply to be a spec") from None
        if isinstance(value, dict):
            return value
    raise LLMFailure("the model's answer holds no JSON object")


def spec_from_answer(answer: str) -> DesignSpec:
    data = extract_json(answer)
    if isinstance(data.get("spec"), dict) and len(data) == 1:
        data = data["spec"]  # {"spec": {...}}: a common wrapping
    try:
        return DesignSpec.from_dict(data)
    except (SpecError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise LLMFailure(f"the model's spec breaks the schema: {exc}") from None


# The call -----------------------------------------------------------------------------


async def ask_for_spec(settings: LLMSettings, messages: list[dict]) -> DesignSpec:
    """One chat completion -> a validated spec, within settings.timeout_s in total."""
    try:
        answer = await asyncio.wait_for(_complete(settings, messages), settings.timeout_s)
        return spec_from_answer(answer)
    except TimeoutError:
        reason = f"the model did not answer within {settings.timeout_s:g} s"
    except LLMFailure as exc:
        reason = str(exc)
    raise LLMFailure(settings.scrub(reason))


async def _complete(settings: LLMSettings, messages: list[dict]) -> str:
    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    body = {"messages": messages, "temperature": 0, "stream": False}
    if settings.model:
        body["model"] = settings.model
    timeout = httpx.Timeout(settings.timeout_s)
    async with httpx.AsyncClient(timeout=timeout) as client:
        # JSON mode where the server has it; some (LM Studio, older llama.cpp) refuse the
        # field with a 4xx, so ask once more without it.
        response = await _post(
            client, settings, headers, {**body, "response_format": {"type": "json_object"}}
        )
        if response.status_code in (400, 422):
            response = await _post(client, settings, headers, body)
    if response.status_code >= 400:
        detail = " ".join(response.text[:300].split())
        raise LLMFailure(
            f"the LLM server at {settings.display_url} answered HTTP {response.status_code}"
            + (f": {detail}" if detail else "")
        )
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError, RecursionError):
        raise LLMFailure(
            f"the LLM server at {settings.display_url} did not answer with a chat completion"
        ) from None
    if not isinstance(content, str) or not content.strip():
        raise LLMFailure("the model's answer is empty")
    return content


async def _post(client: httpx.AsyncClient, settings: LLMSettings, headers: dict, body: dict):
    try:
        return await client.post(settings.endpoint, headers=headers, json=body)
    except httpx.TimeoutException:
        raise LLMFailure(f"the model did not answer within {settings.timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        # the exception text names the URL we built (no key there), never the headers
        why = type(exc).__name__
        raise LLMFailure(f"cannot reach the LLM at {settings.display_url} ({why})") from None
