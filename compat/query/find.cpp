#include "compat/query/find.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compat/query/key_set.h"
#include "core/dolt/annex_repository.h"
#include "core/key.h"
#include "core/location/annexed_files.h"

namespace gad::compat::query {

namespace {

using core::dolt::json_string;

// The key core::Key parses: the key itself, or for a key it refuses only as a file name ('/' or
// '\\' in it, or too long), a stand-in of the same layout ('_' for those characters, the name
// cut short) whose backend, fields and name offset are the key's. Nullopt for a non-key.
std::optional<core::Key> parse_layout(std::string_view key) {
    if (auto parsed = core::Key::parse(key)) return std::move(*parsed);
    if (!core::Key::check_syntax(key)) return std::nullopt;
    std::string stand_in(key.substr(0, std::min(key.size(), core::Key::max_length)));
    std::replace_if(
        stand_in.begin(), stand_in.end(), [](char c) { return c == '/' || c == '\\'; }, '_');
    auto parsed = core::Key::parse(stand_in);
    if (!parsed) return std::nullopt;
    return std::move(*parsed);
}

std::string json_line(std::string_view file, std::string_view key) {
    const KeyFields fields = key_fields(key);
    auto known = [](const std::optional<std::uint64_t>& value) {
        return value ? std::to_string(*value) : std::string("unknown");
    };
    return fmt::format(
        R"({{"backend":{},"bytesize":"{}","error-messages":[],"file":{},"hashdirlower":{},)"
        R"("hashdirmixed":{},"humansize":"{}","key":{},"keyname":{},"mtime":"{}"}})",
        json_string(fields.backend), known(fields.size), json_string(file),
        json_string(fields.hashdir_lower), json_string(fields.hashdir_mixed),
        fields.size ? human_size(*fields.size) : "unknown", json_string(key),
        json_string(fields.name), known(fields.mtime));
}

// The repositories of a request as UUIDs. git-annex leaves dead repositories out of every key's
// locations (Remote.keyLocations): nothing is in a dead repository, so --in one matches nothing
// (in_dead) and --not-in one everything (it is left out).
struct Repositories {
    std::vector<std::string> in, not_in;
    bool in_dead = false;
};
Result<Repositories> resolve_repositories(const RepositoryNames& names,
                                          const FindRequest& request) {
    Repositories resolved;
    auto resolve = [&](const std::vector<std::string>& given, std::vector<std::string>& uuids,
                       bool is_in) -> Result<void> {
        for (const std::string& name : given) {
            auto uuid = names.resolve(name);
            if (!uuid) return core::fail("no repository named '{}'", name);
            if (names.describe(*uuid).trust == Trust::dead) {
                resolved.in_dead = resolved.in_dead || is_in;
            } else {
                uuids.push_back(std::move(*uuid));
            }
        }
        return {};
    };
    if (auto done = resolve(request.in, resolved.in, true); !done) {
        return std::unexpected(done.error());
    }
    if (auto done = resolve(request.not_in, resolved.not_in, false); !done) {
        return std::unexpected(done.error());
    }
    return resolved;
}

// The files of a find, matched against the keys each repository has, read once per repository
// (an index scan of locations by uuid); each file is kept when its key is in every `in` set and
// in no `not_in` set. Joining location rows per file instead costs a lookup per file and
// repository: 30 s rather than a few at 1,000,000 files on Dolt. The sets are read on
// connections of their own while the files stream, so the server works on all of them at once;
// files that arrive before the sets are ready wait in a buffer of bounded size (when it is full,
// the stream waits for the sets instead).
class FileMatcher {
  public:
    FileMatcher(const KeySet::Connect& connect, const Repositories& repositories,
                const FindRequest& request, std::ostream& out)
        : in_count_(repositories.in.size()),
          reading_(connect, all_uuids(repositories)),
          request_(request),
          out_(out),
          strip_(request.cwd_in_tree.empty() ? 0 : request.cwd_in_tree.size() + 1) {
        waiting_.reserve(kMaxWaiting + 4096);  // pages are used only as filled; never copied
    }

    // Takes the next file in path order: prints it if it matches, now or once the sets are read.
    Result<void> file(std::string_view path, std::string_view key) {
        if (path.size() < strip_) return {};
        if (!sets_ready_ &&
            (reading_.done() || waiting_.size() + path.size() + key.size() > waiting_.capacity())) {
            if (auto released = release_waiting(); !released) return released;
        }
        if (sets_ready_) {
            emit(path, key);
        } else {
            waiting_ += path;
            waiting_ += key;
            waiting_sizes_.emplace_back(path.size(), key.size());
        }
        return {};
    }
    // Prints the files still waiting, once the sets are read.
    Result<void> finish() { return sets_ready_ ? Result<void>{} : release_waiting(); }
    std::size_t found() const { return found_; }

  private:
    static constexpr std::size_t kMaxWaiting = 32 << 20;

