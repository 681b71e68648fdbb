// Table-driven codec: each message type lists its parameters as member pointers in kFields<T>;
// parsing and formatting walk that list, converting each parameter by its type.
#include "protocol/line_codec.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gad::protocol {
namespace {

// ---- Parameter lists, in wire order (messages without parameters use the primary template) ----

template <typename T>
constexpr auto kFields = std::tuple<>{};
template <>
constexpr auto kFields<Extensions> = std::tuple{&Extensions::names};
template <>
constexpr auto kFields<Error> = std::tuple{&Error::message};
template <>
constexpr auto kFields<Transfer> =
    std::tuple{&Transfer::direction, &Transfer::key, &Transfer::file};
template <>
constexpr auto kFields<CheckPresent> = std::tuple{&CheckPresent::key};
template <>
constexpr auto kFields<Remove> = std::tuple{&Remove::key};
template <>
constexpr auto kFields<ClaimUrl> = std::tuple{&ClaimUrl::url};
template <>
constexpr auto kFields<CheckUrl> = std::tuple{&CheckUrl::url};
template <>
constexpr auto kFields<WhereIs> = std::tuple{&WhereIs::key};
template <>
constexpr auto kFields<Export> = std::tuple{&Export::name};
template <>
constexpr auto kFields<TransferExport> =
    std::tuple{&TransferExport::direction, &TransferExport::key, &TransferExport::file};
template <>
constexpr auto kFields<CheckPresentExport> = std::tuple{&CheckPresentExport::key};
template <>
constexpr auto kFields<RemoveExport> = std::tuple{&RemoveExport::key};
template <>
constexpr auto kFields<RemoveExportDirectory> = std::tuple{&RemoveExportDirectory::directory};
template <>
constexpr auto kFields<RenameExport> = std::tuple{&RenameExport::key, &RenameExport::new_name};
template <>
constexpr auto kFields<Value> = std::tuple{&Value::value};
template <>
constexpr auto kFields<Creds> = std::tuple{&Creds::user, &Creds::password};
template <>
constexpr auto kFields<Version> = std::tuple{&Version::version};
template <>
constexpr auto kFields<InitRemoteFailure> = std::tuple{&InitRemoteFailure::message};
template <>
constexpr auto kFields<PrepareFailure> = std::tuple{&PrepareFailure::message};
template <>
constexpr auto kFields<TransferSuccess> =
    std::tuple{&TransferSuccess::direction, &TransferSuccess::key};
template <>
constexpr auto kFields<TransferFailure> =
    std::tuple{&TransferFailure::direction, &TransferFailure::key, &TransferFailure::message};
template <>
constexpr auto kFields<Progress> = std::tuple{&Progress::bytes};
template <>
constexpr auto kFields<CheckPresentSuccess> = std::tuple{&CheckPresentSuccess::key};
template <>
constexpr auto kFields<CheckPresentFailure> = std::tuple{&CheckPresentFailure::key};
template <>
constexpr auto kFields<CheckPresentUnknown> =
    std::tuple{&CheckPresentUnknown::key, &CheckPresentUnknown::message};
template <>
constexpr auto kFields<RemoveSuccess> = std::tuple{&RemoveSuccess::key};
template <>
constexpr auto kFields<RemoveFailure> = std::tuple{&RemoveFailure::key, &RemoveFailure::message};
template <>
constexpr auto kFields<Config> = std::tuple{&Config::name, &Config::description};
template <>
constexpr auto kFields<Cost> = std::tuple{&Cost::cost};
template <>
constexpr auto kFields<Availability> = std::tuple{&Availability::kind};
template <>
constexpr auto kFields<CheckUrlContents> =
    std::tuple{&CheckUrlContents::size, &CheckUrlContents::filename};
template <>
constexpr auto kFields<CheckUrlMulti> = std::tuple{&CheckUrlMulti::entries};
template <>
constexpr auto kFields<CheckUrlFailure> = std::tuple{&CheckUrlFailure::message};
template <>
constexpr auto kFields<WhereIsSuccess> = std::tuple{&WhereIsSuccess::location};
template <>
constexpr auto kFields<InfoField> = std::tuple{&InfoField::name};
template <>
constexpr auto kFields<InfoValue> = std::tuple{&InfoValue::value};
template <>
constexpr auto kFields<RenameExportSuccess> = std::tuple{&RenameExportSuccess::key};
template <>
constexpr auto kFields<RenameExportFailure> = std::tuple{&RenameExportFailure::key};
template <>
constexpr auto kFields<DirHash> = std::tuple{&DirHash::key};
template <>
constexpr auto kFields<DirHashLower> = std::tuple{&DirHashLower::key};
template <>
constexpr auto kFields<SetConfig> = std::tuple{&SetConfig::name, &SetConfig::value};
template <>
constexpr auto kFields<GetConfig> = std::tuple{&GetConfig::name};
template <>
constexpr auto kFields<SetCreds> =
    std::tuple{&SetCreds::setting, &SetCreds::user, &SetCreds::password};
template <>
constexpr auto kFields<GetCreds> = std::tuple{&GetCreds::setting};
template <>
constexpr auto kFields<SetWanted> = std::tuple{&SetWanted::expression};
template <>
constexpr auto kFields<SetState> = std::tuple{&SetState::key, &SetState::value};
template <>
constexpr auto kFields<GetState> = std::tuple{&GetState::key};
template <>
constexpr auto kFields<SetUrlPresent> = std::tuple{&SetUrlPresent::key, &SetUrlPresent::url};
template <>
constexpr auto kFields<SetUrlMissing> = std::tuple{&SetUrlMissing::key, &SetUrlMissing::url};
template <>
constexpr auto kFields<SetUriPresent> = std::tuple{&SetUriPresent::key, &SetUriPresent::uri};
template <>
constexpr auto kFields<SetUriMissing> = std::tuple{&SetUriMissing::key, &SetUriMissing::uri};
template <>
constexpr auto kFields<GetUrls> = std::tuple{&GetUrls::key, &GetUrls::prefix};
template <>
constexpr auto kFields<Debug> = std::tuple{&Debug::message};
template <>
constexpr auto kFields<Info> = std::tuple{&Info::message};

template <typename T>
constexpr std::size_t kArity = std::tuple_size_v<std::remove_const_t<decltype(kFields<T>)>>;

template <typename T>
constexpr bool kNeverTagged =
    std::is_same_v<T, Version> || std::is_same_v<T, Extensions> || std::is_same_v<T, Error>;

// ---- One parameter: text -> value (nullopt on success, else why it was rejected) ---------------

using Problem = std::optional<std::string>;

Problem decode(std::string_view text, std::string& out) {
    out = text;
    return std::nullopt;
}

template <std::integral Int>
Problem decode(std::string_view text, Int& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return fmt::format("\"{}\" is not a valid number", text);
    }
    return std::nullopt;
}

