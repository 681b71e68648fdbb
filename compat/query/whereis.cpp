#include "compat/query/whereis.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "compat/query/remote_urls.h"
#include "core/dolt/annex_repository.h"
#include "core/location/annexed_files.h"
#include "core/location/key_migrations.h"
#include "core/location/key_reads.h"
#include "core/utf8.h"

namespace gad::compat::query {

namespace {

using core::dolt::json_string;

struct Answer {
    std::string key;
    std::optional<std::string> file;
    std::optional<std::string> input;
    std::vector<std::pair<std::string, char>> rows;  // (uuid, status), sorted by uuid
};

// A repository listed for a key, with the URLs git-annex shows for the key in it.
struct Listed {
    KnownRepository known;
    std::vector<std::string> urls;
    bool cluster = false;  // a cluster's virtual entry, not a copy
};

class Printer {
  public:
    Printer(const RepositoryNames& names, const WhereisRequest& request, StandInLookup stand_ins,
            std::ostream& out)
        : names_(names), request_(request), stand_ins_(std::move(stand_ins)), out_(out) {}

    // Prints one key's answer; web_urls are the web's present URLs for it.
    void print(const Answer& answer, const std::vector<std::string>& web_urls) {
        const std::vector<std::pair<std::string, bool>> located = locations(answer);
        std::vector<Listed> trusted, untrusted;
        trusted.reserve(located.size());  // in_order points into both
        untrusted.reserve(located.size());
        std::vector<const Listed*> in_order;  // every listed repository, in git-annex's order
        for (const auto& [uuid, cluster] : located) {
            KnownRepository known = names_.describe(uuid);
            if (known.trust == Trust::dead) continue;
            auto& list = known.trust == Trust::untrusted ? untrusted : trusted;
            std::vector<std::string> urls =
                uuid == kWebUuid ? web_urls
                                 : remote_whereis_urls(known, answer.key, request_.top, stand_ins_);
            list.push_back({std::move(known), std::move(urls), cluster});
            in_order.push_back(&list.back());
        }
        const bool success = !trusted.empty();
        if (!success) ++failed_;
        const auto copies = std::ranges::count(trusted, false, &Listed::cluster);
        const std::string count = fmt::format("{} cop{}", copies, copies == 1 ? "y" : "ies");
        const std::vector<std::string> notes = long_notes(trusted, untrusted, in_order);
        if (request_.json) {
            print_json(answer, count, notes, success, trusted, untrusted);
            return;
        }
        // git-annex's text form: "whereis NAME (COUNT) ", each long note on lines of its own
        // indented by two spaces, then "ok" or "failed".
        std::string text = fmt::format("whereis {} ({}) ", answer.file.value_or(answer.key), count);
        for (const std::string& note : notes) {
            text += '\n';
            for (std::size_t at = 0; at < note.size();) {
                const std::size_t end = std::min(note.find('\n', at), note.size() - 1);
                if (end > at) text += "  ";
                text.append(note, at, end + 1 - at);
                at = end + 1;
            }
        }
        out_ << text << (success ? "ok" : "failed") << '\n';
    }

  private:
    // The repositories that have the key, in git-annex's order: with clusters, the clusters its
    // present nodes belong to (sorted, flagged true), then the present ones by uuid.
    std::vector<std::pair<std::string, bool>> locations(const Answer& answer) const {
        std::vector<std::pair<std::string, bool>> located;
        std::set<std::string> clusters;
        for (const auto& [uuid, status] : answer.rows) {
            if (status != '1') continue;
            located.emplace_back(uuid, false);
            if (!request_.clusters) continue;
            for (const std::string& cluster : names_.clusters_of(uuid)) clusters.insert(cluster);
        }
        located.insert(located.begin(), clusters.size(), {});
        std::size_t at = 0;
        for (const std::string& cluster : clusters) located[at++] = {cluster, true};
        return located;
    }

