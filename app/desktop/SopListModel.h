// The SOP list as an item model: a collection's SOPs (title, state, updated, review due) or the
// hits of a search (title, state, collection), each row carrying its SOP's id in IdRole so a
// selection never goes back through the text it shows.
#pragma once

#include "VaultController.h"

#include <QAbstractTableModel>
#include <QColor>

#include <optional>
#include <vector>

namespace sopvault::desktop {

class SopListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Role
    {
        IdRole = Qt::UserRole, // core::Id
        CollectionRole,        // QString: the SOP's collection path
    };

    explicit SopListModel(QObject* parent = nullptr);

    // A listing: what is overdue at `now` shows its review date in the warning colour.
    void showListing(const std::vector<core::SopSummary>& sops, core::Timestamp now);
    void showSearch(const std::vector<core::SearchHit>& hits);
    void clear();

    [[nodiscard]] std::optional<core::Id> idAt(const QModelIndex& index) const;
    // The row showing `id`, or an invalid index.
    [[nodiscard]] QModelIndex indexOf(const core::Id& id) const;

    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role) const override;

private:
    struct Row
    {
        core::Id id{};
        QString collection;
        QString columns[4];
        QString tooltip;
        bool muted = false;   // archived or damaged
        bool overdue = false; // the review column in the warning colour
    };

    void replace(std::vector<Row> rows, bool search);

    std::vector<Row> m_rows;
    bool m_search = false;
};

} // namespace sopvault::desktop
