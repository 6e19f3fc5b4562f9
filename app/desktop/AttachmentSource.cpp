// AttachmentSource: the version's attachments through the controller, the pending ones in memory.
#include "AttachmentSource.h"

#include "sopvault/core/Attachments.h"
#include "sopvault/core/Links.h"

#include <QFileInfo>

#include <algorithm>

namespace sopvault::desktop {

QImage decodeImage(crypto::ByteView bytes)
{
    return QImage::fromData(bytes.data(), int(bytes.size()));
}

void AttachmentSource::show(std::optional<core::Id> sop, std::uint64_t version,
                            std::vector<core::AttachmentInfo> listed)
{
    m_sop = sop;
    m_version = version;
    m_listed = std::move(listed);
    m_pending.clear();
    m_images.clear();
}

std::vector<core::AttachmentInfo> AttachmentSource::listed() const
{
    std::vector<core::AttachmentInfo> out;
    for (const auto& a : m_listed) {
        const bool replaced =
            std::any_of(m_pending.begin(), m_pending.end(),
                        [&](const core::AttachmentFile& f) { return f.name == a.name; });
        if (!replaced) {
            out.push_back(a);
        }
    }
    for (const auto& f : m_pending) {
        core::AttachmentInfo info;
        info.name = f.name;
        info.type = core::sniffType(f.bytes);
        info.size = f.bytes.size();
        info.inlineImage = core::showsInline(info.type);
        out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(),
              [](const core::AttachmentInfo& a, const core::AttachmentInfo& b) {
                  return a.name < b.name;
              });
    return out;
}

std::optional<core::AttachmentInfo> AttachmentSource::find(const QString& name) const
{
    const std::string wanted = toStd(name);
    for (auto& a : listed()) {
        if (a.name == wanted) {
            return a;
        }
    }
    return std::nullopt;
}

Outcome<QString> AttachmentSource::addPending(const QString& name, crypto::Bytes bytes)
{
    auto normalised = core::normaliseAttachmentName(toStd(name));
    if (!normalised) {
        return std::unexpected(VaultController::failure(normalised.error()));
    }
    std::erase_if(m_pending, [&](const core::AttachmentFile& f) { return f.name == *normalised; });
    m_images.remove(toQString(*normalised));
    m_pending.push_back({*normalised, std::move(bytes)});
    return toQString(*normalised);
}

QString AttachmentSource::freeName(const QString& wanted) const
{
    const auto all = listed();
    auto taken = [&](const QString& name) {
        const std::string n = toStd(name);
        return std::any_of(all.begin(), all.end(),
                           [&](const core::AttachmentInfo& a) { return a.name == n; });
    };
    if (!taken(wanted)) {
        return wanted;
    }
    const QFileInfo info(wanted);
    const QString dir = info.path() == QStringLiteral(".") ? QString() : info.path() + u'/';
    const QString suffix = info.suffix().isEmpty() ? QString() : u'.' + info.suffix();
    for (int n = 2;; ++n) {
        const QString candidate =
            QStringLiteral("%1%2 %3%4").arg(dir, info.completeBaseName()).arg(n).arg(suffix);
        if (!taken(candidate)) {
            return candidate;
        }
    }
}

std::vector<core::AttachmentFile> AttachmentSource::pendingReferencedBy(std::string_view body) const
{
    std::vector<std::string> referenced;
    for (const core::LinkTarget& t : core::linkTargets(body)) {
        if (auto name = core::attachmentNameFor(t.url)) {
            referenced.push_back(std::move(*name));
        }
    }
    std::vector<core::AttachmentFile> out;
    for (const auto& f : m_pending) {
        if (std::find(referenced.begin(), referenced.end(), f.name) != referenced.end()) {
            out.push_back({f.name, f.bytes});
        }
    }
    return out;
}

QImage AttachmentSource::image(const QString& name)
{
    if (auto cached = m_images.constFind(name); cached != m_images.constEnd()) {
        return *cached;
    }
    QImage decoded;
    const std::string wanted = toStd(name);
    const auto pending =
        std::find_if(m_pending.begin(), m_pending.end(),
                     [&](const core::AttachmentFile& f) { return f.name == wanted; });
    if (pending != m_pending.end()) {
        decoded = decodeImage(pending->bytes);
    } else if (m_sop) {
        const auto info = find(name);
        if (info && info->inlineImage) {
            if (auto data = m_controller.openAttachment(*m_sop, m_version, name)) {
                decoded = decodeImage(data->bytes.span());
            }
        }
    }
    m_images.insert(name, decoded);
    return decoded;
}

} // namespace sopvault::desktop
