// The two halves of an SFTP transfer with several requests in flight (one request per round trip
// would be slow over any distance): sending a local file to a remote file, and reading a remote
// file in order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/filestore/filestore.h"
#include "core/ssh/ssh_session.h"

namespace gad::core::filestore::sftp {

// Sends the file open as in (source names it) from where it is to its end into the remote file
// out (path names it) from offset 0, feeding check on the way and stopping with a failure once
// the content is longer than check's key says. Every write is answered before this returns;
// returns the number of bytes sent. A failed write names a full disk when that is the cause.
Result<std::uint64_t> upload(ssh::SshSession& session, int in, const std::filesystem::path& source,
                             sftp_file_struct* out, const std::string& path, StreamCheck& check,
                             const Progress& progress);

// Reads the first size bytes of the remote file in (path names it) with several reads in
// flight, passing each piece to consume in order (consume may stop the reading by failing).
// Fails naming `object` (e.g. "object KEY in sftp://...") when the file ends early, and path
// when a read fails.
Result<void> download(ssh::SshSession& session, sftp_file_struct* in, std::uint64_t size,
                      const std::string& path, std::string_view object,
                      const std::function<Result<void>(std::span<const std::byte>)>& consume);

// Bytes of reads or writes in flight during a transfer, and how often progress is reported.
inline constexpr std::size_t kBytesInFlight = 4 << 20;
inline constexpr std::uint64_t kProgressStep = 1 << 20;

}  // namespace gad::core::filestore::sftp
