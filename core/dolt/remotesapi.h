// Dolt's remotes API on a store's shared server (remotesapi=PORT), so that other Dolt clones can
// clone, fetch and push while git-annex uses the store. The port is the store's setting, kept in
// its state directory, so every program that starts the server serves it. Dolt 1.86.4 listens
// for the remotes API on every interface (":PORT") and lets a request without credentials in as
// root, so the server runs in a network namespace of its own and the supervisor relays
// 127.0.0.1:PORT into it: nothing but this machine reaches the API.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "core/failure.h"

namespace gad::core::dolt {

// The port in text (remotesapi=TEXT): a whole number from 1024 to 65535 (Dolt refuses lower
// ones); fails naming the text.
Result<int> parse_remotesapi_port(std::string_view text);

// The store's remotes API port (STATE_DIR/remotesapi.port), nullopt when it serves none; fails
// when the file holds no port.
Result<std::optional<int>> read_remotesapi_port(const std::filesystem::path& state_dir);

// Records port as the store's remotes API port (written whole or not at all); a server already
// running serves it from its next start.
Result<void> write_remotesapi_port(const std::filesystem::path& state_dir, int port);

// Relays connections to 127.0.0.1:port of this process's network namespace into 127.0.0.1:port
// of a private one, where the Dolt server runs.
class RemotesApiRelay {
  public:
    // Listens on 127.0.0.1:port, then moves the calling thread (and so the processes it starts
    // and the relay's threads) into a new network namespace with its loopback up; connections
    // are accepted once start() is called. Fails naming the port when it is taken, or the
    // namespace cannot be made (not root, and no user namespaces).
    static Result<std::unique_ptr<RemotesApiRelay>> listen_then_isolate(int port);
    ~RemotesApiRelay();
    RemotesApiRelay(const RemotesApiRelay&) = delete;
    RemotesApiRelay& operator=(const RemotesApiRelay&) = delete;

    // Starts accepting and relaying, on threads of its own.
    void start();
    int port() const { return port_; }
    // Connections being relayed now (the server counts as in use while there are any).
    int active() const { return active_->load(); }

  private:
    RemotesApiRelay(int listen_fd, int port);
    int listen_fd_ = -1;
    int port_ = 0;
    std::shared_ptr<std::atomic<int>> active_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace gad::core::dolt