Problem decode(std::string_view text, std::optional<std::uint64_t>& out) {
    if (text == "UNKNOWN") {
        out.reset();
        return std::nullopt;
    }
    return decode(text, out.emplace());
}

Problem decode(std::string_view text, Direction& out) {
    if (text == "STORE") {
        out = Direction::store;
    } else if (text == "RETRIEVE") {
        out = Direction::retrieve;
    } else {
        return fmt::format("unknown direction \"{}\" (expected STORE or RETRIEVE)", text);
    }
    return std::nullopt;
}

Problem decode(std::string_view text, AvailabilityKind& out) {
    if (text == "GLOBAL") {
        out = AvailabilityKind::global;
    } else if (text == "LOCAL") {
        out = AvailabilityKind::local;
    } else {
        return fmt::format("unknown availability \"{}\" (expected GLOBAL or LOCAL)", text);
    }
    return std::nullopt;
}

// Splits on every single space, keeping empty words.
std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    for (std::size_t pos; (pos = text.find(' ')) != std::string_view::npos;) {
        words.push_back(text.substr(0, pos));
        text.remove_prefix(pos + 1);
    }
    words.push_back(text);
    return words;
}

// A space-separated list; empty words (e.g. from "EXTENSIONS ") are ignored.
Problem decode(std::string_view text, std::vector<std::string>& out) {
    out.clear();
    for (std::string_view word : split_words(text)) {
        if (!word.empty()) out.emplace_back(word);
    }
    return std::nullopt;
}

// Url Size Filename triples; the filename may be empty, so words are counted, not skipped.
Problem decode(std::string_view text, std::vector<CheckUrlMulti::Entry>& out) {
    out.clear();
    if (text.empty()) return std::nullopt;
    std::vector<std::string_view> words = split_words(text);
    if (words.size() % 3 != 0) return "expected Url Size Filename triples";
    for (std::size_t i = 0; i < words.size(); i += 3) {
        CheckUrlMulti::Entry& entry = out.emplace_back();
        entry.url = words[i];
        entry.filename = words[i + 2];
        if (Problem problem = decode(words[i + 1], entry.size)) return problem;
    }
    return std::nullopt;
}

// ---- One parameter: value -> text ------------------------------------------------------------

// Replaces line breaks, which would split the message.
std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

std::string encode(const std::string& value) { return one_line(value); }
template <std::integral Int>
std::string encode(Int value) {
    return fmt::format("{}", value);
}
std::string encode(const std::optional<std::uint64_t>& size) {
    return size ? encode(*size) : std::string("UNKNOWN");
}
std::string encode(Direction direction) {
    return direction == Direction::store ? "STORE" : "RETRIEVE";
}
std::string encode(AvailabilityKind kind) {
    return kind == AvailabilityKind::global ? "GLOBAL" : "LOCAL";
}
std::string encode(const std::vector<std::string>& words) {
    return one_line(fmt::format("{}", fmt::join(words, " ")));
}
std::string encode(const std::vector<CheckUrlMulti::Entry>& entries) {
    std::string out;
    for (const CheckUrlMulti::Entry& entry : entries) {
        if (!out.empty()) out += ' ';
        out += fmt::format("{} {} {}", one_line(entry.url), encode(entry.size),
                           one_line(entry.filename));
    }
    return out;
}

// ---- Whole messages --------------------------------------------------------------------------

