"""Reading the agency config file, with errors that name the file, line, field and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bidflow.config.feeds import FEED_KINDS
from bidflow.config.schema import AgencyConfig
from bidflow.errors import ConfigError

# What to do about the common kinds of mistake, by pydantic error type.
_FIXES: dict[str, str] = {
    "missing": "add it",
    "extra_forbidden": "remove it or correct its spelling",
    "int_parsing": "write a whole number, e.g. 20",
    "int_type": "write a whole number, e.g. 20",
    "int_from_float": "write a whole number, e.g. 20",
    "float_parsing": "write a number, e.g. 45.5",
    "float_type": "write a number, e.g. 45.5",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text (quote it if it looks like a number or date)",
    "list_type": "write a list, e.g. [a, b] or one '- item' per line",
    "dict_type": "write a mapping of 'key: value' lines",
    "model_type": "write a mapping of 'key: value' lines",
    "model_attributes_type": "write a mapping of 'key: value' lines",
    "too_short": "add at least one entry",
    "string_too_short": "fill it in",
    "string_pattern_mismatch": "use only letters, digits, '.', '_' and '-'",
    "greater_than": "use a larger value",
    "greater_than_equal": "use a larger value",
    "less_than": "use a smaller value",
    "less_than_equal": "use a smaller value",
    "enum": "use one of the listed values",
    "literal_error": "use one of the listed values",
}


def load_agency_config(path: Path) -> AgencyConfig:
    """The validated agency config at ``path``; paths inside it are relative to its folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no agency config here; run `bidflow init` to write an example,"
            " or set BIDFLOW_CONFIG to your config's path"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the agency config ({exc})") from None
    return parse_agency_config(text, source=path).with_base_dir(path.resolve().parent)


def parse_agency_config(text: str, *, source: Path) -> AgencyConfig:
    """Validate YAML text as an agency config; ``source`` names it in error messages."""
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else str(source)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{where}: not valid YAML ({problem}); check indentation and quotes"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: the agency config must be a mapping with at least a 'bidders' list;"
            " run `bidflow init` for an example"
        )
    try:
        return AgencyConfig.model_validate(data)
    except ValidationError as exc:
        # One line per mistake, so a person can fix them all in one pass.
        lines = [_describe(error, source, tree, data) for error in exc.errors()]
        raise ConfigError("\n".join(dict.fromkeys(lines))) from None


def _describe(error: ErrorDetails, source: Path, tree: yaml.Node | None, data: Any) -> str:
    loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
    path = _dotted(loc)
    line = _line_of(tree, loc)
    where = f"{source}:{line}" if line else str(source)
    message = error["msg"].removeprefix("Value error, ")
    fix = _FIXES.get(error["type"])
    if error["type"] == "union_tag_invalid":
        ctx = error.get("ctx", {})
        message = f"'{ctx.get('tag')}' is not a known {ctx.get('discriminator', 'kind')}"
        fix = f"use one of {ctx.get('expected_tags')}"
    elif error["type"] == "extra_forbidden":
        message = f"unknown field '{loc[-1]}'"
    elif error["type"] == "missing":
        message = "required field is missing"
    got = _value_at(data, loc) if error["type"] not in {"missing", "extra_forbidden"} else None
    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
    label = f"{path}: " if path else ""
    return f"{where}: {label}{message}{shown}" + (f" — {fix}" if fix else "")


def _is_union_tag(part: int | str) -> bool:
    # Discriminated unions add the tag ('rss', 'files') to the location; people never write it.
    return isinstance(part, str) and part in FEED_KINDS


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest node of ``loc`` that exists in the YAML tree."""
    best = node.start_mark.line + 1 if node is not None else None
    for depth, part in enumerate(loc, start=1):
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    child = value if depth < len(loc) else key
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, best = child, child.start_mark.line + 1
    return best


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
