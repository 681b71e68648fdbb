#include "compat/migrate/rekey_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "core/filestore/local_filestore.h"
#include "core/key.h"
#include "core/location/key_migrations.h"

namespace gad::compat::migrate {

namespace {

using core::location::LocationChange;
using core::location::Presence;
using core::location::StandIn;

constexpr std::size_t kMaxProblems = 20;
constexpr std::size_t kRecordEvery = 500;

// Every new key an older key may stand in for in uuid, with its stand-ins newest first.
Result<std::map<std::string, std::vector<StandIn>>> read_stand_ins(
    core::sql::Connection& connection, std::string_view uuid) {
    std::map<std::string, std::vector<StandIn>> out;
    auto read = core::location::for_each_stand_in(
        connection, uuid, std::numeric_limits<std::uint64_t>::max(),
        [&out](std::string_view new_key, StandIn stand_in) -> Result<void> {
            out[std::string(new_key)].push_back(std::move(stand_in));
            return {};
        });
    if (!read) return std::unexpected(read.error());
    for (auto& [key, stand_ins] : out) {
        std::sort(stand_ins.begin(), stand_ins.end(),
                  [](const StandIn& a, const StandIn& b) { return a.timestamp > b.timestamp; });
    }
    return out;
}

// One run of rekey_store: each new key given its object, recorded in batches.
class Rekeying {
  public:
    Rekeying(core::filestore::LocalFilestore& filestore, std::string uuid,
             core::location::LocationStore& store,
             const std::function<void(const RekeySummary&)>& progress)
        : filestore_(filestore), uuid_(std::move(uuid)), store_(store), progress_(progress) {}

    // Gives new_key the object of the first of stand_ins the filestore holds, unless it has one.
    // Fails only when the filestore or the database fails.
    Result<void> rekey(const std::string& new_text, const std::vector<StandIn>& stand_ins) {
        auto new_key = core::Key::parse(new_text);
        if (!new_key) return {};  // the table's word is checked like any other input
        auto held = filestore_.contains(*new_key);
        if (!held) return std::unexpected(held.error());
        if (*held) {
            ++summary_.already;
            return {};
        }
        for (const StandIn& stand_in : stand_ins) {
            auto old_key = core::Key::parse(stand_in.old_key);
            if (!old_key) continue;
            auto present = filestore_.contains(*old_key);
            if (!present) return std::unexpected(present.error());
            if (!*present) continue;
            // put_link checks the content against new_key before anything is seen under it.
            auto stored = filestore_.put_link(*new_key, filestore_.object_path(*old_key));
            if (!stored) {
                problem(fmt::format("{}: not rekeyed from {}: {}", new_text, stand_in.old_key,
                                    stored.error().message));
                return {};
            }
            ++summary_.linked;
            changes_.push_back(
                LocationChange{new_text, uuid_, Presence::present, stand_in.timestamp});
            if (changes_.size() >= kRecordEvery) return commit();
            return {};
        }
        return {};
    }

    // Records the queued changes.
    Result<void> commit() {
        if (changes_.empty()) return {};
        if (auto recorded = store_.record(changes_); !recorded) return recorded;
        changes_.clear();
        if (progress_) progress_(summary_);
        return {};
    }

    RekeySummary& summary() { return summary_; }

  private:
    void problem(std::string text) {
        ++summary_.failed;
        if (summary_.problems.size() < kMaxProblems) summary_.problems.push_back(std::move(text));
    }

    core::filestore::LocalFilestore& filestore_;
    std::string uuid_;
    core::location::LocationStore& store_;
    const std::function<void(const RekeySummary&)>& progress_;
    RekeySummary summary_;
    std::vector<LocationChange> changes_;
};

}  // namespace

Result<RekeySummary> rekey_store(const core::dolt::AnnexRepository& target,
                                 core::location::LocationStore& store,
                                 const std::function<void(const RekeySummary&)>& progress) {
    auto filestore =
        core::filestore::LocalFilestore::open(target.filestore_root(), target.state_dir() / "tmp");
    if (!filestore) return std::unexpected(filestore.error());
    auto stand_ins = read_stand_ins(store.connection(), target.uuid());
    if (!stand_ins) return std::unexpected(stand_ins.error());
    Rekeying run(**filestore, target.uuid(), store, progress);
    for (const auto& [new_key, candidates] : *stand_ins) {
        if (auto done = run.rekey(new_key, candidates); !done) return std::unexpected(done.error());
    }
    if (auto done = run.commit(); !done) return std::unexpected(done.error());
    return run.summary();
}

}  // namespace gad::compat::migrate