// Parses the parameters of a T; `params` is nullopt when the command had no space after it.
template <typename T>
std::expected<T, std::string> parse_params(std::optional<std::string_view> params) {
    constexpr std::size_t n = kArity<T>;
    T message{};
    if constexpr (n == 0) {
        if (params) return std::unexpected(fmt::format("{} takes no parameters", T::kCommand));
        return message;
    } else {
        auto wrong_count = [] {
            return std::unexpected(fmt::format("{} takes {} parameter{}", T::kCommand, kArity<T>,
                                               kArity<T> == 1 ? "" : "s"));
        };
        if (!params) return wrong_count();
        std::array<std::string_view, n> words;
        std::string_view rest = *params;
        for (std::size_t i = 0; i + 1 < n; ++i) {
            std::size_t space = rest.find(' ');
            if (space == std::string_view::npos) return wrong_count();
            words[i] = rest.substr(0, space);
            rest.remove_prefix(space + 1);
        }
        words[n - 1] = rest;
        Problem problem;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((problem = decode(words[I], message.*std::get<I>(kFields<T>))) || ...);
        }
        (std::make_index_sequence<n>{});
        if (problem) return std::unexpected(fmt::format("{}: {}", T::kCommand, *problem));
        return message;
    }
}

template <typename T>
concept HasCommand = requires {
    T::kCommand;
};

// Parses `command` and its parameters as whichever alternative of Variant has that command;
// nullopt when none does.
template <typename Variant>
std::optional<std::expected<Variant, std::string>> parse_command(
    std::string_view command, std::optional<std::string_view> params) {
    std::optional<std::expected<Variant, std::string>> result;
    auto try_type = [&]<typename T>(std::type_identity<T>) {
        if constexpr (HasCommand<T>) {
            if (command != T::kCommand) return false;
            std::expected<T, std::string> parsed = parse_params<T>(params);
            if (parsed) {
                result = Variant(std::move(*parsed));
            } else {
                result = std::unexpected(std::move(parsed.error()));
            }
            return true;
        }
        return false;
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (try_type(std::type_identity<std::variant_alternative_t<I, Variant>>{}) || ...);
    }
    (std::make_index_sequence<std::variant_size_v<Variant>>{});
    return result;
}

template <typename Variant>
std::expected<Tagged<Variant>, ParseError> parse_line(std::string_view line) {
    auto reject = [line](std::string_view why) {
        return std::unexpected(ParseError{fmt::format("malformed line \"{}\": {}", line, why)});
    };
    Tagged<Variant> tagged;
    std::string_view rest = line;
    if (rest.starts_with("J ")) {
        rest.remove_prefix(2);
        std::size_t space = rest.find(' ');
        std::string_view number = rest.substr(0, space);
        if (decode(number, tagged.job.emplace())) {
            return reject(fmt::format("bad job number \"{}\"", number));
        }
        if (space == std::string_view::npos) return reject("no command after the job number");
        rest.remove_prefix(space + 1);
    }
    std::size_t space = rest.find(' ');
    std::string_view command = rest.substr(0, space);
    std::optional<std::string_view> params;
    if (space != std::string_view::npos) params = rest.substr(space + 1);
    if (command.empty()) return reject("no command");

    std::optional<std::expected<Variant, std::string>> parsed =
        parse_command<Variant>(command, params);
    if (!parsed) {
        if constexpr (std::is_same_v<Variant, FromAnnex>) {
            parsed = Variant(Unknown{std::string(rest)});
        } else {
            return reject(fmt::format("unknown command \"{}\"", command));
        }
    }
    if (!*parsed) return reject(parsed->error());
    tagged.message = std::move(**parsed);
    bool never_tagged =
        std::visit([]<typename T>(const T&) { return kNeverTagged<T>; }, tagged.message);
    if (tagged.job && never_tagged) {
        return reject(fmt::format("{} cannot carry a job number", command));
    }
    return tagged;
}

template <typename T>
void append_message(std::string& out, const T& message) {
    if constexpr (std::is_same_v<T, Unknown>) {
        out += one_line(message.line);
    } else {
        out += T::kCommand;
        std::apply([&](auto... field) { ((out += ' ', out += encode(message.*field)), ...); },
                   kFields<T>);
    }
}

template <typename Variant>
std::string serialise_line(const Tagged<Variant>& tagged) {
    std::string out;
    std::visit(
        [&]<typename T>(const T& message) {
            if (tagged.job && !kNeverTagged<T>) out = fmt::format("J {} ", *tagged.job);
            append_message(out, message);
        },
        tagged.message);
    return out;
}

}  // namespace

std::expected<Tagged<FromAnnex>, ParseError> parse_from_annex(std::string_view line) {
    return parse_line<FromAnnex>(line);
}

std::expected<Tagged<FromRemote>, ParseError> parse_from_remote(std::string_view line) {
    return parse_line<FromRemote>(line);
}

std::string serialise(const Tagged<FromAnnex>& message) { return serialise_line(message); }

std::string serialise(const Tagged<FromRemote>& message) { return serialise_line(message); }

}  // namespace gad::protocol
