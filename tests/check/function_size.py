#!/usr/bin/env python3
"""Functions a reader can hold: no function body in protocol/, core/, compat/ or bridge/ is over
MAX_FUNCTION lines (from the line of its opening brace to that of its closing brace), and no source
file of core/, compat/ or bridge/ is over MAX_FILE lines. Prints each offender as
`file:line name length` and fails when there is one.

The scanner is a brace matcher, not a parser: comments, string and character literals and
preprocessor lines are blanked, then each `{` at namespace or class level is classified by the
text before it (namespace/class/struct/union/enum, a data initializer, or a function body whose
name is the qualified identifier before its parameter list). Constructor initializer lists with
braces (`: a_{x}`) are part of the header, not the body.

Usage: function_size.py SOURCE_DIR
"""
import pathlib
import re
import sys

MAX_FUNCTION = 80
MAX_FILE = 600
FUNCTION_FOLDERS = ("protocol", "core", "compat", "bridge")
FILE_FOLDERS = ("core", "compat", "bridge")

# Comments, string literals (raw and ordinary) and character literals (not digit separators).
BLANKED = re.compile(
    r'//[^\n]*|/\*.*?\*/|R"([^(\s]*)\(.*?\)\1"|"(?:[^"\\\n]|\\.)*"|(?<![0-9A-Za-z_])\'(?:[^\'\\\n]|\\.)+\'',
    re.S)
PREPROCESSOR = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)
SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b|\bextern\s*$")
IN_INITIALIZER_LIST = re.compile(r"\)\s*(?:const|noexcept|override|final|\s)*:(?!:)")
NAME = re.compile(r"((?:~?[A-Za-z_]\w*\s*(?:<[^()]*>)?\s*::\s*)*(?:operator\s*[^\s(]+|~?[A-Za-z_]\w*))"
                  r"\s*\($")


def blank(text: str) -> str:
    """The source with comments, literals and preprocessor lines replaced by spaces, line breaks
    kept, so that offsets keep their line numbers and no brace inside them counts."""
    keep_lines = lambda m: re.sub(r"[^\n]", " ", m.group(0))
    return PREPROCESSOR.sub(keep_lines, BLANKED.sub(keep_lines, text))


def matching(text: str, open_at: int) -> int:
    """The offset of the brace closing the one at open_at (or the end of the text)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def without_templates(header: str) -> str:
    """The header with leading `template <...>` clauses removed (their `class` is no scope)."""
    while True:
        match = re.match(r"\s*template\s*<", header)
        if not match:
            return header
        depth, i = 1, match.end()
        while i < len(header) and depth:
            depth += {"<": 1, ">": -1}.get(header[i], 0)
            i += 1
        header = header[i:]


def is_initialized(header: str) -> bool:
    """Whether the header declares data with `=` (outside parentheses, not an operator)."""
    depth, top = 0, []
    for c in header:
        depth += {"(": 1, ")": -1}.get(c, 0)
        top.append(c if depth == 0 else " ")
    top = re.sub(r"\boperator\s*\S+", "", "".join(top))
    return re.search(r"(?<![=!<>])=(?!=)", top) is not None


def function_name(header: str) -> str:
    """The qualified name before the header's first top-level parameter list, or "?"."""
    header, depth = re.sub(r"\boperator\s*\(\s*\)", "operator@", header), 0
    for i, c in enumerate(header):
        if c == "(" and depth == 0:
            match = NAME.search(header[:i + 1])
            return re.sub(r"\s+", "", match.group(1)).replace("@", "()") if match else "?"
        depth += {"(": 1, ")": -1}.get(c, 0)
    return "?"


def functions(text: str, start: int = 0, end: int = None):
    """(offset of the opening brace, offset of the closing brace, name) of each function body at
    namespace or class level of text[start:end]."""
    end = len(text) if end is None else end
    header_start, i = start, start
    while i < end:
        c = text[i]
        if c in ";}":
            header_start = i + 1
        elif c == "{":
            header = without_templates(text[header_start:i])
            close = matching(text, i)
            if SCOPE.search(header) and "(" not in header.split("=")[0]:
                yield from functions(text, i + 1, close)
            elif "(" not in header or is_initialized(header):
                pass  # a data initializer
            elif header.count("(") > header.count(")") or (
                    IN_INITIALIZER_LIST.search(header) and re.search(r"[\w>]\s*$", header)):
                i = close + 1  # a default argument's or a member's brace initializer: the header
                continue
            else:
                yield i, close, function_name(header)
            header_start, i = close + 1, close + 1
            continue
        i += 1


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    offenders = 0
    for folder in FUNCTION_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".cpp", ".h"):
                continue
            name = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            lines = text.count("\n")
            if folder in FILE_FOLDERS and lines > MAX_FILE:
                print(f"{name}:1 (file) {lines} lines, over {MAX_FILE}")
                offenders += 1
            code = blank(text)
            for open_at, close_at, function in functions(code):
                first = code.count("\n", 0, open_at) + 1
                length = code.count("\n", open_at, close_at) + 1
                if length > MAX_FUNCTION:
                    print(f"{name}:{first} {function} {length}")
                    offenders += 1
    if offenders:
        print(f"{offenders} over the limits (functions {MAX_FUNCTION} lines, files {MAX_FILE})")
        return 1
    print(f"no function over {MAX_FUNCTION} lines, no file over {MAX_FILE} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
