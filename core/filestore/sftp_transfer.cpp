#include "core/filestore/sftp_transfer.h"

#include <libssh/sftp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "core/filestore/sftp_remote.h"

namespace gad::core::filestore::sftp {

using ssh::SshSession;

namespace {

// Requests in flight for requests of the given size: enough to hide the round trip (OpenSSH's
// sftp keeps 64 x 32 KiB), as requests of the largest size the server takes.
std::size_t requests_in_flight(std::size_t request) {
    return std::clamp<std::size_t>(kBytesInFlight / request, 4, 128);
}

// Sends data (the content at offset) as writes of at most the server's request size, waiting
// for the oldest answer whenever depth writes are in flight.
Result<void> send_block(SshSession& session, sftp_file_struct* out, const std::string& path,
                        std::uint64_t offset, std::span<const std::byte> data, std::size_t depth) {
    const std::size_t request = session.max_request();
    for (std::size_t done = 0; done < data.size();) {
        SshSession::Status status;
        if (session.writes_in_flight() >= depth) status = session.await_write();
        const std::size_t length = std::min(request, data.size() - done);
        if (status.ok()) {
            status = session.send_write(out, offset + done, data.subspan(done, length));
        }
        if (!status.ok()) {
            const SshSession::Status first = session.await_writes();
            const SshSession::Status& cause = first.ok() ? status : first;
            return std::unexpected(write_failure(
                session, path, session.failure(fmt::format("cannot write {}", path), cause),
                cause.code));
        }
        done += length;
    }
    return {};
}

// Reads of one remote file with several requests in flight, answered in the order sent, so the
// content comes out sequentially.
class PipelinedRead {
  public:
    PipelinedRead(SshSession& session, sftp_file_struct* in, std::uint64_t size,
                  const std::string& path, std::string_view object)
        : session_(session),
          in_(in),
          size_(size),
          path_(path),
          object_(object),
          request_size_(static_cast<std::uint32_t>(session.max_request())),
          depth_(requests_in_flight(request_size_)),
          buffer_(request_size_) {}

    // Answers still due are read and dropped: libssh keeps them otherwise.
    ~PipelinedRead() {
        if (in_flight_.empty()) return;
        in_->eof = 0;  // libssh answers 0 without reading once it has seen the end of the file
        for (const Request& pending : in_flight_) {
            if (!session_.usable()) break;
            sftp_async_read(in_, buffer_.data(), pending.length,
                            static_cast<std::uint32_t>(pending.id));
        }
    }
    PipelinedRead(const PipelinedRead&) = delete;
    PipelinedRead& operator=(const PipelinedRead&) = delete;

    // The next piece of the file, empty at its end.
    Result<std::span<const std::byte>> next() {
        if (auto sent = send_requests(); !sent) return std::unexpected(sent.error());
        if (in_flight_.empty()) return std::span<const std::byte>();
        const Request front = in_flight_.front();
        in_flight_.pop_front();
        const int got = sftp_async_read(in_, buffer_.data(), front.length,
                                        static_cast<std::uint32_t>(front.id));
        if (got < 0) return std::unexpected(read_failure());
        const std::uint32_t filled = complete(front, static_cast<std::uint32_t>(got));
        if (filled < front.length) {
            if (!session_.usable()) return std::unexpected(read_failure());
            return fail("{} is damaged: it ends after {} bytes instead of {}", object_,
                        front.offset + filled, size_);
        }
        return std::span<const std::byte>(buffer_.data(), filled);
    }

  private:
    struct Request {
        int id;
        std::uint64_t offset;
        std::uint32_t length;
    };

    Failure read_failure() const { return session_.failure(fmt::format("cannot read {}", path_)); }

    // Keeps depth_ reads in flight while the file has bytes not asked for yet.
    Result<void> send_requests() {
        while (in_flight_.size() < depth_ && requested_ < size_) {
            const auto length = static_cast<std::uint32_t>(
                std::min<std::uint64_t>(request_size_, size_ - requested_));
            const int id = sftp_async_read_begin(in_, length);
            if (id < 0) return std::unexpected(read_failure());
            in_flight_.push_back({id, requested_, length});
            requested_ += length;
        }
        return {};
    }

    // After a short answer of got bytes to request (the server may cap reads): fetches the rest
    // of that piece at once. Returns the bytes of the piece in buffer_.
    std::uint32_t complete(const Request& request, std::uint32_t got) {
        std::uint32_t filled = got;
        if (filled == request.length || !session_.usable() || in_->eof) return filled;
        sftp_seek64(in_, request.offset + filled);
        while (filled < request.length) {
            const ssize_t more = sftp_read(in_, buffer_.data() + filled, request.length - filled);
            if (more <= 0) break;
            filled += static_cast<std::uint32_t>(more);
        }
        sftp_seek64(in_, requested_);
        return filled;
    }

    SshSession& session_;
    sftp_file_struct* in_;
    const std::uint64_t size_;
    const std::string& path_;
    std::string_view object_;
    const std::uint32_t request_size_;
    const std::size_t depth_;
    std::vector<std::byte> buffer_;
    std::deque<Request> in_flight_;
    std::uint64_t requested_ = 0;
};

}  // namespace

Result<std::uint64_t> upload(SshSession& session, int in, const std::filesystem::path& source,
                             sftp_file_struct* out, const std::string& path, StreamCheck& check,
                             const Progress& progress) {
    // Every answer is awaited before any other SFTP call (and before the handle is closed).
    struct Settle {
        SshSession& session;
        ~Settle() { session.await_writes(); }
    } settle{session};
    const std::size_t request = session.max_request();
    const std::size_t depth = requests_in_flight(request);
    std::uint64_t total = 0;
    auto read = read_blocks(
        in, source,
        [&](std::span<const std::byte> block) -> Result<void> {
            // Content beyond the key's size is never sent.
            if (auto bounded = check.within_size(total + block.size(), source.string()); !bounded) {
                return bounded;
            }
            check.update(block);
            if (auto sent = send_block(session, out, path, total, block, depth); !sent) return sent;
            total += block.size();
            if (progress) progress(total);
            return {};
        },
        std::max<std::size_t>(1, kProgressStep / request) * request);
    if (!read) return std::unexpected(read.error());
    if (SshSession::Status status = session.await_writes(); !status.ok()) {
        return std::unexpected(write_failure(
            session, path, session.failure(fmt::format("cannot write {}", path), status),
            status.code));
    }
    return total;
}

Result<void> download(SshSession& session, sftp_file_struct* in, std::uint64_t size,
                      const std::string& path, std::string_view object,
                      const std::function<Result<void>(std::span<const std::byte>)>& consume) {
    PipelinedRead read(session, in, size, path, object);
    while (true) {
        auto piece = read.next();
        if (!piece) return std::unexpected(piece.error());
        if (piece->empty()) return {};
        if (auto consumed = consume(*piece); !consumed) return consumed;
    }
}

}  // namespace gad::core::filestore::sftp