    // A list of repositories as git-annex prints it: "\tUUID -- DESCRIPTION\n" a line (older
    // versions join the lines with a space).
    std::string lines(const std::vector<Listed>& list) const {
        std::string text;
        for (const auto& [known, urls, cluster] : list) {
            if (request_.space_joined_lists && !text.empty()) text += ' ';
            std::string description = known.description;
            if (known.uuid == names_.here()) {
                description = description.empty() ? "here" : description + " [here]";
            }
            text += description.empty() ? fmt::format("\t{}\n", known.uuid)
                                        : fmt::format("\t{} -- {}\n", known.uuid, description);
        }
        return text;
    }

    // git-annex's long notes for one key, each ending in a newline: the copies, the untrusted
    // copies, then for each listed remote with URLs (uuid order) one block, "NAME: URL" a line.
    std::vector<std::string> long_notes(const std::vector<Listed>& trusted,
                                        const std::vector<Listed>& untrusted,
                                        const std::vector<const Listed*>& in_order) const {
        std::vector<std::string> notes;
        if (!trusted.empty()) notes.push_back(lines(trusted));
        if (!untrusted.empty()) {
            notes.push_back("The following untrusted locations may also have copies:\n" +
                            lines(untrusted));
        }
        for (const Listed* listed : in_order) {
            if (listed->urls.empty() || !listed->known.remote_name) continue;
            std::string block;
            for (const std::string& url : listed->urls) {
                block += fmt::format("{}: {}\n", *listed->known.remote_name, url);
            }
            notes.push_back(std::move(block));
        }
        return notes;
    }

    // One JSON object on a line; every string made UTF-8 as git-annex makes it (U+FFFD).
    void print_json(const Answer& answer, const std::string& count,
                    const std::vector<std::string>& notes, bool success,
                    const std::vector<Listed>& trusted, const std::vector<Listed>& untrusted) {
        auto string = [](std::string_view text) {
            return json_string(core::with_replacement(text));
        };
        std::string note = count;
        for (const std::string& part : notes) note += "\n" + part;
        auto entries = [&](const std::vector<Listed>& list) {
            std::string text = "[";
            for (const auto& [known, urls, cluster] : list) {
                if (text.size() > 1) text += ",";
                std::string url_list = "[";
                for (const std::string& url : urls) {
                    if (url_list.size() > 1) url_list += ",";
                    url_list += string(url);
                }
                url_list += "]";
                text += fmt::format(R"({{"description":{},"here":{},"urls":{},"uuid":{}}})",
                                    string(known.description),
                                    known.uuid == names_.here() ? "true" : "false", url_list,
                                    string(known.uuid));
            }
            return text + "]";
        };
        std::string line = R"({"command":"whereis","error-messages":[],)";
        if (answer.file) line += fmt::format(R"("file":{},)", string(*answer.file));
        line += fmt::format(R"("input":[{}],"key":{},"note":{},"success":{},)",
                            answer.input ? string(*answer.input) : "", string(answer.key),
                            string(note), success ? "true" : "false");
        line +=
            fmt::format(R"("untrusted":{},"whereis":{}}})", entries(untrusted), entries(trusted));
        out_ << line << '\n';
    }

  public:
    std::size_t failed() const { return failed_; }

  private:
    const RepositoryNames& names_;
    const WhereisRequest& request_;
    StandInLookup stand_ins_;
    std::ostream& out_;
    std::size_t failed_ = 0;
};

// The key's location rows and present URLs.
Result<void> lookup(core::sql::Connection& connection, Answer& answer,
                    std::vector<std::string>& urls) {
    answer.rows.clear();
    urls.clear();
    auto rows = core::location::locations_of_key(connection, answer.key);
    if (!rows) return std::unexpected(rows.error());
    for (auto& row : *rows) answer.rows.emplace_back(std::move(row.uuid), row.status);
    auto present = core::location::present_urls_of_key(connection, answer.key);
    if (!present) return std::unexpected(present.error());
    urls = std::move(*present);
    return {};
}

// The older keys standing in for a key in a repository (core/location/key_migrations.h), looked
// up on a connection of its own, as locations may be streaming on the database's; opened at the
// first need (a local store listed for a key it has no object of). None when it cannot be read.
class StandInReader {
  public:
    explicit StandInReader(core::location::LocationDatabase& database) : database_(database) {}

