#include "bridge/dolt_remote.h"

#include <cstdio>
#include <cstdlib>

#include "core/filestore/local_filestore.h"
#include "core/key.h"

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
    return protocol::ExtensionSet{.info = true, .async = true, .get_git_remote_name = true};
}

std::string DoltRemote::database_password(protocol::Annex& annex, const RemoteConfig& config) {
    if (!config.database) return {};
    if (const char* password = std::getenv(kPasswordVariable); password != nullptr) return password;
    return annex.get_creds(kDatabaseCreds).password;
}

DoltRemote::Prepared* DoltRemote::prepared() {
    std::lock_guard lock(mutex_);
    return prepared_.get();
}

protocol::InitRemoteReply DoltRemote::init_remote(protocol::Annex& annex) {
    auto config = read_config(annex);
    if (!config) return protocol::InitRemoteFailure{config.error().message};
    const std::string uuid = annex.get_uuid();
    auto repository = core::dolt::AnnexRepository::init(config->directory, uuid, !config->database);
    if (!repository) return protocol::InitRemoteFailure{"directory=: " + repository.error().message};
    // A failed initremote must not leave the directory claimed by this attempt's UUID: git-annex
    // picks a new one when the user tries again.
    auto failure = [&](std::string message) {
        repository->forget_new_claim();
        return protocol::InitRemoteFailure{std::move(message)};
    };
    std::string password;
    if (config->database) {
        if (const char* given = std::getenv(kPasswordVariable); given != nullptr) {
            password = given;
            annex.set_creds(kDatabaseCreds, config->database->user, password);
        } else {
            password = annex.get_creds(kDatabaseCreds).password;
        }
    }
    auto database = core::location::open_location_database(*repository, config->database, password,
                                                           config->server_idle);
    if (!database) {
        return failure((config->database ? "database=: " : "") + database.error().message);
    }
    core::location::LocationStore& store = *database->store;
    if (auto described = store.set_repository(uuid, config->name); !described) {
        return failure(described.error().message);
    }
    if (auto committed = store.dolt_commit(fmt::format(
            "git-annex-remote-dolt: initremote {} ({})", config->name, uuid));
        !committed) {
        return failure(committed.error().message);
    }
    return protocol::InitRemoteSuccess{};
}

protocol::PrepareReply DoltRemote::prepare(protocol::Annex& annex) {
    auto state = std::make_unique<Prepared>();
    auto config = read_config(annex);
    if (!config) return protocol::PrepareFailure{config.error().message};
    state->config = std::move(*config);
    state->uuid = annex.get_uuid();
    auto repository = core::dolt::AnnexRepository::open(state->config.directory);
    if (!repository) return protocol::PrepareFailure{repository.error().message};
    if (repository->uuid() != state->uuid) {
        return protocol::PrepareFailure{fmt::format(
            "{} belongs to repository {}, not to this remote ({})",
            state->config.directory.string(), repository->uuid(), state->uuid)};
    }
    auto filestore = core::filestore::LocalFilestore::open(repository->filestore_root(),
                                                           repository->state_dir() / "tmp");
    if (!filestore) return protocol::PrepareFailure{filestore.error().message};
    state->filestore = std::move(*filestore);
    if (auto restored = state->filestore->restore_abandoned(); !restored) {
        return protocol::PrepareFailure{restored.error().message};
    }
    auto database = core::location::open_location_database(
        *repository, state->config.database, database_password(annex, state->config),
        state->config.server_idle);
    if (!database) return protocol::PrepareFailure{database.error().message};
    state->repository.emplace(std::move(*repository));
    state->writer = std::make_unique<LocationWriter>(
        std::move(*database->store),
        core::location::WriterOptions{state->config.commit_every, state->config.commit_after,
                                      fmt::format("git-annex-remote-dolt {}", state->uuid)});
    database->store.reset();
    state->database = std::move(*database);
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
        return failure(got.error().message);
    }
    return protocol::TransferSuccess{request.direction, request.key};
}

protocol::CheckPresentReply DoltRemote::check_present(protocol::Annex&,
                                                      const protocol::CheckPresent& request) {
    Prepared* state = prepared();
    if (state == nullptr) return protocol::CheckPresentUnknown{request.key, "the remote is not prepared"};
    auto key = Key::parse(request.key);
    if (!key) return protocol::CheckPresentUnknown{request.key, key.error().message};
    auto present = state->filestore->contains(*key);
    if (!present) return protocol::CheckPresentUnknown{request.key, present.error().message};
    // Repair the table if it disagrees with the filestore (checked again when writing).
    const bool observed = *present;
    core::filestore::Filestore* filestore = state->filestore.get();
    state->writer->reconcile(request.key, state->uuid,
                             observed ? Presence::present : Presence::missing,
                             [filestore, key = *key, observed] {
                                 auto now = filestore->contains(key);
                                 return now && *now == observed;
                             });
    if (observed) return protocol::CheckPresentSuccess{request.key};
    return protocol::CheckPresentFailure{request.key};
}

protocol::RemoveReply DoltRemote::remove(protocol::Annex&, const protocol::Remove& request) {
    Prepared* state = prepared();
    if (state == nullptr) return protocol::RemoveFailure{request.key, "the remote is not prepared"};
    auto key = Key::parse(request.key);
    if (!key) return protocol::RemoveFailure{request.key, key.error().message};
    // The object leaves its key at once but is deleted only after its absence is committed;
    // if that write fails it goes back, so the database never claims a copy that is gone.
    auto hidden = state->filestore->hide(*key);
    if (!hidden) return protocol::RemoveFailure{request.key, hidden.error().message};
    LocationChange change{request.key, state->uuid, Presence::missing, core::Timestamp::now()};
    LocationWriter::Written then;
    if (*hidden) {
        then = [filestore = state->filestore.get(), object = **hidden](const core::Result<void>& written) {
            auto done = written ? filestore->purge(object) : filestore->restore(object);
            if (!written || !done) {
                std::fprintf(stderr, "git-annex-remote-dolt: %s\n",
                             (!written ? "removal not recorded, object restored: " + written.error().message
                                       : done.error().message).c_str());
            }
        };
    }
    state->writer->record_later(std::move(change), LocationWriter::Reason::remove, std::move(then));
    return protocol::RemoveSuccess{request.key};
}

protocol::ListConfigsReply DoltRemote::list_configs(protocol::Annex&) {
    return config_descriptions();
}

protocol::GetCostReply DoltRemote::get_cost(protocol::Annex&) {
    return protocol::Cost{100};  // git-annex's cheapRemoteCost, as for its directory remote
}

protocol::GetAvailabilityReply DoltRemote::get_availability(protocol::Annex&) {
    return protocol::Availability{protocol::AvailabilityKind::local};
}

protocol::WhereIsReply DoltRemote::where_is(protocol::Annex&, const protocol::WhereIs& request) {
    Prepared* state = prepared();
    auto key = Key::parse(request.key);
    if (state == nullptr || !key) return protocol::WhereIsFailure{};
    return protocol::WhereIsSuccess{state->filestore->locate(*key)};
}

protocol::GetInfoReply DoltRemote::get_info(protocol::Annex&) {
    Prepared* state = prepared();
    if (state == nullptr) return protocol::UnsupportedRequest{};
    return std::vector<protocol::InfoItem>{
        {"dolt-annex repository", state->config.directory.string()},
        {"locations", state->database.description},
    };
}

}  // namespace gad::bridge
