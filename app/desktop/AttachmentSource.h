// The attachments one page shows: those of a SOP version, opened from the vault when the page
// asks for an image, and in the editor the files pasted or dropped that the next save attaches.
#pragma once

#include "VaultController.h"

#include <QHash>
#include <QImage>
#include <QString>

#include <optional>
#include <vector>

namespace sopvault::desktop {

// The image in an attachment's bytes (a null image when they are not one Qt can read).
[[nodiscard]] QImage decodeImage(crypto::ByteView bytes);

class AttachmentSource
{
public:
    explicit AttachmentSource(VaultController& controller) : m_controller(controller) {}

    // The version on screen (none: a SOP not saved yet) and what it lists. Pending files and
    // decoded images of the page before are dropped.
    void show(std::optional<core::Id> sop, std::uint64_t version,
              std::vector<core::AttachmentInfo> listed);
    void clear() { show(std::nullopt, 0, {}); }

    // What the page can show or link to: the version's attachments, with the pending ones in
    // place of any of the same name.
    [[nodiscard]] std::vector<core::AttachmentInfo> listed() const;
    [[nodiscard]] std::optional<core::AttachmentInfo> find(const QString& name) const;

    // A file for the next save, named as the text will reference it (core normalises the name
    // and decides its type from the bytes); the normalised name, or why it cannot be attached.
    [[nodiscard]] Outcome<QString> addPending(const QString& name, crypto::Bytes bytes);
    // `wanted`, or "stem 2.ext", "stem 3.ext"... so that no listed attachment has the name.
    [[nodiscard]] QString freeName(const QString& wanted) const;
    // The pending files the body still references: a screenshot pasted and then deleted from
    // the text is not attached.
    [[nodiscard]] std::vector<core::AttachmentFile>
    pendingReferencedBy(std::string_view body) const;

    // The image an attachment holds, decoded once for as long as the page is shown; a null
    // image when there is no such attachment, it is not an image, or it cannot be opened.
    [[nodiscard]] QImage image(const QString& name);

private:
    VaultController& m_controller;
    std::optional<core::Id> m_sop;
    std::uint64_t m_version = 0;
    std::vector<core::AttachmentInfo> m_listed;
    std::vector<core::AttachmentFile> m_pending;
    QHash<QString, QImage> m_images;
};

} // namespace sopvault::desktop
