// Attachments of a SOP version (issue 16): what kind of file the bytes are, which kinds show
// inline, and the one home of the rules for an attachment's name.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"

#include <string>
#include <string_view>

namespace sopvault::core {

// The media type the bytes themselves say (never the name): image/png, image/jpeg, image/gif,
// image/webp, image/svg+xml, application/pdf, text/plain, else application/octet-stream.
[[nodiscard]] std::string sniffType(crypto::ByteView bytes);
// Whether a reader or export shows this type as an image (PNG, JPEG, GIF, WebP); everything
// else, SVG included, is a file to open or save.
[[nodiscard]] bool showsInline(std::string_view type);
// The name as the Markdown references it, normalised: forward slashes, no "." or empty
// segments, ".." only as leading segments, no scheme, no absolute path, no control characters,
// at most 255 bytes a segment. `usage` naming the problem otherwise.
[[nodiscard]] Result<std::string> normaliseAttachmentName(std::string_view raw);

} // namespace sopvault::core
