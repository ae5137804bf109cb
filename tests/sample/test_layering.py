"""Samplers, metric hooks and benchmarks generate through model methods and never import a training recipe.

The only exception: benchmark functions that time one training iteration (a recipe's step is what they measure).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "longvid"
AREAS = ("sample", "metrics", "bench")
TRAINING_STEP_BENCHES = {("bench/train.py", "trial"), ("bench/recall.py", "train_trial"),
                         ("bench/train_step.py", "compare"), ("bench/train_step.py", "regenerating_g3an_step"),
                         ("bench/gpt_ddp_step.py", "trial"), ("bench/gpt.py", "train_trial")}


def recipe_imports(path: Path) -> list[tuple[str, int]]:
    """(enclosing top-level function or "<module>", line) of every import of longvid.recipes in `path`."""
    found = []
    for top in ast.parse(path.read_text()).body:
        scope = top.name if isinstance(top, (ast.FunctionDef, ast.ClassDef)) else "<module>"
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            if any(n == "longvid.recipes" or n.startswith("longvid.recipes.") for n in names):
                found.append((scope, node.lineno))
    return found


def test_no_sampler_metric_or_benchmark_imports_a_recipe():
    offenders, allowed_seen = [], set()
    for area in AREAS:
        for path in sorted((PACKAGE / area).rglob("*.py")):
            rel = path.relative_to(PACKAGE).as_posix()
            for scope, line in recipe_imports(path):
                if (rel, scope) in TRAINING_STEP_BENCHES:
                    allowed_seen.add((rel, scope))
                else:
                    offenders.append(f"{rel}:{line} ({scope})")
    assert not offenders, f"import longvid.recipes: {offenders}; generate with model methods (models/*)"
    assert allowed_seen == TRAINING_STEP_BENCHES  # the exceptions still exist (else drop them from the list)


def test_the_check_sees_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from longvid import recipes\n\ndef f():\n    from longvid.recipes.recall import X\n"
                     "    import longvid.recipes\n")
    assert recipe_imports(probe) == [("<module>", 1), ("f", 4), ("f", 5)]
