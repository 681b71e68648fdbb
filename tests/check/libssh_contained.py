#!/usr/bin/env python3
"""libssh stays inside core/ssh/ and core/filestore/sftp_*: no other source file of protocol/,
core/, compat/ or bridge/ includes a libssh header, directly or through the project headers it
includes. Prints each way a file reaches libssh, and fails when there is one.

Usage: libssh_contained.py SOURCE_DIR
"""
import pathlib
import re
import sys

FOLDERS = ("protocol", "core", "compat", "bridge")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def allowed(path: str) -> bool:
    return path.startswith("core/ssh/") or path.startswith("core/filestore/sftp_")


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    includes = {}  # file -> (project headers it includes, whether it includes libssh itself)
    for folder in FOLDERS:
        for file in sorted((root / folder).rglob("*")):
            if file.suffix not in (".h", ".cpp"):
                continue
            text = file.read_text(encoding="utf-8", errors="replace")
            found = INCLUDE.findall(text)
            project = [name for quote, name in found if quote == '"']
            libssh = [name for quote, name in found if name.startswith("libssh/")]
            includes[file.relative_to(root).as_posix()] = (project, libssh)
    if not any(own for _, own in includes.values()):
        print("no file includes libssh at all: is the source tree right?")
        return 1

    def way_to_libssh(path, seen):
        """A chain of includes from path to a libssh header, or None."""
        if path not in includes or path in seen:
            return None
        seen.add(path)
        project, libssh = includes[path]
        if libssh:
            return [path, f"<{libssh[0]}>"]
        for header in project:
            chain = way_to_libssh(header, seen)
            if chain:
                return [path] + chain
        return None

    leaks = []
    for path in includes:
        if allowed(path):
            continue
        chain = way_to_libssh(path, set())
        if chain:
            leaks.append(" -> ".join(chain))
    for leak in leaks:
        print(f"libssh outside core/ssh/ and core/filestore/sftp_*: {leak}")
    if leaks:
        return 1
    print(f"{len(includes)} files checked: libssh stays in core/ssh/ and core/filestore/sftp_*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
