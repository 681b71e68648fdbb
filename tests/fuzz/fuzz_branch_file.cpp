// Fuzzes the git-annex branch's file names: classifying paths, key file name escaping, the
// paths of a key's logs, and journal file names.
#include "compat/logs/branch_file.h"
#include "fuzz_check.h"

using namespace gad::compat::logs;
using gad::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    const BranchFile file = classify_branch_path(text);
    if (file.kind >= FileKind::location && file.kind <= FileKind::remote_state) {
        check(!file.key.empty(), "per-key logs name a key", text);
    }

    // The input as a key: its escaped file name has no '/', unescapes to it, and its log paths
    // classify back to the kind and key.
    const std::string escaped = escape_key_file_name(text);
    check(escaped.find('/') == std::string::npos, "escaped keys have no '/'", escaped);
    check(unescape_key_file_name(escaped) == text, "unescape(escape(key)) == key",
          unescape_key_file_name(escaped), text);
    unescape_key_file_name(text);
    if (!text.empty()) {
        for (FileKind kind : {FileKind::location, FileKind::web, FileKind::metadata,
                              FileKind::chunk, FileKind::remote_state}) {
            for (int levels : {1, 2}) {
                const std::string path = branch_path_for_key(text, kind, levels);
                const BranchFile back = classify_branch_path(path);
                check(back.kind == kind && back.key == text, "a key's log path classifies back",
                      back.key, path);
            }
        }
    }

    // The input as a journal file name, and as a branch path.
    if (const auto path = journal_name_to_branch_path(text)) {
        check(!path->empty(), "journal names stand for a path", text);
    }
    const std::string journal = branch_path_to_journal_name(text);
    check(journal.find('/') == std::string::npos, "journal names have no '/'", journal);
    // Branch paths have no empty component, and git-annex's journal names cannot tell "a/_b"
    // from "a_/b" ("a___b"), nor "a//b" from "a/_b" (git-annex never names such a file).
    const bool branch_path = !text.empty() && text.front() != '/' && text.back() != '/' &&
                             text.find("//") == std::string_view::npos &&
                             text.find("/_") == std::string_view::npos;
    if (branch_path && text != "." && text != "..") {
        const auto path = journal_name_to_branch_path(journal);
        check(path && *path == text, "journal names round-trip", path.value_or("<none>"), text);
    }
    return 0;
}
