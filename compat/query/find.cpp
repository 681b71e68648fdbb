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
    // git-annex leaves dead repositories out of every key's locations (Remote.keyLocations):
    // nothing is in a dead repository, so --in one matches nothing and --not-in one everything.
    std::vector<std::string> in, not_in;
    bool in_dead = false;
    auto resolve = [&](const std::vector<std::string>& given, std::vector<std::string>& uuids,
                       bool is_in) -> Result<void> {
        for (const std::string& name : given) {
            auto uuid = names.resolve(name);
            if (!uuid) return core::fail("no repository named '{}'", name);
            if (names.describe(*uuid).trust == Trust::dead) {
                in_dead = in_dead || is_in;
            } else {
                uuids.push_back(std::move(*uuid));
            }
        }
        return {};
    };
    if (auto done = resolve(request.in, in, true); !done) return std::unexpected(done.error());
    if (auto done = resolve(request.not_in, not_in, false); !done) {
        return std::unexpected(done.error());
    }
    if (in_dead) return 0;

    // The keys each repository has, read once per repository (an index scan of locations by
    // uuid), then the files (under the current directory) in path order, each kept when its key
    // is in every `in` set and in no `not_in` set. Joining location rows per file instead costs
    // a lookup per file and repository: 30 s rather than a few at 1,000,000 files on Dolt.
    // The sets are read on connections of their own while the files stream on this one, so the
    // server works on all of them at once; files that arrive before the sets are ready wait in
    // a buffer of bounded size (when it is full, the stream waits for the sets instead).
    std::vector<std::string> uuids = in;
    uuids.insert(uuids.end(), not_in.begin(), not_in.end());
    KeySet::ParallelRead reading(connect, uuids);
    std::optional<KeySet> wanted;
    KeySet unwanted;
    bool sets_ready = false;
    auto settle = [&]() -> Result<void> {
        auto sets = reading.wait();
        if (!sets) return std::unexpected(sets.error());
        for (std::size_t i = 0; i < sets->size(); ++i) {
            KeySet& set = (*sets)[i];
            if (i < in.size()) {
                wanted = wanted ? wanted->intersect(set) : std::move(set);
            } else {
                unwanted = unwanted.size() ? unwanted.unite(set) : std::move(set);
            }
        }
        // One probe per file rather than two, into a smaller set.
        if (wanted && unwanted.size()) {
            wanted = wanted->subtract(unwanted);
            unwanted = KeySet{};
        }
        sets_ready = true;
        return {};
    };

    std::size_t found = 0;
    const std::size_t strip = request.cwd_in_tree.empty() ? 0 : request.cwd_in_tree.size() + 1;
    auto emit = [&](std::string_view path, std::string_view key) {
        const KeySet::Digest digest = KeySet::digest(key);
        if (wanted && !wanted->contains(digest)) return;
        if (unwanted.size() && unwanted.contains(digest)) return;
        const std::string_view file = path.substr(strip);
        if (request.json) {
            out << json_line(file, key) << '\n';
        } else {
            out << file << '\n';
        }
        ++found;
    };
    // Waiting files: path and key, one after the other, with their lengths.
    constexpr std::size_t kMaxWaiting = 32 << 20;
    std::string waiting;
    waiting.reserve(kMaxWaiting + 4096);  // pages are used only as filled; never copied
    std::vector<std::pair<std::uint32_t, std::uint32_t>> waiting_sizes;
    auto release_waiting = [&]() -> Result<void> {
        if (auto settled = settle(); !settled) return settled;
        std::size_t at = 0;
        for (const auto& [path_size, key_size] : waiting_sizes) {
            emit(std::string_view(waiting).substr(at, path_size),
                 std::string_view(waiting).substr(at + path_size, key_size));
            at += path_size + key_size;
        }
        std::string().swap(waiting);
        waiting_sizes = {};
        return {};
    };
    auto streamed = core::location::for_each_annexed_file(
        connection, annex_uuid, request.cwd_in_tree,
        [&](std::string_view path, std::string_view key) -> Result<void> {
            if (path.size() < strip) return {};
            if (!sets_ready && (reading.done() ||
                                waiting.size() + path.size() + key.size() > waiting.capacity())) {
                if (auto released = release_waiting(); !released) return released;
            }
            if (sets_ready) {
                emit(path, key);
            } else {
                waiting += path;
                waiting += key;
                waiting_sizes.emplace_back(path.size(), key.size());
            }
            return {};
        });
    if (streamed && !sets_ready) {
        if (auto released = release_waiting(); !released) return std::unexpected(released.error());
    }
    if (!streamed) return std::unexpected(streamed.error());
    return found;
}

}  // namespace gad::compat::query
