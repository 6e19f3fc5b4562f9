// SyncStatus: words, colour and tooltip for each sync state; clickable only for a conflict.
#include "SyncStatus.h"

#include "Widgets.h"

#include <QDateTime>
#include <QTimeZone>

namespace sopvault::desktop {

namespace {

QString clockTime(core::Timestamp t)
{
    return QDateTime::fromSecsSinceEpoch(t, QTimeZone::utc())
        .toLocalTime()
        .toString(QStringLiteral("HH:mm"));
}

} // namespace

QString syncStatusText(const SyncState& state)
{
    using Kind = SyncState::Kind;
    switch (state.kind) {
    case Kind::NotShared:
        return SyncStatus::tr("Not shared");
    case Kind::Synced:
        return state.syncing ? SyncStatus::tr("Syncing…") : SyncStatus::tr("Synced");
    case Kind::Waiting:
        return SyncStatus::tr("%n waiting", nullptr, int(state.pending));
    case Kind::Offline:
        return SyncStatus::tr("Offline since %1").arg(clockTime(state.since));
    case Kind::Conflict:
        return SyncStatus::tr("Conflict");
    case Kind::Failed:
        return SyncStatus::tr("Sync stopped");
    }
    return {};
}

QString syncStatusToolTip(const SyncState& state)
{
    using Kind = SyncState::Kind;
    if (state.kind == Kind::NotShared) {
        return SyncStatus::tr("This vault lives in this file only. An owner can share it with "
                              "File > Share on a server….");
    }
    QStringList lines;
    lines << SyncStatus::tr("Server: %1").arg(state.server);
    switch (state.kind) {
    case Kind::Offline:
        lines << SyncStatus::tr("The server cannot be reached since %1; you work on this "
                                "computer's copy and your changes go up when it is back.")
                     .arg(formatTime(state.since));
        break;
    case Kind::Conflict:
        lines << SyncStatus::tr("%n of your edits met another edit of the same version. Click "
                                "to decide which to keep.",
                                nullptr, int(state.conflicts));
        break;
    case Kind::Failed:
        lines << state.message;
        break;
    default:
        break;
    }
    if (state.pending > 0) {
        lines << SyncStatus::tr("%n record(s) written here wait to go up.", nullptr,
                                int(state.pending));
    }
    lines << (state.lastSync == 0
                  ? SyncStatus::tr("Never synced.")
                  : SyncStatus::tr("Last synced %1.").arg(formatTime(state.lastSync)));
    if (!state.fingerprint.isEmpty()) {
        lines << SyncStatus::tr("Fingerprint %1: compare it with a colleague's.")
                     .arg(state.fingerprint);
    }
    lines << SyncStatus::tr("F5 syncs now.");
    return lines.join(u'\n');
}

SyncStatus::SyncStatus(QWidget* parent) : QToolButton(parent)
{
    setObjectName(QStringLiteral("syncStatus"));
    setAutoRaise(true);
    setToolButtonStyle(Qt::ToolButtonTextOnly);
    setFocusPolicy(Qt::NoFocus);
    connect(this, &QToolButton::clicked, this, [this] {
        if (m_state.kind == SyncState::Kind::Conflict) {
            emit conflictClicked();
        }
    });
    setState(SyncState{});
}

void SyncStatus::setState(const SyncState& state)
{
    using Kind = SyncState::Kind;
    m_state = state;
    setText(syncStatusText(state));
    setToolTip(syncStatusToolTip(state));
    setAccessibleName(tr("Team sync: %1").arg(text()));
    // Colour says how urgent, the words say what: readable on a light and a dark palette.
    QColor colour;
    switch (state.kind) {
    case Kind::Synced:
        colour = themed(QColor(0x1a, 0x6b, 0x2e), QColor(0x7d, 0xd3, 0x8f));
        break;
    case Kind::Waiting:
    case Kind::Offline:
        colour = themed(QColor(0x8a, 0x5a, 0x00), QColor(0xf0, 0xc0, 0x60));
        break;
    case Kind::Conflict:
    case Kind::Failed:
        colour = themed(QColor(0xb0, 0x1f, 0x1f), QColor(0xff, 0x8a, 0x80));
        break;
    case Kind::NotShared:
        colour = themed(QColor(0x5f, 0x66, 0x70), QColor(0xa8, 0xae, 0xb8));
        break;
    }
    const bool urgent = state.kind == Kind::Conflict || state.kind == Kind::Failed;
    setStyleSheet(
        QStringLiteral("QToolButton { color: %1; %2 padding: 1px 8px; }")
            .arg(colour.name(), urgent ? QStringLiteral("font-weight: bold;") : QString()));
    setCursor(state.kind == Kind::Conflict ? Qt::PointingHandCursor : Qt::ArrowCursor);
}

} // namespace sopvault::desktop
