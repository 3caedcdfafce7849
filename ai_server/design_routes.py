"""The design routes: words -> design spec (/v1/plan), a change in words (/v1/refine) and
alternatives (/v1/variations).

The rule-based parser (aura_addon.jewelry.intent) always works offline. When an
OpenAI-compatible LLM is configured (llm_url / llm_model / llm_timeout_s in the server
config, or AURA_LLM_URL / AURA_LLM_MODEL / AURA_LLM_TIMEOUT, key in AURA_LLM_API_KEY) it is
asked first; whatever goes wrong with it, the rules answer and `fallback_reason` says why,
so the user always gets a buildable spec. The LLM call is awaited on an async client and the
rules run in the thread pool, so neither blocks the event loop.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ai_server import llm
from ai_server.config import MAX_SEED
from ai_server.errors import ApiError, documented_body, json_body
from aura_addon.jewelry import design_edits, intent
from aura_addon.jewelry.spec import DesignSpec, SpecError

log = logging.getLogger("ai_server.design")

router = APIRouter()

StrictInt = Annotated[int, Field(strict=True)]


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class RefineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: dict
    instruction: str


class VariationsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: dict
    n: StrictInt = 3
    seed: StrictInt = 0


@router.post("/v1/plan", openapi_extra=documented_body(PlanRequest))
async def plan(request: Request, body: Annotated[PlanRequest, Depends(json_body(PlanRequest))]):
    text = _words(body.text, "text", "describe the ring, e.g. '1 ct oval sapphire, UK M'")
    settings = llm.LLMSettings.resolve(request.app.state.config)
    reason = None
    if settings is not None:
        try:
            spec = await llm.ask_for_spec(settings, llm.plan_messages(text))
            return _llm_answer(spec, settings)
        except llm.LLMFailure as exc:
            reason = _fell_back("plan", exc)
    result = await run_in_threadpool(_rules, intent.parse, text)
    return _rules_answer(result.spec, result.understood, reason)


@router.post("/v1/refine", openapi_extra=documented_body(RefineRequest))
async def refine(
    request: Request, body: Annotated[RefineRequest, Depends(json_body(RefineRequest))]
):
    spec = _spec(body.spec)
    instruction = _words(body.instruction, "instruction", "say what to change, e.g. 'a size up'")
    settings = llm.LLMSettings.resolve(request.app.state.config)
    reason = None
    if settings is not None:
        try:
            new = await llm.ask_for_spec(settings, llm.refine_messages(spec, instruction))
            return _llm_answer(new, settings)
        except llm.LLMFailure as exc:
            reason = _fell_back("refine", exc)
    new, understood = await run_in_threadpool(_rules, design_edits.refine, spec, instruction)
    return _rules_answer(new, understood, reason)


@router.post("/v1/variations", openapi_extra=documented_body(VariationsRequest))
async def variations(body: Annotated[VariationsRequest, Depends(json_body(VariationsRequest))]):
    spec = _spec(body.spec)
    if not 1 <= body.n <= design_edits.MAX_VARIATIONS:
        raise ApiError(
            422,
            "invalid_request",
            f"n must be a whole number from 1 to {design_edits.MAX_VARIATIONS}, got {body.n}",
        )
    if not 0 <= body.seed <= MAX_SEED:
        raise ApiError(
            422, "invalid_request", f"seed must be from 0 to {MAX_SEED}, got {body.seed}"
        )
    specs = await run_in_threadpool(_rules, design_edits.variations, spec, body.n, body.seed)
    return {"specs": [s.to_dict() for s in specs], "provider": "rules", "seed": body.seed}


# ---------------------------------------------------------------- helpers


def _words(text: str, field: str, hint: str) -> str:
    if len(text) > intent.MAX_TEXT:
        raise ApiError(
            413,
            "too_large",
            f"{field} is {len(text)} characters; at most {intent.MAX_TEXT} are read",
        )
    if not text.strip():
        raise ApiError(422, "invalid_request", f"{field} is empty: {hint}")
    return text.strip()


def _spec(data: dict) -> DesignSpec:
    try:
        return DesignSpec.from_dict(data)
    except SpecError as exc:
        raise ApiError(422, "invalid_spec", f"spec is not valid: {exc}") from None


def _rules(function, *args):
    """Run a rule-based step; a value the words ask for that cannot be made is a 422."""
    try:
        return function(*args)
    except intent.IntentError as exc:
        raise ApiError(422, "impossible_value", str(exc)) from None
    except SpecError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None


def _fell_back(what: str, exc: llm.LLMFailure) -> str:
    reason = str(exc)  # LLMFailure reasons are scrubbed of the key where they are made
    log.warning("LLM %s failed, the rules answer instead: %s", what, reason)
    return reason


def _llm_answer(spec: DesignSpec, settings: llm.LLMSettings) -> dict:
    return {
        "spec": spec.to_dict(),
        "provider": "llm",
        "model": settings.model,
        "understood": intent.understood_from(spec, "llm"),
        "notes": [],
    }


def _rules_answer(spec: DesignSpec, understood: dict, reason: str | None) -> dict:
    answer = {
        "spec": spec.to_dict(),
        "provider": "rules",
        "understood": understood,
        "notes": [f"{k}: {v['note']}" for k, v in understood.items() if v.get("note")],
    }
    if reason is not None:
        answer["fallback_reason"] = reason
    return answer