    std::vector<std::string> operator()(std::string_view key, std::string_view uuid) {
        std::vector<std::string> old_keys;
        if (!connection_) {
            auto opened = database_.open_connection();
            if (!opened) return old_keys;
            connection_.emplace(std::move(*opened));
        }
        auto found = core::location::stand_ins_for(*connection_, key, uuid);
        if (found) {
            for (auto& stand_in : *found) old_keys.push_back(std::move(stand_in.old_key));
        }
        return old_keys;
    }

  private:
    core::location::LocationDatabase& database_;
    std::optional<core::sql::Connection> connection_;
};

bool all_dead(const Answer& answer) {
    return !answer.rows.empty() && std::all_of(answer.rows.begin(), answer.rows.end(),
                                               [](const auto& row) { return row.second == 'X'; });
}

}  // namespace

Result<std::size_t> whereis(core::location::LocationDatabase& database,
                            const RepositoryNames& names, std::string_view annex_uuid,
                            const WhereisRequest& request, std::ostream& out) {
    core::sql::Connection& connection = database.store->connection();
    StandInReader stand_ins(database);
    Printer printer(names, request, std::ref(stand_ins), out);
    std::vector<std::string> urls;

    if (request.all) {
        // URLs are few next to keys: gathered first, so the locations can stream.
        std::unordered_map<std::string, std::vector<std::string>> urls_of;
        auto gathered = core::location::for_each_present_url(
            connection, [&](std::string_view key, std::string_view url) -> Result<void> {
                urls_of[std::string(key)].emplace_back(url);
                return {};
            });
        if (!gathered) return std::unexpected(gathered.error());
        const std::vector<std::string> none;
        Answer answer;
        auto finish = [&] {
            if (answer.key.empty() || all_dead(answer)) return;
            auto found = urls_of.find(answer.key);
            printer.print(answer, found == urls_of.end() ? none : found->second);
        };
        auto streamed =
            core::location::for_each_location(connection,
                                              [&](std::string_view key, std::string_view uuid,
                                                  std::string_view status) -> Result<void> {
                                                  if (status.empty()) return {};
                                                  if (key != answer.key) {
                                                      finish();
                                                      answer.key = key;
                                                      answer.rows.clear();
                                                  }
                                                  answer.rows.emplace_back(uuid, status[0]);
                                                  return {};
                                              });
        if (!streamed) return std::unexpected(streamed.error());
        finish();
    }

    for (const std::string& key : request.keys) {
        Answer answer;
        answer.key = key;
        answer.input = key;
        if (auto found = lookup(connection, answer, urls); !found)
            return std::unexpected(found.error());
        printer.print(answer, urls);
    }

    for (const auto& path : request.paths) {
        // The file itself, or every file under the directory.
        auto files = core::location::annexed_files_at(connection, annex_uuid, path.in_tree);
        if (!files) return std::unexpected(files.error());
        for (const auto& [file_path, file_key] : *files) {
            Answer answer;
            answer.key = file_key;
            answer.file = request.cwd_in_tree.empty() ? file_path
                                                      : std::filesystem::path(file_path)
                                                            .lexically_relative(request.cwd_in_tree)
                                                            .string();
            answer.input = answer.file;
            if (auto found = lookup(connection, answer, urls); !found) {
                return std::unexpected(found.error());
            }
            printer.print(answer, urls);
        }
    }
    return printer.failed();
}

}  // namespace gad::compat::query
