"""Prompt templates (``*.j2`` beside this file) and the one Jinja environment that renders them.

Each template declares its variables in its first line, ``{#- vars: job, bidder -#}``; rendering
without one of them is a loud, named error, and so is using any name that was not passed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from bidflow.errors import TemplateError

TEMPLATES = Path(__file__).parent
_DECLARATION = re.compile(r"^\{#-?\s*vars:\s*(.*?)\s*-?#\}")
# The job block is fenced with these; job text must never be able to close the fence itself.
JOB_FENCE_OPEN = "<<<JOB_POSTING"
JOB_FENCE_CLOSE = "JOB_POSTING>>>"


def untrusted(text: object) -> str:
    """Job text made safe to sit inside the job fence: fence markers cannot be forged."""
    cleaned = str(text).replace("<<<", "‹‹‹").replace(">>>", "›››")
    return cleaned.replace("JOB_POSTING", "JOB POSTING")


def screening_questions(job: Any) -> list[str]:
    """The job's screening questions (``job.raw["questions"]``, a list of strings), if any."""
    raw = getattr(job, "raw", None) or {}
    asked = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(asked, list):
        return []
    return [str(q).strip() for q in asked if isinstance(q, str) and q.strip()]


def job_posting(job: Any) -> str:
    """The job as fenced, untrusted data (``job.j2``), for any prompt that shows the job."""
    return render("job.j2", job=job)


def and_join(items: list[str] | tuple[str, ...]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = [str(item) for item in items]
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else ""


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment for prompts: strict about undefined names, no HTML escaping
    (prompts are plain text; job text is fenced with ``untrusted`` instead)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        untrusted=untrusted,
        and_join=and_join,
        screening_questions=screening_questions,
        job_posting=job_posting,
    )
    return env


def declared_variables(name: str) -> frozenset[str]:
    """The variables template ``name`` says it needs."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    match = _DECLARATION.match(source)
    if not match:
        raise TemplateError(
            f"prompts/{name}: first line must declare its variables, e.g. {{#- vars: job -#}}"
        )
    return frozenset(v.strip() for v in match[1].split(",") if v.strip())


def render(name: str, **variables: Any) -> str:
    """Render template ``name`` with exactly the variables it declares (extra ones are an error)."""
    declared = declared_variables(name)
    missing = sorted(declared - variables.keys())
    extra = sorted(variables.keys() - declared)
    if missing or extra:
        problem = f"missing {missing}" if missing else f"not declared {extra}"
        raise TemplateError(f"prompts/{name}: variables {problem}; declared: {sorted(declared)}")
    try:
        return environment().get_template(name).render(**variables)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"prompts/{name}: {exc.message}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"prompts/{exc.name or name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"prompts/{exc.name}: no such template") from None
