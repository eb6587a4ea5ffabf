"""The structured reply asked of the model: its JSON schema, the prompt text for servers without
``json_schema`` support, and parsing a completion into a ``DraftResult``."""

from __future__ import annotations

import json
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ConfigDict, ValidationError

from connectors.llm_types import DraftRequest, DraftResult, MalformedReply

SCHEMA_NAME = "proposal_draft"


class ScreeningAnswer(BaseModel):
    """The answer to one of the client's screening questions."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str


class DraftReply(BaseModel):
    """What the model returns for one proposal."""

    model_config = ConfigDict(extra="forbid")

    cover_letter: str
    screening_answers: list[ScreeningAnswer]
    suggested_bid: float | None
    rationale: str
    questions_for_client: list[str]


# Written out rather than generated: strict mode wants every property required and no extras,
# and this is the exact contract servers are held to.
REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cover_letter": {"type": "string"},
        "screening_answers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
                "required": ["question", "answer"],
                "additionalProperties": False,
            },
        },
        "suggested_bid": {"type": ["number", "null"]},
        "rationale": {"type": "string"},
        "questions_for_client": {"type": "array", "items": {"type": "string"}},
    },
    "required": [
        "cover_letter",
        "screening_answers",
        "suggested_bid",
        "rationale",
        "questions_for_client",
    ],
    "additionalProperties": False,
}

JSON_SCHEMA_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": REPLY_SCHEMA},
}
JSON_OBJECT_FORMAT: dict[str, Any] = {"type": "json_object"}
SCHEMA_IN_PROMPT = (
    "Reply with one JSON object and nothing else, matching this JSON schema:\n"
    + json.dumps(REPLY_SCHEMA, separators=(",", ":"))
)


def parse_completion(
    completion: object, request: DraftRequest, model: str, server: str
) -> DraftResult:
    """The draft in ``completion``; MalformedReply when it is not a completion carrying a
    reply that matches the schema with a non-empty letter."""
    if not isinstance(completion, ChatCompletion):
        raise MalformedReply(f"{server}: the reply is not a chat completion")
    if not completion.choices:
        raise MalformedReply(f"{server}: the reply has no choices")
    choice = completion.choices[0]
    content = (choice.message.content or "") if choice.message else ""
    try:
        reply = DraftReply.model_validate_json(content)
    except ValidationError as exc:
        reason = f" (finish_reason: {choice.finish_reason})" if choice.finish_reason else ""
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "reply"
        raise MalformedReply(
            f"{server}: the reply does not match the draft schema{reason}:"
            f" {where}: {problem['msg']}"
        ) from None
    letter = reply.cover_letter.strip()
    if not letter:
        raise MalformedReply(f"{server}: the model returned an empty letter")
    usage = completion.usage
    cached = 0
    if usage is not None and usage.prompt_tokens_details is not None:
        cached = usage.prompt_tokens_details.cached_tokens or 0
    return DraftResult(
        key=request.key,
        text=letter,
        model=completion.model or model,
        offline=False,
        tokens_in=usage.prompt_tokens if usage else 0,
        tokens_out=usage.completion_tokens if usage else 0,
        tokens_cached=cached,
        screening_answers=_answers(reply.screening_answers, request.screening_questions),
        client_questions=tuple(q.strip() for q in reply.questions_for_client if q.strip()),
        suggested_bid=reply.suggested_bid,
        rationale=reply.rationale.strip() or None,
    )


def _answers(answers: list[ScreeningAnswer], asked: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # Models paraphrase the questions they answer; one answer per question asked, in order,
    # is filed under the client's own wording.
    if asked and len(answers) == len(asked):
        return tuple((q, a.answer.strip()) for q, a in zip(asked, answers, strict=True))
    return tuple((a.question.strip(), a.answer.strip()) for a in answers)
