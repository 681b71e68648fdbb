// What a handler may ask of git-annex while it serves one request: the remote's queries
// (answered by VALUE or CREDS) and notices (no answer), sent on that request's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/annex_link.h"
#include "protocol/extension_set.h"
#include "protocol/messages.h"

namespace gad::protocol {

// Every query blocks until its reply arrives. All methods throw ConnectionClosed if the
// conversation ends first, and queries throw ProtocolViolation if the reply is of the wrong kind.
class Annex {
  public:
    // Talks through `link`, using only the extensions in `negotiated`.
    Annex(AnnexLink& link, ExtensionSet negotiated) : link_(link), negotiated_(negotiated) {}

    // GETCONFIG: the setting's value, empty when it is not set.
    std::string get_config(std::string_view name);
    // SETCONFIG: stores a setting (normally during INITREMOTE).
    void set_config(std::string_view name, std::string_view value);
    // GETUUID: the UUID of this special remote.
    std::string get_uuid();
    // GETGITDIR: the path of the git directory of the repository using the remote.
    std::string get_git_dir();
    // GETGITREMOTENAME: the git remote's name; nullopt, without asking, unless the extension was
    // negotiated.
    std::optional<std::string> get_git_remote_name();
    // GETCREDS: stored creds for `setting`; user and password are empty when there are none.
    Creds get_creds(std::string_view setting);
    // SETCREDS: stores creds for `setting` (normally during INITREMOTE).
    void set_creds(std::string_view setting, std::string_view user, std::string_view password);
    // PROGRESS: bytes of the current transfer done so far.
    void progress(std::uint64_t bytes);
    // DEBUG: a message shown with --debug.
    void debug(std::string_view message);
    // INFO if that extension was negotiated, else DEBUG: a message for the user.
    void info(std::string_view message);
    // DIRHASH: the mixed-case two-level hash directory of a key, like "aB/Cd/".
    std::string dirhash(std::string_view key);
    // DIRHASH-LOWER: the lower-case two-level hash directory of a key, like "abc/def/".
    std::string dirhash_lower(std::string_view key);
    // GETSTATE: the state stored for a key, empty when none.
    std::string get_state(std::string_view key);
    // SETSTATE: stores state for a key in the git-annex branch.
    void set_state(std::string_view key, std::string_view value);
    // SETURLPRESENT / SETURLMISSING: records that a key can (no longer) be downloaded from `url`.
    void set_url_present(std::string_view key, std::string_view url);
    void set_url_missing(std::string_view key, std::string_view url);
    // SETURIPRESENT / SETURIMISSING: the same for uris that are not http urls.
    void set_uri_present(std::string_view key, std::string_view uri);
    void set_uri_missing(std::string_view key, std::string_view uri);
    // GETURLS: the recorded urls of a key that start with `prefix` (empty prefix: all).
    std::vector<std::string> get_urls(std::string_view key, std::string_view prefix);
    // SETWANTED: sets the preferred content expression of the remote.
    void set_wanted(std::string_view expression);
    // GETWANTED: the preferred content expression of the remote.
    std::string get_wanted();

  private:
    // Sends `query` and returns the value of the VALUE that answers it.
    std::string ask(const FromRemote& query);
    // The next reply, which must be a T; `query` names the request in the error message.
    template <typename T>
    T receive_reply(const FromRemote& query);

    AnnexLink& link_;
    ExtensionSet negotiated_;
};

}  // namespace gad::protocol
