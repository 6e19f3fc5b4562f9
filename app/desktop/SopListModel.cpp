// The SOP list model: rows are built once from core's summaries or search hits; the view only
// reads them.
#include "SopListModel.h"

#include "Widgets.h"

namespace sopvault::desktop {

SopListModel::SopListModel(QObject* parent) : QAbstractTableModel(parent) {}

void SopListModel::replace(std::vector<Row> rows, bool search)
{
    beginResetModel();
    m_rows = std::move(rows);
    m_search = search;
    endResetModel();
}

void SopListModel::showListing(const std::vector<core::SopSummary>& sops, core::Timestamp now)
{
    std::vector<Row> rows;
    for (const auto& s : sops) {
        Row row;
        row.id = s.id;
        row.collection = toQString(s.collection);
        row.columns[0] = toQString(s.title);
        row.columns[1] = s.damaged ? tr("damaged") : toQString(core::stateName(s.state));
        row.columns[2] = s.damaged ? QString() : formatDate(s.updated);
        row.columns[3] = s.damaged         ? QString()
                         : s.reviewDamaged ? tr("damaged")
                                           : formatDate(s.reviewDue);
        // The whole title too: a narrow list elides it.
        row.tooltip = QStringLiteral("%1 — %2").arg(row.columns[0], row.collection);
        row.muted = s.state == core::SopState::Archived || s.damaged;
        row.overdue = !s.damaged && s.reviewDue < now;
        rows.push_back(std::move(row));
    }
    replace(std::move(rows), false);
}

void SopListModel::showSearch(const std::vector<core::SearchHit>& hits)
{
    std::vector<Row> rows;
    for (const auto& h : hits) {
        Row row;
        row.id = h.id;
        row.collection = toQString(h.collection);
        row.columns[0] = toQString(h.title);
        row.columns[1] = toQString(core::stateName(h.state));
        row.columns[2] = row.collection;
        row.tooltip = toQString(h.snippet);
        rows.push_back(std::move(row));
    }
    replace(std::move(rows), true);
}

void SopListModel::clear()
{
    replace({}, false);
}

std::optional<core::Id> SopListModel::idAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return std::nullopt;
    }
    return m_rows[std::size_t(index.row())].id;
}

QModelIndex SopListModel::indexOf(const core::Id& id) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == id) {
            return index(int(i), 0);
        }
    }
    return {};
}

int SopListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SopListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : 4;
}

QVariant SopListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const Row& row = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return row.columns[index.column()];
    case Qt::ToolTipRole:
        return index.column() == 0 ? QVariant(row.tooltip) : QVariant();
    case Qt::ForegroundRole:
        if (index.column() == 0 && row.muted) {
            return QColor(0x8a, 0x8f, 0x98);
        }
        if (index.column() == 3 && row.overdue) {
            return themed(QColor(0xb0, 0x00, 0x20), QColor(0xff, 0x8a, 0x80));
        }
        return {};
    case IdRole:
        return QVariant::fromValue(row.id);
    case CollectionRole:
        return row.collection;
    default:
        return {};
    }
}

QVariant SopListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    static const char* const listing[] = {QT_TR_NOOP("Title"), QT_TR_NOOP("State"),
                                          QT_TR_NOOP("Updated"), QT_TR_NOOP("Review")};
    static const char* const search[] = {QT_TR_NOOP("Title"), QT_TR_NOOP("State"),
                                         QT_TR_NOOP("Collection"), ""};
    return tr((m_search ? search : listing)[section]);
}

} // namespace sopvault::desktop
