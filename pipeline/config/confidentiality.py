"""``site_config/confidentiality.yaml`` (保密审查) and the word list it names
(``sensitive_words_file``, by default ``sensitive_words.txt``): self-review, 密级 markers, sensitive words,
minimum length, refused HTML tags, attachment types allowed unscanned.  Both files are optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config.fields import ConfigError, non_negative, only, read_yaml


@dataclass(frozen=True)
class ConfidentialityRules:
    """保密审查：是否允许本人审签、密级标志、敏感词表、字数下限、不允许的 HTML 标签。"""

    allow_self_review: bool = False  # 审签人与信息员为同一人时是否算已审签（谁公开、谁负责：默认不算）
    marker_levels: tuple[str, ...] = (
        "绝密",
        "机密",
        "秘密",
    )  # 密级词：带 ★、在“密级”后、加括号、独占一行或在标题开头时拦截
    marker_phrases: tuple[str, ...] = (
        "内部资料 注意保存",
        "不得外传",
        "严禁外传",
        "内部文件",
        "内部明电",
    )  # 出现即拦截；空格处可有空格或标点
    sensitive_words_file: str = "sensitive_words.txt"  # 相对于配置目录；每行一个词，# 开头为注释
    sensitive_words: tuple[str, ...] = ()  # 从 sensitive_words_file 读入
    min_chars: int = 200  # 正文少于此字数时警告 too-short
    unsafe_tags: tuple[str, ...] = (
        "script",
        "iframe",
        "frame",
        "frameset",
        "style",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "form",
    )
    # 无法读取文字、仍允许发布的附件扩展名（小写、不带点）；其余无法读取的类型一律 unscannable-attachment
    unscanned_attachment_types: tuple[str, ...] = ("jpg", "jpeg", "png", "gif", "webp")


def load_sensitive_words(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(path, "敏感词表不是 UTF-8 编码，请另存为 UTF-8") from None
    words: list[str] = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word and word not in words:
            words.append(word)
    return tuple(words)


def load_confidentiality(path: Path) -> ConfidentialityRules:
    defaults = ConfidentialityRules()
    data = {}
    if path.is_file():
        keys = (
            "allow_self_review",
            "marker_levels",
            "marker_phrases",
            "sensitive_words_file",
            "min_chars",
            "unsafe_tags",
            "unscanned_attachment_types",
        )
        data = only(path, read_yaml(path) or {}, "confidentiality.yaml ", keys)
    allow = data.get("allow_self_review", defaults.allow_self_review)
    if not isinstance(allow, bool):
        raise ConfigError(path, f"allow_self_review 只能是 true 或 false，实际是 {allow!r}")
    lists = {}
    for key in ("marker_levels", "marker_phrases", "unsafe_tags"):
        value = data.get(key, getattr(defaults, key))
        if not isinstance(value, (list, tuple)) or any(not isinstance(v, str) or not v.strip() for v in value):
            raise ConfigError(path, f"{key} 应当是非空文字的列表，例如 [绝密, 机密, 秘密]")
        lists[key] = tuple(v.strip() for v in value)
    unscanned = data.get("unscanned_attachment_types", defaults.unscanned_attachment_types)
    if unscanned is None:
        unscanned = ()
    if not isinstance(unscanned, (list, tuple)) or any(not isinstance(v, str) or not v.strip(" .") for v in unscanned):
        raise ConfigError(path, "unscanned_attachment_types 应当是扩展名的列表，例如 [jpg, png]（不需要时写 []）")
    unscanned = tuple(dict.fromkeys(v.strip().lstrip(".").lower() for v in unscanned))
    readable = {"docx", "xlsx", "pdf", "csv", "txt", "md", "svg", "html", "htm"}
    if readable & set(unscanned):
        raise ConfigError(
            path, f"unscanned_attachment_types 不能包含可以审查的类型：{'、'.join(sorted(readable & set(unscanned)))}"
        )
    words_name = data.get("sensitive_words_file", defaults.sensitive_words_file)
    if not isinstance(words_name, str) or not words_name.strip():
        raise ConfigError(path, "sensitive_words_file 应当是文件名，例如 sensitive_words.txt")
    words_file = path.parent / words_name
    if words_file.is_file():
        words = load_sensitive_words(words_file)
    elif "sensitive_words_file" in data:
        raise ConfigError(path, f"sensitive_words_file 指定的敏感词表 “{words_name}” 不存在")
    else:
        words = ()
    return ConfidentialityRules(
        allow_self_review=allow,
        sensitive_words_file=words_name,
        sensitive_words=words,
        min_chars=non_negative(path, data.get("min_chars", defaults.min_chars), "min_chars "),
        unscanned_attachment_types=unscanned,
        **lists,
    )
