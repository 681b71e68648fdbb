// POSIX resources owned by one object and released when it goes away: a file descriptor
// (closed), and the name of a temporary file not yet renamed into place (unlinked).
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

namespace gad::core {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

    // Closes the descriptor now; returns close()'s result (0 when there was none).
    int reset() { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }

  private:
    int fd_ = -1;
};

// The path of a temporary file, unlinked when this goes away unless keep() was called (once the
// file is complete and renamed into place).
class UnlinkUnlessKept {
  public:
    explicit UnlinkUnlessKept(std::string path) : path_(std::move(path)) {}
    UnlinkUnlessKept(const UnlinkUnlessKept&) = delete;
    UnlinkUnlessKept& operator=(const UnlinkUnlessKept&) = delete;
    ~UnlinkUnlessKept() {
        if (!kept_) ::unlink(path_.c_str());
    }

    void keep() { kept_ = true; }

  private:
    std::string path_;
    bool kept_ = false;
};

}  // namespace gad::core
