// The channel through which an Annex talks to git-annex for one job: the dispatcher implements
// it (adding the job's "J <n>" tag and routing replies), and tests implement it with fakes.
#pragma once

#include "protocol/messages.h"

namespace gad::protocol {

class AnnexLink {
  public:
    virtual ~AnnexLink() = default;

    // Sends one message to git-annex on behalf of this job.
    virtual void send(const FromRemote& message) = 0;

    // Blocks until git-annex's next message for this job arrives and returns it.
    // Throws ConnectionClosed if the conversation ends first.
    virtual FromAnnex receive() = 0;
};

}  // namespace gad::protocol
