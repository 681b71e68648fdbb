#include "compat/cli/summaries.h"

#include <fmt/format.h>

#include "core/dolt/annex_repository.h"

namespace gad::compat::cli {

namespace {

// {"NAME":COUNT,...} of counts by name (names are this program's static strings).
std::string counts_json(const std::map<std::string, std::size_t, std::less<>>& counts) {
    std::string out;
    for (const auto& [name, count] : counts) {
        out += fmt::format("{}\"{}\":{}", out.empty() ? "" : ",", name, count);
    }
    return "{" + out + "}";
}

// "NAME COUNT, NAME COUNT" of counts by name.
std::string counts_text(const std::map<std::string, std::size_t, std::less<>>& counts) {
    std::string out;
    for (const auto& [name, count] : counts) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, count);
    }
    return out;
}

std::string migration_json(const migrate::MigrationSummary& s,
                           const std::optional<migrate::ContentSummary>& c,
                           const std::optional<migrate::RekeySummary>& r) {
    std::string content;
    if (c) {
        content =
            fmt::format(R"(,"content_stored":{},"content_already_stored":{},"content_failed":{},)"
                        R"("content_removed":{})",
                        c->stored, c->already_stored, c->failed, c->removed);
    }
    if (r) {
        content += fmt::format(R"(,"rekeyed":{},"rekey_already":{},"rekey_failed":{})", r->linked,
                               r->already, r->failed);
    }
    return fmt::format(
        R"({{"branch":"{}","incremental":{},"logs_read":{},"locations":{},"urls":{},)"
        R"("metadata":{},"chunks":{},"remote_states":{},"content_identifiers":{},)"
        R"("remote_metadata":{},)"
        R"("repositories":{},"settings":{},)"
        R"("files":{},"files_removed":{},"corrupt_lines":{},"unknown_files":{},)"
        R"("key_migrations":{},"key_migrations_refused":{},"logs_by_kind":{},)"
        R"("logs_not_migrated":{},"dolt_commit":"{}"{}}})",
        s.branch, s.incremental ? "true" : "false", s.logs_read, s.locations, s.urls, s.metadata,
        s.chunks, s.remote_states, s.content_identifiers, s.remote_metadata, s.repositories,
        s.settings, s.files, s.files_removed, s.corrupt_lines, s.unknown_files, s.key_migrations,
        s.key_migrations_refused, counts_json(s.read_by_kind), counts_json(s.not_migrated),
        s.dolt_commit, content);
}

std::string merge_side_json(const core::location::PeerMergeSummary& s) {
    return fmt::format(
        R"({{"rows_read":{},"incremental":{},"conflicts":{},"refused":{},"commit":"{}"}})",
        s.rows_read, s.incremental, s.conflicts, s.refused, s.commit);
}

}  // namespace

void print_summary(const Summary& summary, bool json) {
    if (json) {
        fmt::print("{}\n", summary.json);
    } else {
        fmt::print("{}", summary.text);
    }
}

Summary migrate_summary(const migrate::MigrationSummary& migrated, std::string_view into,
                        const std::optional<migrate::ContentSummary>& content,
                        const std::optional<migrate::RekeySummary>& rekeyed) {
    Summary summary{migration_json(migrated, content, rekeyed), {}};
    summary.text = fmt::format(
        "migrate: git-annex branch {} into {}: {}{} logs read, {} locations, {} URLs, {} "
        "metadata values, {} chunk logs, {} remote states, {} content identifiers, {} remote "
        "metadata values, {} repository settings, {} settings, {} annexed files ({} removed), {} "
        "key migrations ({} refused); {} corrupt lines, {} unknown files\n",
        migrated.branch.substr(0, 12), into, migrated.incremental ? "incremental, " : "",
        migrated.logs_read, migrated.locations, migrated.urls, migrated.metadata, migrated.chunks,
        migrated.remote_states, migrated.content_identifiers, migrated.remote_metadata,
        migrated.repositories, migrated.settings, migrated.files, migrated.files_removed,
        migrated.key_migrations, migrated.key_migrations_refused, migrated.corrupt_lines,
        migrated.unknown_files);
    if (!migrated.read_by_kind.empty() || !migrated.not_migrated.empty()) {
        summary.text +=
            fmt::format("migrate: logs read by kind: {}{}{}\n",
                        migrated.read_by_kind.empty() ? "none" : counts_text(migrated.read_by_kind),
                        migrated.not_migrated.empty() ? "" : "; known to git-annex, not migrated: ",
                        counts_text(migrated.not_migrated));
    }
    if (content) {
        summary.text += fmt::format(
            "migrate --content: {} objects stored, {} already there, {} failed, {} "
            "sources removed\n",
            content->stored, content->already_stored, content->failed, content->removed);
    }
    if (rekeyed) {
        summary.text += fmt::format(
            "migrate --rekey-store: {} migrated keys given objects, {} had them, {} failed\n",
            rekeyed->linked, rekeyed->already, rekeyed->failed);
    }
    return summary;
}

