#include "bridge/dolt_remote.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "bridge/credentials.h"
#include "core/digest.h"
#include "core/dolt/remotesapi.h"
#include "core/key.h"
#include "core/location/remote_history.h"
#include "core/log.h"

namespace gad::bridge {

namespace fs = std::filesystem;
using core::Key;
using core::location::LocationChange;
using core::location::LocationWriter;
using core::location::Presence;

DoltRemote::~DoltRemote() {
    if (prepared_) {
        prepared_->writer.reset();  // flushes and commits before the server lease goes
    }
}

protocol::ExtensionSet DoltRemote::wanted_extensions() const {
    return protocol::ExtensionSet{.info = true, .async = async_, .get_git_remote_name = true};
}

core::Result<std::string> DoltRemote::database_password(protocol::Annex& annex,
                                                        const RemoteConfig& config,
                                                        std::string_view uuid) {
    if (!config.database) return std::string();
    auto found = find_password(fs::absolute(annex.get_git_dir()), uuid, kDatabaseSecret);
    if (!found) return std::unexpected(found.error());
    return found->value_or(std::string());
}

fs::path DoltRemote::repository_root(protocol::Annex& annex, const RemoteConfig& config,
                                     std::string_view uuid) {
    if (!config.directory.empty()) return config.directory;
    return fs::absolute(annex.get_git_dir()) / "annex" / "git-annex-dolt" / std::string(uuid);
}

core::Result<core::filestore::FilestoreOptions> DoltRemote::filestore_options(
    protocol::Annex& annex, const RemoteConfig& config, std::string_view uuid) {
    core::filestore::FilestoreOptions options;
    options.identity_file = config.identity_file;
    options.known_hosts = config.known_hosts;
    auto password = find_password(fs::absolute(annex.get_git_dir()), uuid, kSftpSecret);
    if (!password) return std::unexpected(password.error());
    if (*password && !(*password)->empty()) options.password = std::move(**password);
    return options;
}

core::Result<std::unique_ptr<core::filestore::Filestore>> DoltRemote::open_store(
    protocol::Annex& annex, const RemoteConfig& config,
    const core::dolt::AnnexRepository& repository) {
    core::Result<std::unique_ptr<core::filestore::Filestore>> filestore;
    if (config.filestore) {
        auto options = filestore_options(annex, config, repository.uuid());
        if (!options) return std::unexpected(options.error());
        filestore = core::filestore::open_filestore(*config.filestore, *options);
    } else {
        core::filestore::FilestoreOptions options;
        options.temporary = repository.state_dir() / "tmp";
        filestore = core::filestore::open_filestore(repository.filestore_root().string(), options);
    }
    return filestore;
}

core::Result<void> DoltRemote::settle_abandoned(Prepared& state,
                                                core::location::LocationStore& store) {
    // An object a dead process hid was removed for good only if its absence reached the table
    // after it was hidden; otherwise git-annex was never told it is gone, and it goes back.
    const std::string& uuid = state.uuid;
    auto recorded = [&store, &uuid](
                        const Key& key,
                        std::optional<core::Timestamp> hidden_at) -> core::Result<bool> {
        auto row = store.row(key.to_string(), uuid);
        if (!row) return std::unexpected(row.error());
        if (!*row || (*row)->presence == Presence::present) return false;
        return !hidden_at || (*row)->timestamp >= *hidden_at;
    };
    auto settled = state.filestore->restore_abandoned(recorded);
    if (!settled) return std::unexpected(settled.error());
    return {};
}

core::Result<void> DoltRemote::settle_unsure(Prepared& state,
                                             core::location::LocationStore& store) {
    std::error_code ec;
    std::vector<fs::path> markers;
    std::vector<LocationChange> changes;
    for (const auto& entry : fs::directory_iterator(state.unsure_dir, ec)) {
        auto key = Key::parse(entry.path().filename().string());
        if (!key) continue;
        auto present = state.filestore->contains(*key);
        if (!present) return std::unexpected(present.error());
        auto row = store.row(key->to_string(), state.uuid);
        if (!row) return std::unexpected(row.error());
        const bool table_present = *row && (*row)->presence == Presence::present;
        if (table_present != *present) {
            changes.push_back(LocationChange{key->to_string(), state.uuid,
                                             *present ? Presence::present : Presence::missing,
                                             core::Timestamp::now()});
        }
        markers.push_back(entry.path());
    }
    if (auto written = store.record(changes); !written) return written;
    for (const fs::path& marker : markers) fs::remove(marker, ec);
    return {};
}

core::Result<void> DoltRemote::join_dolt_remote(const RemoteConfig& config,
                                                const core::dolt::AnnexRepository& repository,
                                                core::sql::Connection& connection) {
    if (!config.dolt_remote) return {};
    if (auto added = core::location::ensure_origin(connection, *config.dolt_remote); !added) {
        return added;
    }
    // A new file:// remote receives the new store's database, so that other stores and
    // dolt-annex repositories can be cloned from it.
    if (repository.seeded_remote()) return core::location::push_default_branch(connection);
    return {};
}

DoltRemote::Prepared* DoltRemote::prepared() {
    std::lock_guard lock(mutex_);
    return prepared_.get();
}

protocol::InitRemoteReply DoltRemote::init_remote(protocol::Annex& annex) {
    // Relative paths mean what they meant where the user typed them (git-annex starts the remote
    // there); they are kept absolute, so that later commands, run anywhere, find the same.
    auto config = read_config(annex, fs::current_path());
    if (!config) return protocol::InitRemoteFailure{config.error().message};
    auto remotesapi = read_remotesapi(annex, *config);
    if (!remotesapi) return protocol::InitRemoteFailure{remotesapi.error().message};
    const std::string uuid = annex.get_uuid();
    core::filestore::RepoFilestore filestore{std::string(core::dolt::AnnexRepository::kOwnAnnex),
                                             {}};
    if (config->filestore) {
        // Check the host, its key and the login now, and create the filestore directory.
        auto options = filestore_options(annex, *config, uuid);
        if (!options) return protocol::InitRemoteFailure{options.error().message};
        if (auto created = core::filestore::create_filestore(*config->filestore, *options);
            !created) {
            return protocol::InitRemoteFailure{"filestore=: " + created.error().message};
        }
        filestore.where = *config->filestore;
        filestore.options.identity_file = config->identity_file;
    }
    auto repository =
        core::dolt::AnnexRepository::init(repository_root(annex, *config, uuid), uuid,
                                          !config->database, filestore, config->dolt_remote);
    if (!repository) {
        return protocol::InitRemoteFailure{(config->directory.empty() ? "" : "directory=: ") +
                                           repository.error().message};
    }
    // A failed initremote must not leave the directory claimed by this attempt's UUID: git-annex
    // picks a new one when the user tries again.
    auto failure = [&](std::string message) {
        repository->forget_new_claim();
        return protocol::InitRemoteFailure{std::move(message)};
    };
    if (*remotesapi) {
        // The store's setting: every later start of its server serves the port.
        auto kept = core::dolt::write_remotesapi_port(repository->state_dir(), **remotesapi);
        if (!kept) return failure("remotesapi=: " + kept.error().message);
    }
    auto password = database_password(annex, *config, uuid);
    if (!password) return failure(password.error().message);
    auto database = core::location::open_location_database(
        *repository, config->database, *password, config->server_idle,
        core::sql::Timeouts::all(config->db_timeout));
    if (!database) {
        return failure((config->database ? "database=: " : "") + database.error().message);
    }
    core::location::LocationStore& store = *database->store;
    if (auto described = store.set_repository(uuid, config->name); !described) {
        return failure(described.error().message);
    }
    if (auto committed = store.dolt_commit(
            fmt::format("git-annex-remote-dolt: initremote {} ({})", config->name, uuid));
        !committed) {
        return failure(committed.error().message);
    }
    if (auto joined = join_dolt_remote(*config, *repository, store.connection()); !joined) {
        return failure("doltremote=: " + joined.error().message);
    }
    // The passwords given for this remote are kept for later commands, never handed to
    // git-annex (SETCREDS would show them in --debug output); only once they worked.
    const fs::path git_dir = fs::absolute(annex.get_git_dir());
    if (config->database) {
        if (auto kept = keep_password(git_dir, uuid, kDatabaseSecret, config->database->user);
            !kept) {
            return failure(kept.error().message);
        }
    }
    if (config->remote_filestore()) {
        if (auto kept = keep_password(git_dir, uuid, kSftpSecret,
                                      core::filestore::filestore_login(*config->filestore));
            !kept) {
            return failure(kept.error().message);
        }
    }
    keep_absolute_paths(annex, *config);
    return protocol::InitRemoteSuccess{};
}

protocol::PrepareReply DoltRemote::prepare(protocol::Annex& annex) {
    auto state = std::make_unique<Prepared>();
    auto config = read_config(annex);
    if (!config) return protocol::PrepareFailure{config.error().message};
    state->config = std::move(*config);
    state->uuid = annex.get_uuid();
    const fs::path root = repository_root(annex, state->config, state->uuid);
    auto repository = core::dolt::AnnexRepository::open(root);
    if (!repository) return protocol::PrepareFailure{repository.error().message};
    if (repository->uuid() != state->uuid) {
        return protocol::PrepareFailure{
            fmt::format("{} belongs to repository {}, not to this remote ({})", root.string(),
                        repository->uuid(), state->uuid)};
    }
    auto filestore = open_store(annex, state->config, *repository);
    if (!filestore) return protocol::PrepareFailure{filestore.error().message};
    state->filestore = std::move(*filestore);
    auto password = database_password(annex, state->config, state->uuid);
    if (!password) return protocol::PrepareFailure{password.error().message};
    auto database = core::location::open_location_database(
        *repository, state->config.database, *password, state->config.server_idle,
        core::sql::Timeouts::all(state->config.db_timeout));
    if (!database) return protocol::PrepareFailure{database.error().message};
    if (auto joined = join_dolt_remote(state->config, *repository, database->store->connection());
        !joined) {
        return protocol::PrepareFailure{"doltremote=: " + joined.error().message};
    }
    state->unsure_dir = repository->state_dir() / "unsure";
    if (auto settled = settle_abandoned(*state, *database->store); !settled) {
        return protocol::PrepareFailure{
            fmt::format("{}: {}", database->description, settled.error().message)};
    }
    if (auto settled = settle_unsure(*state, *database->store); !settled) {
        return protocol::PrepareFailure{
            fmt::format("{}: {}", database->description, settled.error().message)};
    }
    state->repository.emplace(std::move(*repository));
    state->writer = std::make_unique<LocationWriter>(
        std::move(*database->store),
        core::location::WriterOptions{
            .commit_every = state->config.commit_every,
            .commit_after = state->config.commit_after,
            .commit_prefix = fmt::format("git-annex-remote-dolt {}", state->uuid),
            .exit_timeout = state->config.db_timeout,
            .database = database->description,
            .push_removals = state->config.remove_push,
        });
    database->store.reset();
    state->database = std::move(*database);
    state->stand_ins = std::make_unique<StandIns>(
        state->database, state->uuid, core::sql::Timeouts::all(state->config.db_timeout));
    std::lock_guard lock(mutex_);
    prepared_ = std::move(state);
    return protocol::PrepareSuccess{};
}

protocol::TransferReply DoltRemote::transfer(protocol::Annex& annex,
                                             const protocol::Transfer& request) {
    auto failure = [&](std::string message) {
        return protocol::TransferFailure{request.direction, request.key, std::move(message)};
    };
    Prepared* state = prepared();
    if (state == nullptr) return failure("the remote is not prepared");
    auto key = Key::parse(request.key);
    if (!key) return failure(key.error().message);
    auto progress = [&annex](std::uint64_t bytes) { annex.progress(bytes); };
    if (request.direction == protocol::Direction::store) {
        if (auto stored = state->filestore->put(*key, request.file, progress); !stored) {
            return failure(stored.error().message);
        }
        state->writer->record_later(
            LocationChange{request.key, state->uuid, Presence::present, core::Timestamp::now()},
            LocationWriter::Reason::store);
    } else if (auto got = state->filestore->get(*key, request.file, progress); !got) {
        // Not held under key: an older key's object may stand in for it.
        auto held = state->filestore->contains(*key);
        if (!held || *held) return failure(got.error().message);
        auto stand_in = state->stand_ins->find(*key, *state->filestore);
        if (!stand_in) return failure(stand_in.error().message);
        if (!*stand_in) return failure(got.error().message);
        if (auto served = retrieve_stand_in(*state, *key, **stand_in, request.file, progress);
            !served) {
            return failure(served.error().message);
        }
    }
    return protocol::TransferSuccess{request.direction, request.key};
}

core::Result<void> DoltRemote::retrieve_stand_in(Prepared& state, const Key& key,
                                                 const Key& stand_in, const fs::path& destination,
                                                 const core::filestore::Progress& progress) {
    if (auto got = state.filestore->get(stand_in, destination, progress); !got) return got;
    auto verified = core::verify_file(key, destination);
    if (!verified) {
        std::error_code ec;
        fs::remove(destination, ec);
        return core::fail(
            "{} is recorded as migrated from {}, whose object here does not match it: {}",
            key.to_string(), stand_in.to_string(), verified.error().message);
    }
    return {};
}

void DoltRemote::reconcile_with_filestore(Prepared& state, const std::string& key_text,
                                          const Key& key, bool present) {
    core::filestore::Filestore* filestore = state.filestore.get();
    state.writer->reconcile(key_text, state.uuid, present ? Presence::present : Presence::missing,
                            [filestore, key, present] {
                                auto now = filestore->contains(key);
                                return now && *now == present;
                            });
}

protocol::CheckPresentReply DoltRemote::check_present(protocol::Annex&,
                                                      const protocol::CheckPresent& request) {
    Prepared* state = prepared();
    if (state == nullptr)
        return protocol::CheckPresentUnknown{request.key, "the remote is not prepared"};
    auto key = Key::parse(request.key);
    if (!key) return protocol::CheckPresentUnknown{request.key, key.error().message};
    auto present = state->filestore->contains(*key);
    if (!present) return protocol::CheckPresentUnknown{request.key, present.error().message};
    if (!*present) {
        // An older key's object may stand in for it (a migrated key).
        auto stand_in = state->stand_ins->find(*key, *state->filestore);
        if (!stand_in) return protocol::CheckPresentUnknown{request.key, stand_in.error().message};
        if (*stand_in) {
            reconcile_with_filestore(*state, request.key, **stand_in, true);
            return protocol::CheckPresentSuccess{request.key};
        }
    }
    reconcile_with_filestore(*state, request.key, *key, *present);
    if (*present) return protocol::CheckPresentSuccess{request.key};
    return protocol::CheckPresentFailure{request.key};
}

protocol::RemoveReply DoltRemote::remove(protocol::Annex&, const protocol::Remove& request) {
    Prepared* state = prepared();
    if (state == nullptr) return protocol::RemoveFailure{request.key, "the remote is not prepared"};
    auto key = Key::parse(request.key);
    if (!key) return protocol::RemoveFailure{request.key, key.error().message};
    // The object leaves its key at once but is deleted only after its absence is committed (the
    // SQL transaction; the Dolt commit follows on the writer's schedule): REMOVE-SUCCESS is never
    // sent for an object the table still claims. If that write fails the object goes back.
    auto hidden = state->filestore->hide(*key);
    if (!hidden) return protocol::RemoveFailure{request.key, hidden.error().message};
    if (!*hidden) {
        auto stood_in = remove_stand_in(*state, *key);
        if (!stood_in) return protocol::RemoveFailure{request.key, stood_in.error().message};
        // Nothing was there: only a row still claiming it present needs a change (git-annex
        // removes every possible chunk of a key, so most such requests change nothing).
        if (!*stood_in) reconcile_with_filestore(*state, request.key, *key, false);
        return protocol::RemoveSuccess{request.key};
    }
    const core::filestore::Filestore::Hidden object = **hidden;
    // The newer keys this object stood in for go with it, in the same transaction.
    auto newer = state->stand_ins->standing_on(*key, *state->filestore);
    if (!newer) {
        if (auto back = state->filestore->restore(object); !back) {
            core::log::error(back.error().message);
        }
        return protocol::RemoveFailure{request.key, newer.error().message};
    }
    for (const std::string& gone : *newer) {
        state->writer->record_later(
            LocationChange{gone, state->uuid, Presence::missing, core::Timestamp::now()},
            LocationWriter::Reason::remove);
    }
    // Timestamped after the hiding: a dead process's hidden object counts as removed only when
    // the table's absence is at least as new (settle_abandoned()).
    auto written = state->writer->record_now(
        LocationChange{request.key, state->uuid, Presence::missing, core::Timestamp::now()},
        LocationWriter::Reason::remove);
    if (!written) {
        std::string message =
            written.error().kind == core::Failure::Kind::unpublished
                ? fmt::format(
                      "the removal did not reach the Dolt remote (removepush=yes), so "
                      "the object stays: {}",
                      written.error().message)
                : fmt::format("the removal could not be recorded in {}, so the object stays: {}",
                              state->database.description, written.error().message);
        if (auto back = state->filestore->restore(object); !back) {
            message +=
                fmt::format("; it stays hidden until the next start: {}", back.error().message);
        } else if (written.error().kind == core::Failure::Kind::unpublished) {
            // Committed here but not pushed (removepush=yes): the table says present again.
            reconcile_with_filestore(*state, request.key, *key, true);
        } else if (written.error().kind == core::Failure::Kind::unreachable ||
                   written.error().kind == core::Failure::Kind::timeout) {
            // The connection broke off: the server may have committed the absence all the same
            // (its answer lost). The next PREPARE makes the row agree with the filestore.
            std::error_code ec;
            fs::create_directories(state->unsure_dir, ec);
            std::ofstream(state->unsure_dir / request.key);
        }
        return protocol::RemoveFailure{request.key, std::move(message)};
    }
    state->stand_ins->ended(request.key);
    for (const std::string& gone : *newer) state->stand_ins->ended(gone);
    if (auto purged = state->filestore->purge(object); !purged) {
        // Recorded and out of sight: the next start deletes it (its absence is in the table).
        core::log::error(purged.error().message);
    }
    return protocol::RemoveSuccess{request.key};
}

core::Result<bool> DoltRemote::remove_stand_in(Prepared& state, const Key& key) {
    auto stand_in = state.stand_ins->find(key, *state.filestore);
    if (!stand_in) return std::unexpected(stand_in.error());
    if (!*stand_in) return false;
    auto written = state.writer->record_now(
        LocationChange{key.to_string(), state.uuid, Presence::missing, core::Timestamp::now()},
        LocationWriter::Reason::remove);
    if (!written) {
        return core::fail("the removal could not be recorded in {}: {}", state.database.description,
                          written.error().message);
    }
    state.stand_ins->ended(key.to_string());
    return true;
}

protocol::ListConfigsReply DoltRemote::list_configs(protocol::Annex&) {
    return config_descriptions();
}

// git-annex's costs (Config/Cost.hs): cheapRemoteCost for a local directory, as its directory
// remote; expensiveRemoteCost for another host, as its rsync and ssh remotes.
protocol::GetCostReply DoltRemote::get_cost(protocol::Annex& annex) {
    auto config = read_config(annex);
    return protocol::Cost{config && config->remote_filestore() ? 200 : 100};
}

protocol::GetAvailabilityReply DoltRemote::get_availability(protocol::Annex& annex) {
    auto config = read_config(annex);
    return protocol::Availability{config && config->remote_filestore()
                                      ? protocol::AvailabilityKind::global
                                      : protocol::AvailabilityKind::local};
}

protocol::WhereIsReply DoltRemote::where_is(protocol::Annex&, const protocol::WhereIs& request) {
    Prepared* state = prepared();
    auto key = Key::parse(request.key);
    if (state == nullptr || !key) return protocol::WhereIsFailure{};
    auto held = state->filestore->contains(*key);
    if (held && !*held) {
        auto stand_in = state->stand_ins->find(*key, *state->filestore);
        if (stand_in && *stand_in) {
            return protocol::WhereIsSuccess{state->filestore->locate(**stand_in)};
        }
    }
    return protocol::WhereIsSuccess{state->filestore->locate(*key)};
}

protocol::GetInfoReply DoltRemote::get_info(protocol::Annex&) {
    Prepared* state = prepared();
    if (state == nullptr) return protocol::UnsupportedRequest{};
    return std::vector<protocol::InfoItem>{
        {"dolt-annex repository", state->repository->root().string()},
        {"filestore", state->config.filestore ? *state->config.filestore
                                              : state->repository->filestore_root().string()},
        {"locations", state->database.description},
    };
}

}  // namespace gad::bridge
