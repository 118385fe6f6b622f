"""The private caches' file format: msgpack with a closed set of types — never pickle.

A cache file under ``<work>/cache/`` may have been damaged, left by other code, or planted
(CI caches are restored from storage the build does not control).  Reading one must
therefore never run code and never yield a value of a type the pipeline did not write.
This codec knows exactly these values: ``None``, ``bool``, ``int``, ``float``, ``str``,
``bytes``, tuples (lists are written as tuples and come back as tuples), dicts, timezone-aware
or naive ``datetime`` (time zone by IANA name or fixed offset), and the frozen dataclasses
named in the ``records`` argument, rebuilt field by field after each field is checked
against the class's annotations (``str | None``, ``tuple[str, ...]``, nested records …).

The file starts with a header naming the codec version and every record class with its
field names, so a file written by a different version of a class is not read at all.
Anything else — bytes that are not msgpack, a truncated file, an unknown extension type, a
field of the wrong type, a class not asked for — raises :class:`CacheFormatError` (a
``ValueError``); callers treat that as an empty cache and do the work again.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import msgpack

CODEC = "portal-cache/1"
EXT_DATETIME = 1
EXT_RECORD = 2
MAX_DEPTH = 64  # our records nest a few levels; deeper data is not ours


class CacheFormatError(ValueError):
    """The bytes are not a cache file this code wrote."""


def dumps(value: Any, records: Iterable[type] = ()) -> bytes:
    """``value`` as msgpack; ``records``: the dataclasses it may contain."""
    classes = {cls.__name__: cls for cls in records}
    getters = {cls: (name, _getter(cls)) for name, cls in classes.items()}

    def default(obj: Any) -> Any:
        kind = type(obj)
        if kind is datetime:
            return msgpack.ExtType(EXT_DATETIME, _pack_datetime(obj))
        known = getters.get(kind)
        if known is not None:
            name, get = known
            return msgpack.ExtType(EXT_RECORD, msgpack.packb((name, *get(obj)), default=default, use_bin_type=True))
        raise TypeError(f"cache_codec cannot store {kind.__name__}")

    # tuples and lists are both msgpack arrays (read back as tuples); sets, dates and other
    # objects reach ``default`` and are refused
    header = {"codec": CODEC, "records": {name: list(_names(cls)) for name, cls in sorted(classes.items())}}
    return msgpack.packb([header, value], default=default, use_bin_type=True)


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _getter(cls: type) -> Callable[[Any], tuple]:
    names = _names(cls)
    if len(names) == 1:
        return lambda obj: (getattr(obj, names[0]),)
    return operator.attrgetter(*names)


def loads(data: bytes | memoryview, records: Iterable[type] = ()) -> Any:
    """The value :func:`dumps` wrote with the same ``records``; :class:`CacheFormatError` otherwise."""
    classes = {cls.__name__: cls for cls in records}
    try:
        builders = {name: _builder(cls) for name, cls in classes.items()}
    except Exception as exc:  # noqa: BLE001 - an annotation we cannot check: no cache
        raise CacheFormatError(f"record type not checkable: {exc}") from None
    depth = 0

    def ext_hook(code: int, payload: bytes) -> Any:
        nonlocal depth
        if code == EXT_DATETIME:
            return _unpack_datetime(payload)
        if code != EXT_RECORD:
            raise CacheFormatError(f"unknown extension type {code}")
        depth += 1
        try:
            if depth > MAX_DEPTH:
                raise CacheFormatError("records nested too deeply")
            fields = _unpack(payload, ext_hook)
        finally:
            depth -= 1
        if type(fields) is not tuple or not fields or type(fields[0]) is not str or fields[0] not in builders:
            raise CacheFormatError("record of an unknown type")
        return builders[fields[0]](fields[1:])

    try:
        whole = _unpack(data if type(data) in (bytes, memoryview) else bytes(data), ext_hook)
    except CacheFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - msgpack's errors for damaged bytes are many
        raise CacheFormatError(f"not a cache file: {type(exc).__name__}") from None
    if type(whole) is not tuple or len(whole) != 2 or type(whole[0]) is not dict:
        raise CacheFormatError("no cache header")
    header = whole[0]
    expected = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in classes.items()}
    if header.get("codec") != CODEC or header.get("records") != expected:
        raise CacheFormatError("written by other code")
    return whole[1]


def _unpack(payload: bytes, ext_hook: Callable) -> Any:
    # arrays come back as (hashable) tuples, so tuple keys of maps work; no size limit beyond
    # the bytes themselves (msgpack checks every declared length against them)
    return msgpack.unpackb(payload, ext_hook=ext_hook, use_list=False, raw=False, strict_map_key=False)


# --- datetime ---------------------------------------------------------------------------------


def _pack_datetime(value: datetime) -> bytes:
    tz = value.tzinfo
    if tz is None:
        zone: Any = None
    elif type(tz) is ZoneInfo:
        zone = tz.key
    elif type(tz) is timezone:
        offset = tz.utcoffset(None)
        zone = (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds
    else:
        raise TypeError(f"cache_codec cannot store time zone {type(tz).__name__}")
    parts = (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        value.fold,
        zone,
    )
    return msgpack.packb(parts, use_bin_type=True)


def _unpack_datetime(payload: bytes) -> datetime:
    parts = msgpack.unpackb(payload, use_list=False, raw=False)
    if type(parts) is not tuple or len(parts) != 9 or any(type(p) is not int for p in parts[:8]):
        raise CacheFormatError("bad datetime")
    zone = parts[8]
    if zone is None:
        tz = None
    elif type(zone) is str:
        tz = ZoneInfo(zone)  # a name; ZoneInfo rejects paths and unknown names
    elif type(zone) is int and abs(zone) < 86_400_000_000:
        tz = timezone(timedelta(microseconds=zone))
    else:
        raise CacheFormatError("bad time zone")
    try:
        return datetime(*parts[:7], fold=parts[7], tzinfo=tz)
    except (ValueError, TypeError):
        raise CacheFormatError("bad datetime") from None


# --- records: field checks compiled once per class from its annotations -----------------------


@functools.lru_cache(maxsize=64)  # made once per class and process (every memo file is read with them)
def _builder(cls: type) -> Callable[[tuple], Any]:
    """A function that checks a record's field values against the class's annotations and
    makes the record: one generated function per class, the checks written out inline (a
    memo holds ten thousand items of thirty fields; a call per field check was a third of
    reading it)."""
    fields = dataclasses.fields(cls)
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = {"CacheFormatError": CacheFormatError, "cls": cls}
    count = len(fields)
    values = [f"v{n}" for n in range(count)]
    lines = ["def build(values):", f"    if len(values) != {count}:"]
    lines.append(f"        raise CacheFormatError({cls.__name__ + ': wrong number of fields'!r})")
    if count:
        lines.append(f"    {', '.join(values)}, = values")
    for f, value in zip(fields, values):
        lines.append(f"    if not ({_expr(hints[f.name], value, names)}):")
        wrong = f"{cls.__name__}.{f.name}: wrong type "
        lines.append(f"        raise CacheFormatError({wrong!r} + type({value}).__name__)")
    if _plain_record(cls):  # checked: made as __init__ would make it, without its per-field __setattr__
        names["new"] = object.__new__
        lines.append("    record = new(cls)")
        if count:
            lines.append(f"    record.__dict__.update({', '.join(f'{f.name}={v}' for f, v in zip(fields, values))})")
        lines.append("    return record")
    else:
        lines.append("    return cls(*values)")
    exec("\n".join(lines), names)  # noqa: S102 - our own code, made from the class's field names and types
    return names["build"]


def _plain_record(cls: type) -> bool:
    """A dataclass whose ``__init__`` only stores its fields (no ``__post_init__``, no init-only
    or non-init fields, no slots, no ``__setattr__`` of its own besides the frozen one)."""
    params = getattr(cls, "__dataclass_params__", None)
    return (
        params is not None
        and not hasattr(cls, "__post_init__")
        and "__slots__" not in cls.__dict__
        and all(f.init for f in dataclasses.fields(cls))
        and len(dataclasses.fields(cls)) == len(cls.__dataclass_fields__)  # no InitVar or ClassVar pseudo-fields
        and (cls.__setattr__ is object.__setattr__ or params.frozen)
        and all(dataclasses.is_dataclass(base) or base is object for base in cls.__mro__[1:])
    )


def _expr(hint: Any, value: str, names: dict[str, Any]) -> str:
    """A Python expression that is true when the variable ``value`` is of type ``hint`` (the
    same test as :func:`_check`); ``names``: what the expression refers to."""
    if hint is Any:
        names["_plain"] = _plain
        return f"_plain({value})"
    if hint is type(None):
        return f"{value} is None"
    if hint in (str, int, float, bool, bytes, datetime) or dataclasses.is_dataclass(hint):
        name = f"t{len(names)}"
        names[name] = hint
        return f"type({value}) is {name}"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return "(" + " or ".join(_expr(a, value, names) for a in args) + ")"
    if origin is tuple:
        inner = f"x{len(names)}"
        names[inner] = None  # reserve the name
        if len(args) == 2 and args[1] is Ellipsis:
            return f"(type({value}) is tuple and all({_expr(args[0], inner, names)} for {inner} in {value}))"
        parts = " and ".join(_expr(a, f"{value}[{n}]", names) for n, a in enumerate(args))
        return f"(type({value}) is tuple and len({value}) == {len(args)}" + (f" and {parts})" if parts else ")")
    name = f"c{len(names)}"
    names[name] = _check(hint)  # a dict and what else is rare in a record: the general check
    return f"{name}({value})"


def _plain(value: Any) -> bool:
    """``Any`` in a record: scalars and tuples of them only."""
    kind = type(value)
    if kind in (str, int, float, bool, bytes) or value is None:
        return True
    return kind is tuple and all(_plain(v) for v in value)


def _check(hint: Any) -> Callable[[Any], bool]:
    if hint is Any:
        return _plain
    if hint is type(None):
        return lambda v: v is None
    if hint in (str, int, float, bool, bytes, datetime):
        return lambda v, exact=hint: type(v) is exact
    if dataclasses.is_dataclass(hint):
        return lambda v, exact=hint: type(v) is exact
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_check(a) for a in args]
        return lambda v: any(option(v) for option in options)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            inner = _check(args[0])
            return lambda v: type(v) is tuple and all(inner(x) for x in v)
        parts = [_check(a) for a in args]
        return lambda v: type(v) is tuple and len(v) == len(parts) and all(p(x) for p, x in zip(parts, v))
    if origin is dict:
        key, val = (_check(a) for a in args)
        return lambda v: type(v) is dict and all(key(k) and val(x) for k, x in v.items())
    raise TypeError(f"unsupported annotation {hint!r}")
