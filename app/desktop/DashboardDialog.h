// The owners' dashboard (product.md feature 18): how much each SOP is read and run, the ones to
// fix first, and a PSA's ticket categories against the SOPs tagged for them, each as a chart
// and a list. The figures are core's (`usage`, `coverage`); the dialog only draws them.
#pragma once

#include "VaultController.h"

#include <QDialog>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QTabWidget;
class QTreeWidget;

namespace sopvault::desktop {

// A horizontal bar chart: one row per label, the bar's length its value against the largest,
// in one or two stacked parts, drawn with the palette's colours.
class BarChart : public QWidget
{
    Q_OBJECT

public:
    struct Bar
    {
        QString label;
        double first = 0;   // the bar's first part (views, tickets)
        double second = 0;  // stacked after it (runs); 0 for none
        bool alert = false; // drawn in the warning colour (not covered, stale but used)
    };
    // `empty`: the sentence shown while there is no bar.
    BarChart(QString firstName, QString secondName, QString empty, QWidget* parent = nullptr);
    void setBars(std::vector<Bar> bars);
    [[nodiscard]] const std::vector<Bar>& bars() const { return m_bars; }
    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString m_firstName;
    QString m_secondName;
    QString m_empty;
    std::vector<Bar> m_bars;
};

class DashboardDialog : public QDialog
{
    Q_OBJECT

public:
    explicit DashboardDialog(VaultController& controller, QWidget* parent = nullptr);
    // Reads a PSA ticket export (CSV) and shows the coverage of its categories; false (and
    // core's sentence under the button) when it cannot be read.
    bool loadCoverage(const QString& path);

private:
    void reloadUsage();
    void chooseCoverageFile();

    VaultController& m_controller;
    QTabWidget* m_tabs = nullptr;
    QComboBox* m_period = nullptr;
    BarChart* m_usageChart = nullptr;
    QTreeWidget* m_usageList = nullptr;
    QLabel* m_usageSummary = nullptr;
    QLabel* m_usageError = nullptr;
    BarChart* m_coverageChart = nullptr;
    QTreeWidget* m_coverageList = nullptr;
    QLabel* m_coverageSummary = nullptr;
    QLabel* m_coverageError = nullptr;
};

} // namespace sopvault::desktop
