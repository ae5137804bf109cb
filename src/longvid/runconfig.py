"""The one strict loader of run-config sections (`data:`, `model:`, `train:`, a family's own block); torch-free.

A section of a run config is a mapping from YAML; its schema is a frozen dataclass whose annotations give each
key's type. `load_section` rejects unknown keys, checks every value against its annotation (an `int` is an int,
not a bool, 1.5 or "ten"; a `float` also takes an int; `tuple[...]` takes a list, element by element; `X | None`
takes null), checks optional ranges, then builds the dataclass, whose `__post_init__` / `validate()` checks the
rest. Every error is a `RunConfigError` naming the dotted key (`train.epochs`), the value, the problem and the fix;
`longvid.config` adds the experiment and the config file that set the key. `check_run` builds a whole resolved
run config this way (the workflow does it for every experiment when it is parsed, the trainer when it starts).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import operator
import types
import typing

_MISSING = dataclasses.MISSING
_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
RUN_KEYS = ("experiment", "run_type", "seed", "family", "model_preset", "data", "model", "train", "runtime")


class RunConfigError(ValueError):
    """A bad run-config value; `key` is dotted (`train.epochs`), `value` what was given."""

    def __init__(self, key: str, value, problem: str, fix: str, source: str = "run config"):
        self.key, self.value, self.problem, self.fix, self.source = key, value, problem, fix, source
        super().__init__(f"{source}: {key}: {problem} (got {value!r}); {fix}")

    def detail(self, where: str = "") -> str:
        """The message without the source (the workflow prefixes experiment and file); `where` = the config
        path that set the key."""
        at = f", set at {where}" if where else ""
        return f"{self.key}: {self.problem} (got {self.value!r}{at}); {self.fix}"


@functools.lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _type_name(tp) -> str:
    if isinstance(tp, type):
        return {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string"}.get(
            tp.__name__, tp.__name__)
    return str(tp).replace("typing.", "")


def _convert(tp, value):
    """`value` as type `tp` (lists become tuples); raises TypeError with what was expected."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is typing.Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _convert(arg, value)
            except TypeError:
                pass
        raise TypeError(" or ".join(_type_name(a) if a is not type(None) else "null" for a in args))
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"a list ({_type_name(tp)})")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise TypeError(f"a list of {len(args)} values ({_type_name(tp)})")
            return tuple(_convert(a, v) for a, v in zip(args, value))
        items = [_convert(args[0], v) for v in value] if args else list(value)
        return tuple(items) if origin is tuple else items
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(tp, type) and isinstance(value, tp):
        return value
    raise TypeError(_type_name(tp))


def _example(key: str, field: dataclasses.Field, value, expected: str) -> str:
    """How to write the key: the field's default, or a hint for a number written as a string."""
    if isinstance(value, str) and "number" in expected:
        try:
            return f"write a number without quotes, e.g. {key}: {float(value)!r}"
        except ValueError:
            pass
    default = field.default if field.default is not _MISSING else None
    if isinstance(default, tuple):
        default = list(default)
    if default is None:
        return f"write {expected}"
    shown = str(default).lower() if isinstance(default, bool) else default
    return f"write {expected}, e.g. {key}: {shown} (the default)"


def _check_range(key: str, value, rule: str, source: str) -> None:
    op, bound = rule.split()
    if value is not None and not _COMPARE[op](value, float(bound)):
        raise RunConfigError(key, value, f"must be {op} {bound}", f"set {key} {op} {bound}", source)


def _blame(cls, kwargs: dict, section: str) -> str:
    """The dotted key whose removal (back to its default) makes `cls(**kwargs)` build, else the section."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in kwargs:
        if fields[name].default is _MISSING and fields[name].default_factory is _MISSING:
            continue
        try:
            _build(cls, {k: v for k, v in kwargs.items() if k != name})
        except (ValueError, TypeError):
            continue
        return f"{section}.{name}"
    return section


def _build(cls, kwargs: dict):
    obj = cls(**kwargs)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        validate()
    return obj


def load_section(cls, raw: dict | None, *, section: str, source: str = "run config",
                 ranges: dict[str, str] | None = None):
    """Build dataclass `cls` from the mapping `raw` of run-config section `section` (e.g. "train").

    `ranges` maps a field to a bound such as ">= 1" or "> 0". Raises `RunConfigError` naming `section.key`.
    """
    if raw is not None and not isinstance(raw, dict):
        raise RunConfigError(section, raw, "must be a mapping of keys", f"write {section}: {{key: value, ...}}", source)
    raw = dict(raw or {})
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        guess = difflib.get_close_matches(unknown[0], list(fields), n=1)
        hint = f"did you mean {section}.{guess[0]}? " if guess else ""
        raise RunConfigError(f"{section}.{unknown[0]}", raw[unknown[0]], f"unknown {section} keys {unknown}",
                             f"{hint}known keys: {', '.join(sorted(fields))}", source)
    missing = [n for n, f in fields.items() if n not in raw and f.default is _MISSING
               and f.default_factory is _MISSING]
    if missing:
        raise RunConfigError(f"{section}.{missing[0]}", None, "is required", f"set {section}.{missing[0]}", source)
    kwargs = {}
    for name, value in raw.items():
        key = f"{section}.{name}"
        try:
            kwargs[name] = _convert(_hints(cls)[name], value)
        except TypeError as err:
            raise RunConfigError(key, value, f"must be {err}", _example(key, fields[name], value, str(err)),
                                 source) from None
        if ranges and name in ranges:
            _check_range(key, kwargs[name], ranges[name], source)
    try:
        return _build(cls, kwargs)
    except (ValueError, TypeError) as err:
        key = _blame(cls, kwargs, section)
        value = raw.get(key.partition(".")[2], raw) if key != section else raw
        problem = str(err).removeprefix(f"{source}: ").removeprefix("config: ")  # validate()'s default source
        raise RunConfigError(key, value, problem, f"fix {key} as the message says", source) from None