Summary merge_summary(const core::location::PeerMergeSummary& in,
                      const core::location::PeerMergeSummary& out, std::string_view there) {
    Summary summary;
    summary.json =
        fmt::format(R"({{"database":{},"into_here":{},"into_there":{}}})",
                    core::dolt::json_string(there), merge_side_json(in), merge_side_json(out));
    summary.text = fmt::format(
        "sync: merged with {}: {} of its rows read{}, {} rows of ours read by it{}{}{}\n", there,
        in.rows_read, in.incremental ? " (its changes since last time)" : "", out.rows_read,
        out.incremental ? " (our changes since last time)" : "",
        in.conflicts + out.conflicts
            ? fmt::format(", {} conflicting rows resolved", in.conflicts + out.conflicts)
            : "",
        in.refused + out.refused
            ? fmt::format(", {} values refused (named on stderr)", in.refused + out.refused)
            : "");
    return summary;
}

Summary remotes_summary(const core::location::RemoteSyncSummary& pulled,
                        const core::location::RemoteSyncSummary& pushed) {
    std::string names_json, names_text;
    for (const std::string& name : pulled.remotes.empty() ? pushed.remotes : pulled.remotes) {
        names_json +=
            fmt::format("{}{}", names_json.empty() ? "" : ",", core::dolt::json_string(name));
        names_text += fmt::format("{}{}", names_text.empty() ? "" : ", ", name);
    }
    Summary summary;
    summary.json =
        fmt::format(R"({{"remotes":[{}],"merged":{},"created":{},"conflicts":{},"pushed":{}}})",
                    names_json, pulled.merged + pushed.merged, pulled.created + pushed.created,
                    pulled.conflicts + pushed.conflicts, pushed.pushed);
    summary.text = fmt::format(
        "sync: Dolt remotes {}: {} branches merged, {} made here, {} conflicting rows resolved, "
        "{} branches pushed\n",
        names_text, pulled.merged + pushed.merged, pulled.created + pushed.created,
        pulled.conflicts + pushed.conflicts, pushed.pushed);
    return summary;
}

Summary sync_summary(const migrate::MigrationSummary& migrated, const std::vector<Summary>& merges,
                     const std::optional<Summary>& remotes, const std::optional<Summary>& dataset,
                     std::size_t migrated_keys_present, const sync::ExportSummary& exported) {
    std::string merges_json, merges_text;
    for (const Summary& merge : merges) {
        merges_json += fmt::format("{}{}", merges_json.empty() ? "" : ",", merge.json);
        merges_text += merge.text;
    }
    Summary summary;
    summary.json = fmt::format(
        R"({{"migrated":{},"with":[{}],"dolt_remotes":{},"dataset":{},"migrated_keys_present":{},)"
        R"("export":{{"locations":{},"urls":{},"metadata":{},)"
        R"("repositories":{},"refused":{},"files":{},"commit":"{}","ref":"{}"}}}})",
        migration_json(migrated, std::nullopt, std::nullopt), merges_json,
        remotes ? remotes->json : "null", dataset ? dataset->json : "null", migrated_keys_present,
        exported.locations, exported.urls, exported.metadata, exported.repositories,
        exported.refused, exported.files, exported.commit, sync::kExportRef);
    summary.text = merges_text + (remotes ? remotes->text : "") + (dataset ? dataset->text : "");
    summary.text += fmt::format(
        "sync: {} logs migrated; {} locations, {} URLs, {} metadata values, {} "
        "repositories written to {}{}{}\n",
        migrated.logs_read, exported.locations, exported.urls, exported.metadata,
        exported.repositories, sync::kExportRef,
        exported.commit.empty() ? " (nothing new)" : " (git-annex merges it on its next run)",
        exported.refused == 0
            ? std::string()
            : fmt::format("; {} values refused (named on stderr)", exported.refused));
    return summary;
}

}  // namespace gad::compat::cli
