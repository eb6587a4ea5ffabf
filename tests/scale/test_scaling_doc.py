"""docs/scaling.md, scripts/scale-out.sh and the scale-out test describe one procedure: the page
names every step the script has (and no other), with every default the script applies, and the
test runs every step. Fast: nothing is started."""

from __future__ import annotations

import re

from tests.scale.cluster import ROOT, SCRIPT

DOC = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
SOURCE = SCRIPT.read_text(encoding="utf-8")
STACK = (ROOT / "tests" / "scale" / "stack.py").read_text(encoding="utf-8")


def _script_steps() -> set[str]:
    cases = SOURCE.split('case "$step" in', 1)[1]
    return set(re.findall(r"^  (\w+)\)$", cases, re.MULTILINE))


def test_the_page_names_every_step_and_only_those() -> None:
    documented = set(re.findall(r"scripts/scale-out\.sh (\w+)", DOC))
    assert documented == _script_steps() == {"databases", "server", "pool", "deploy", "worker"}


def test_the_scale_out_test_runs_every_step() -> None:
    tested = set(re.findall(r'(?:run_step|running_step)\(\s*"(\w+)"', STACK))
    assert tested == _script_steps()


def test_every_default_of_the_script_is_on_the_page() -> None:
    defaults = re.findall(r"\$\{(\w+):[-=]([^}$]+)\}", SOURCE)
    assert len(defaults) >= 10
    for name, value in defaults:
        mentions = [m.start() for m in re.finditer(re.escape(name), DOC)]
        assert mentions, f"{name} is not on docs/scaling.md"
        nearby = [DOC[max(0, at - 300) : at + 300] for at in mentions]
        assert any(value in text for text in nearby), f"{name}'s default {value} is not said"