    static std::vector<std::string> all_uuids(const Repositories& repositories) {
        std::vector<std::string> uuids = repositories.in;
        uuids.insert(uuids.end(), repositories.not_in.begin(), repositories.not_in.end());
        return uuids;
    }
    // Waits for the sets and combines them: wanted (the intersection of the `in` sets, less the
    // `not_in` ones: one probe per file rather than two, into a smaller set) and unwanted.
    Result<void> settle() {
        auto sets = reading_.wait();
        if (!sets) return std::unexpected(sets.error());
        for (std::size_t i = 0; i < sets->size(); ++i) {
            KeySet& set = (*sets)[i];
            if (i < in_count_) {
                wanted_ = wanted_ ? wanted_->intersect(set) : std::move(set);
            } else {
                unwanted_ = unwanted_.size() ? unwanted_.unite(set) : std::move(set);
            }
        }
        if (wanted_ && unwanted_.size()) {
            wanted_ = wanted_->subtract(unwanted_);
            unwanted_ = KeySet{};
        }
        sets_ready_ = true;
        return {};
    }
    // Prints the file (relative to the current directory) when its key matches.
    void emit(std::string_view path, std::string_view key) {
        const KeySet::Digest digest = KeySet::digest(key);
        if (wanted_ && !wanted_->contains(digest)) return;
        if (unwanted_.size() && unwanted_.contains(digest)) return;
        const std::string_view file = path.substr(strip_);
        if (request_.json) {
            out_ << json_line(file, key) << '\n';
        } else {
            out_ << file << '\n';
        }
        ++found_;
    }
    // Settles the sets, then emits the waiting files and frees their buffer.
    Result<void> release_waiting() {
        if (auto settled = settle(); !settled) return settled;
        std::size_t at = 0;
        for (const auto& [path_size, key_size] : waiting_sizes_) {
            emit(std::string_view(waiting_).substr(at, path_size),
                 std::string_view(waiting_).substr(at + path_size, key_size));
            at += path_size + key_size;
        }
        std::string().swap(waiting_);
        waiting_sizes_ = {};
        return {};
    }

    const std::size_t in_count_;
    KeySet::ParallelRead reading_;
    const FindRequest& request_;
    std::ostream& out_;
    const std::size_t strip_;
    std::optional<KeySet> wanted_;
    KeySet unwanted_;
    bool sets_ready_ = false;
    std::size_t found_ = 0;
    // Waiting files: path and key, one after the other, with their lengths.
    std::string waiting_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> waiting_sizes_;
};

}  // namespace

KeyFields key_fields(std::string_view key) {
    KeyFields fields;
    const auto layout = parse_layout(key);
    if (layout && layout->to_string() == key) {
        fields.backend = layout->backend();
        fields.name = layout->name();
        fields.hashdir_lower = layout->hashdir_lower();
        fields.hashdir_mixed = layout->hashdir_mixed();
    } else {
        if (layout) {
            fields.backend = key.substr(0, layout->backend().size());
            fields.name = key.substr(layout->to_string().size() - layout->name().size());
        }
        fields.hashdir_lower = core::hashdir_lower(key);
        fields.hashdir_mixed = core::hashdir_mixed(key);
    }
    if (layout) {
        fields.size = layout->size();
        fields.mtime = layout->mtime();
    }
    return fields;
}

std::optional<std::uint64_t> key_size(std::string_view key) {
    const auto layout = parse_layout(key);
    return layout ? layout->size() : std::nullopt;
}

std::string human_size(unsigned __int128 bytes) {
    // git-annex's storageUnits, largest first; a value is shown in the largest unit it reaches.
    static constexpr std::string_view units[] = {"YB", "ZB", "EB", "PB", "TB", "GB", "MB", "kB"};
    long double unit = 1e24L;
    std::string_view abbreviation = "B";
    for (std::string_view name : units) {
        if (static_cast<long double>(bytes) >= unit) {
            abbreviation = name;
            break;
        }
        unit /= 1000;
    }
    if (abbreviation == "B") unit = 1;
    // showImprecise 2: the integer part, then up to two decimals (rounded half to even, as
    // Haskell's round), trailing zeros dropped; a rounded-up .995 carries into the integer.
    const double value = static_cast<double>(bytes) / static_cast<double>(unit);
    double whole = std::trunc(value);
    double hundredths = std::nearbyint((value - whole) * 100);
    if (hundredths == 100) {
        whole += 1;
        hundredths = 0;
    }
    std::string text = fmt::format("{:.0f}", whole);
    if (hundredths != 0) {
        std::string decimals = fmt::format("{:02.0f}", hundredths);
        if (decimals.back() == '0') decimals.pop_back();
        text += "." + decimals;
    }
    return fmt::format("{} {}", text, abbreviation);
}

Result<std::size_t> find(core::sql::Connection& connection, const KeySet::Connect& connect,
                         const RepositoryNames& names, std::string_view annex_uuid,
                         const FindRequest& request, std::ostream& out) {
    auto repositories = resolve_repositories(names, request);
    if (!repositories) return std::unexpected(repositories.error());
    if (repositories->in_dead) return 0;
    FileMatcher matcher(connect, *repositories, request, out);
    auto streamed = core::location::for_each_annexed_file(
        connection, annex_uuid, request.cwd_in_tree,
        [&](std::string_view path, std::string_view key) { return matcher.file(path, key); });
    if (streamed) {
        if (auto released = matcher.finish(); !released) return std::unexpected(released.error());
    }
    if (!streamed) return std::unexpected(streamed.error());
    return matcher.found();
}

}  // namespace gad::compat::query
