// git-annex-remote-dolt's answers to git-annex: objects go to a dolt-annex filestore, and every
// store and removal is recorded in the location tables (Dolt or another MySQL-protocol server).
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "bridge/remote_config.h"
#include "bridge/stand_ins.h"
#include "core/dolt/annex_repository.h"
#include "core/filestore/backends.h"
#include "core/filestore/filestore.h"
#include "core/location/database.h"
#include "core/location/location_writer.h"
#include "protocol/handler.h"

namespace gad::bridge {

class DoltRemote final : public protocol::Handler {
  public:
    // async: whether to take the ASYNC extension when git-annex offers it.
    explicit DoltRemote(bool async = true) : async_(async) {}
    // Writes pending location changes and makes the last Dolt commit.
    ~DoltRemote() override;

    protocol::ExtensionSet wanted_extensions() const override;
    protocol::InitRemoteReply init_remote(protocol::Annex& annex) override;
    protocol::PrepareReply prepare(protocol::Annex& annex) override;
    protocol::TransferReply transfer(protocol::Annex& annex,
                                     const protocol::Transfer& request) override;
    protocol::CheckPresentReply check_present(protocol::Annex& annex,
                                              const protocol::CheckPresent& request) override;
    protocol::RemoveReply remove(protocol::Annex& annex, const protocol::Remove& request) override;
    protocol::ListConfigsReply list_configs(protocol::Annex& annex) override;
    protocol::GetCostReply get_cost(protocol::Annex& annex) override;
    protocol::GetAvailabilityReply get_availability(protocol::Annex& annex) override;
    protocol::WhereIsReply where_is(protocol::Annex& annex,
                                    const protocol::WhereIs& request) override;
    protocol::GetInfoReply get_info(protocol::Annex& annex) override;

  private:
    // Everything PREPARE sets up; read-only afterwards, so jobs share it without locking.
    struct Prepared {
        RemoteConfig config;
        std::string uuid;
        std::optional<core::dolt::AnnexRepository> repository;
        std::unique_ptr<core::filestore::Filestore> filestore;
        core::location::LocationDatabase database;  // lease and description (store moved out)
        std::unique_ptr<core::location::LocationWriter> writer;
        // Older keys' objects serving migrated keys (reads state's database).
        std::unique_ptr<StandIns> stand_ins;
        // Keys whose removal's write broke off with the connection (the server may have
        // committed it): one empty file each, checked against the filestore at the next PREPARE.
        std::filesystem::path unsure_dir;
    };

    // The password for config's database (none without database=), found as credentials.h
    // says; fails naming a creds file that cannot be read.
    static core::Result<std::string> database_password(protocol::Annex& annex,
                                                       const RemoteConfig& config,
                                                       std::string_view uuid);
    // Where the dolt-annex repository is: directory=, else a private one under the git directory.
    static std::filesystem::path repository_root(protocol::Annex& annex, const RemoteConfig& config,
                                                 std::string_view uuid);
    // How to reach filestore= (keys, known hosts, and a password if one was given, found as
    // credentials.h says); fails naming a creds file that cannot be read.
    static core::Result<core::filestore::FilestoreOptions> filestore_options(
        protocol::Annex& annex, const RemoteConfig& config, std::string_view uuid);
    // Opens the filestore config names (filestore=, else the repository's own annex/).
    static core::Result<std::unique_ptr<core::filestore::Filestore>> open_store(
        protocol::Annex& annex, const RemoteConfig& config,
        const core::dolt::AnnexRepository& repository);
    // Deals with the objects dead processes left hidden in state's filestore: deleted when the
    // store's table recorded their removal after they were hidden, put back otherwise.
    static core::Result<void> settle_abandoned(Prepared& state,
                                               core::location::LocationStore& store);
    // Makes the table's rows of the keys in state.unsure_dir say what the filestore shows, and
    // forgets those keys once that is written.
    static core::Result<void> settle_unsure(Prepared& state, core::location::LocationStore& store);
    // RETRIEVE of key from the object of stand_in (an older key of the same content), verified
    // against key; the destination is removed when it does not match.
    static core::Result<void> retrieve_stand_in(Prepared& state, const core::Key& key,
                                                const core::Key& stand_in,
                                                const std::filesystem::path& destination,
                                                const core::filestore::Progress& progress);
    // REMOVE of key, which the filestore does not hold: when an older key's object stands in for
    // it, that object stays (other clones count on it under the older key) and key is recorded
    // as gone; true when so.
    static core::Result<bool> remove_stand_in(Prepared& state, const core::Key& key);
    // With doltremote=: makes it the database's remote origin, and pushes a store made for a
    // new file:// remote there (AnnexRepository::seeded_remote). Nothing without it.
    static core::Result<void> join_dolt_remote(const RemoteConfig& config,
                                               const core::dolt::AnnexRepository& repository,
                                               core::sql::Connection& connection);
    // The state, or nullptr before a successful PREPARE.
    Prepared* prepared();
    // Queues a check of the table's row for key against what the filestore showed (present or
    // not); the writer repairs the row only if it disagrees and the filestore still shows that.
    static void reconcile_with_filestore(Prepared& state, const std::string& key_text,
                                         const core::Key& key, bool present);

    const bool async_;
    std::mutex mutex_;
    std::unique_ptr<Prepared> prepared_;
};

}  // namespace gad::bridge
