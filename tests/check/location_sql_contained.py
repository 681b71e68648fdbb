#!/usr/bin/env python3
"""SQL against the location tables stays inside core/location/ and core/sql/: no string literal in
compat/ or bridge/ holds an SQL statement (SELECT, INSERT, REPLACE, UPDATE, DELETE, CALL, LOAD
DATA, ON DUPLICATE KEY, SET GLOBAL|SESSION, a dolt_*() procedure) or names a location table after FROM, INTO, JOIN or
UPDATE. The tables are read from core/location/tables.h and core/location/schema.cpp. Prints each
literal found, and fails when there is one outside the allowlist.

Usage: location_sql_contained.py SOURCE_DIR
"""
import pathlib
import re
import sys

FOLDERS = ("compat", "bridge")
# Files whose SQL has not moved yet. Each entry is removed by the change that moves its SQL into
# core/location/; the list only shrinks.
ALLOWED = {
    # The dataset export (split by concept into these files); its move into core/location/
    # (issue 16 item 1) removes these entries.
    "compat/sync/dataset_export.cpp",
    "compat/sync/dataset_branch.cpp",
    "compat/sync/dataset_flow_back.cpp",
    "compat/sync/dataset_repo_files.cpp",
    "compat/sync/dataset_rows.cpp",
}

# A C++ string literal: raw (R"delim(...)delim") or ordinary, with escapes.
LITERAL = re.compile(r'R"([^(\s]*)\((.*?)\)\1"|"((?:[^"\\\n]|\\.)*)"', re.S)
COMMENT = re.compile(r'//[^\n]*|/\*.*?\*/', re.S)
STATEMENT = re.compile(
    r"\b(SELECT\s|INSERT\s+(IGNORE\s+)?INTO\b|REPLACE\s+INTO\b|UPDATE\s+\S+\s+SET\b|"
    r"DELETE\s+FROM\b|CALL\s+\w|LOAD\s+DATA\b|ON\s+DUPLICATE\s+KEY\b|"
    r"(?-i:SET\s+(GLOBAL|SESSION)\s))|\bdolt_\w+\s*\(",
    re.I)


def location_tables(root: pathlib.Path) -> set:
    tables = set(re.findall(r'LwwTable\s+\w+\{"(\w+)"',
                            (root / "core/location/tables.h").read_text(encoding="utf-8")))
    tables |= set(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?`?(\w+)",
                             (root / "core/location/schema.cpp").read_text(encoding="utf-8")))
    return tables


def literals(text: str):
    """The string literals of a C++ source, comments left out, with their line numbers."""
    # Blank the comments (keeping line breaks), so that quotes in prose are not taken for strings.
    text = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in LITERAL.finditer(text):
        body = match.group(2) if match.group(2) is not None else match.group(3)
        yield text.count("\n", 0, match.start()) + 1, body


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    tables = location_tables(root)
    if "gad_locations" not in tables or "gad_annexed_files" not in tables:
        print(f"found only the tables {sorted(tables)}: is the source tree right?")
        return 1
    naming = re.compile(r"\b(FROM|INTO|JOIN|UPDATE)\s+`?(%s)\b" % "|".join(sorted(tables)), re.I)
    found = 0
    for folder in FOLDERS:
        for file in sorted((root / folder).rglob("*")):
            if file.suffix not in (".h", ".cpp"):
                continue
            path = file.relative_to(root).as_posix()
            if path in ALLOWED:
                continue
            for line, body in literals(file.read_text(encoding="utf-8", errors="replace")):
                if STATEMENT.search(body) or naming.search(body):
                    print(f"{path}:{line}: SQL outside core/location/: {body.strip()[:100]}")
                    found += 1
    if found:
        print(f"{found} SQL literal(s) in compat/ or bridge/: move them behind core/location/")
        return 1
    print("no SQL against the location tables in compat/ or bridge/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
