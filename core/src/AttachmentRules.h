// The attachment rules behind the Session calls (Attachments.cpp): sealing new files into a
// version's content, and opening one back with every binding checked.
#pragma once

#include "Engine.h"

namespace sopvault::core::detail {

[[nodiscard]] AttachmentInfo attachmentInfo(const AttachmentRef& ref);

// Applies an edit's removals and additions to `content` (same name: replaced; the same bytes as
// an attachment the content already lists: its blob and key are reused), within the caps.
// Returns the ciphertexts of files new to this SOP, for writeVersion.
[[nodiscard]] Result<std::vector<AttachmentBlob>>
changeAttachments(const Engine& e, const Id& sopId, const Id& collection, SopContent& content,
                  std::vector<AttachmentFile> add, const std::vector<std::string>& remove);

// One attachment's plaintext, checked against its reference: the blob present, its bytes
// hashing to the blob id, filed under this SOP, opening under the key and bindings, and hashing
// to the content hash. `integrity` naming the failure otherwise.
[[nodiscard]] Result<crypto::SecureBuffer> openBlob(const Engine& e, const Id& sopId,
                                                    const Id& collection, const AttachmentRef& ref);

} // namespace sopvault::core::detail
