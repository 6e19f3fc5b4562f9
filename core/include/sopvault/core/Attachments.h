// Attachments of a SOP version (issue 16): what kind of file the bytes are, which kinds show
// inline, and the one home of the rules for an attachment's name.
#pragma once

#include "sopvault/crypto/Bytes.h"
#include "sopvault/crypto/Error.h"

#include <optional>
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

// The attachment name a Markdown link or image target refers to: a relative target, its
// %-escapes decoded, its #fragment and ?query dropped, normalised as above. Nothing for a URL,
// an anchor, an absolute path or a name no attachment can have. The one reading of a target as
// an attachment, for import, export, the reader and PDF.
[[nodiscard]] std::optional<std::string> attachmentNameFor(std::string_view target);

// "attachment:<name>", the name %-encoded: how a page rendered for a front end (the desktop's
// reader and its PDF) names one of its SOP's attachments, for the front end to show from the
// vault. Never written into a file anyone else reads.
[[nodiscard]] std::string attachmentUrl(std::string_view name);
// The name an attachment: URL carries (decoded and normalised), or nothing.
[[nodiscard]] std::optional<std::string> attachmentFromUrl(std::string_view url);

} // namespace sopvault::core
