// Which SOPs each SOP's newest version links to, kept per head: the "linked from" question asks
// every viewable SOP, and only those whose head changed since the last question are read again.
#pragma once

#include "State.h"

#include <map>
#include <vector>

namespace sopvault::core::detail {

struct Engine;

class LinkIndex
{
public:
    // The SOPs of this vault that `sop`'s newest version links to (sopvault:// links), each once,
    // in the order they first appear. `sop` must be one the person may view.
    [[nodiscard]] Result<std::vector<Id>> targets(const Engine& e, const Id& sopId,
                                                  const SopRecordState& sop);

private:
    struct Entry
    {
        crypto::Hash32 head{};
        std::vector<Id> targets;
    };
    std::map<Id, Entry> m_entries;
};

} // namespace sopvault::core::detail
