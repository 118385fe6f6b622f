"""``site_config/confidentiality.yaml`` (保密审查) and the word list it names
(``sensitive_words_file``, by default ``sensitive_words.txt``): self-review, 密级 markers, sensitive words,
minimum length, refused HTML tags, attachment types allowed unscanned.  Both files are optional.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.config.fields import ConfigError, Entry, Wrong, flag, integer, present, read_yaml


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
    # 标志用字的异体字（Unihan 的 kSemanticVariant / kZVariant 中繁简转换与 NFKC 不处理的）：异体 → 标志用字；
    # 文字中出现异体字时，换成标志用字后再查一遍（“机宻★”读作“机密★”）
    marker_variants: tuple[tuple[str, str], ...] = (("宻", "密"), ("朙", "明"))
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
    except OSError as exc:
        raise ConfigError(path, f"敏感词表无法读取（{exc.strerror or exc}），请检查文件权限") from None
    words: list[str] = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word and word not in words:
            words.append(word)
    return tuple(words)


def _words(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise Wrong("应当是非空文字的列表，例如 [绝密, 机密, 秘密]")
    return tuple(v.strip() for v in value)


def _variants(value: Any) -> tuple[tuple[str, str], ...]:
    def one_char(x: Any) -> bool:
        return isinstance(x, str) and len(x) == 1

    if not isinstance(value, dict) or any(not one_char(k) or not one_char(v) or k == v for k, v in value.items()):
        raise Wrong("应当是“异体字: 标志用字”的对照，每边一个字，例如 {宻: 密}（不需要时写 {}）")
    return tuple(sorted(value.items()))


READABLE = {"docx", "xlsx", "pdf", "csv", "txt", "md", "svg", "html", "htm"}  # attachment types the scanners read


def _extensions(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip(" .") for v in value):
        raise Wrong("应当是扩展名的列表，例如 [jpg, png]（不需要时写 []）")
    extensions = tuple(dict.fromkeys(v.strip().lstrip(".").lower() for v in value))
    if READABLE & set(extensions):
        raise Wrong(f"不能包含可以审查的类型：{'、'.join(sorted(READABLE & set(extensions)))}")
    return extensions


def _file_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Wrong("应当是文件名，例如 sensitive_words.txt")
    return value


CONFIDENTIALITY_FIELDS = {
    "allow_self_review": flag,
    "marker_levels": _words,
    "marker_phrases": _words,
    "marker_variants": _variants,
    "sensitive_words_file": _file_name,
    "min_chars": integer(),
    "unsafe_tags": _words,
    "unscanned_attachment_types": _extensions,
}


def load_confidentiality(path: Path) -> ConfidentialityRules:
    """confidentiality.yaml (optional) and the word list it names (optional unless named)."""
    data = read_yaml(path) if present(path) else {}
    top = Entry(path, data, "", CONFIDENTIALITY_FIELDS)
    values = top.values(CONFIDENTIALITY_FIELDS)
    if "marker_variants" in top and top.get("marker_variants") is None:
        values["marker_variants"] = ()  # written but empty: no variant is read as a marker character
    if "unscanned_attachment_types" in top and top.get("unscanned_attachment_types") is None:
        values["unscanned_attachment_types"] = ()  # written but empty: every unreadable attachment is withheld
    rules = ConfidentialityRules(**values)
    words_file = path.parent / rules.sensitive_words_file
    if present(words_file):
        return replace(rules, sensitive_words=load_sensitive_words(words_file))
    if "sensitive_words_file" in top:
        raise top.error(f"sensitive_words_file 指定的敏感词表 “{rules.sensitive_words_file}” 不存在")
    return rules
