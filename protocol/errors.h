// The two exceptions that end a conversation from inside a handler call. They deliberately do
// not derive from std::exception, so a handler's `catch (const std::exception&)` (used to turn
// its own failures into *-FAILURE replies) lets them through to the dispatcher.
#pragma once

#include <string>

namespace gad::protocol {

// The conversation is over (git-annex closed stdin, sent ERROR, or the remote sent ERROR) while
// a query awaited its reply. The dispatcher catches it and stops without writing that job's reply.
struct ConnectionClosed {};

// git-annex answered a query with the wrong message. The dispatcher sends ERROR with `message`
// and stops with a protocol error.
struct ProtocolViolation {
    std::string message;  // One line.
};

}  // namespace gad::protocol
