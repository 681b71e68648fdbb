#include "protocol/annex.h"

#include <fmt/format.h>

#include <utility>

#include "protocol/errors.h"
#include "protocol/line_codec.h"

namespace gad::protocol {

template <typename T>
T Annex::receive_reply(const FromRemote& query) {
    FromAnnex reply = link_.receive();
    if (T* expected = std::get_if<T>(&reply)) return std::move(*expected);
    throw ProtocolViolation{fmt::format("expected {} in reply to \"{}\", got \"{}\"", T::kCommand,
                                        serialise(Tagged<FromRemote>{.message = query}),
                                        serialise(Tagged<FromAnnex>{.message = reply}))};
}

std::string Annex::ask(const FromRemote& query) {
    link_.send(query);
    return receive_reply<Value>(query).value;
}

std::string Annex::get_config(std::string_view name) {
    return ask(GetConfig{.name = std::string(name)});
}

void Annex::set_config(std::string_view name, std::string_view value) {
    link_.send(SetConfig{.name = std::string(name), .value = std::string(value)});
}

std::string Annex::get_uuid() { return ask(GetUuid{}); }

std::string Annex::get_git_dir() { return ask(GetGitDir{}); }

std::optional<std::string> Annex::get_git_remote_name() {
    if (!negotiated_.get_git_remote_name) return std::nullopt;
    return ask(GetGitRemoteName{});
}

Creds Annex::get_creds(std::string_view setting) {
    FromRemote query = GetCreds{.setting = std::string(setting)};
    link_.send(query);
    return receive_reply<Creds>(query);
}

void Annex::set_creds(std::string_view setting, std::string_view user, std::string_view password) {
    link_.send(SetCreds{.setting = std::string(setting),
                        .user = std::string(user),
                        .password = std::string(password)});
}

void Annex::progress(std::uint64_t bytes) { link_.send(Progress{.bytes = bytes}); }

void Annex::debug(std::string_view message) { link_.send(Debug{.message = std::string(message)}); }

void Annex::info(std::string_view message) {
    if (negotiated_.info) {
        link_.send(Info{.message = std::string(message)});
    } else {
        debug(message);
    }
}

std::string Annex::dirhash(std::string_view key) { return ask(DirHash{.key = std::string(key)}); }

std::string Annex::dirhash_lower(std::string_view key) {
    return ask(DirHashLower{.key = std::string(key)});
}

std::string Annex::get_state(std::string_view key) {
    return ask(GetState{.key = std::string(key)});
}

void Annex::set_state(std::string_view key, std::string_view value) {
    link_.send(SetState{.key = std::string(key), .value = std::string(value)});
}

void Annex::set_url_present(std::string_view key, std::string_view url) {
    link_.send(SetUrlPresent{.key = std::string(key), .url = std::string(url)});
}

void Annex::set_url_missing(std::string_view key, std::string_view url) {
    link_.send(SetUrlMissing{.key = std::string(key), .url = std::string(url)});
}

void Annex::set_uri_present(std::string_view key, std::string_view uri) {
    link_.send(SetUriPresent{.key = std::string(key), .uri = std::string(uri)});
}

void Annex::set_uri_missing(std::string_view key, std::string_view uri) {
    link_.send(SetUriMissing{.key = std::string(key), .uri = std::string(uri)});
}

std::vector<std::string> Annex::get_urls(std::string_view key, std::string_view prefix) {
    FromRemote query = GetUrls{.key = std::string(key), .prefix = std::string(prefix)};
    link_.send(query);
    std::vector<std::string> urls;
    for (std::string url; !(url = receive_reply<Value>(query).value).empty();) {
        urls.push_back(std::move(url));
    }
    return urls;
}

void Annex::set_wanted(std::string_view expression) {
    link_.send(SetWanted{.expression = std::string(expression)});
}

std::string Annex::get_wanted() { return ask(GetWanted{}); }

}  // namespace gad::protocol
