// The browser SOP text is shown in (reader and editor preview): it never fetches anything,
// and its whole text never leaves it except through core's export check. Also the rendering
// of a SOP's Markdown for it, with tickable task boxes and colours that suit the palette.
#pragma once

#include <QSet>
#include <QTextBrowser>

#include <string>

namespace sopvault::desktop {

// A QTextBrowser that never fetches anything: no remote images, no tracking pixels, no files.
// The whole text never leaves it by copy, drag or selection: copying all of it asks for "copy
// all" instead, which goes through core's export check, watermark and audit.
class SafeBrowser : public QTextBrowser
{
    Q_OBJECT

public:
    explicit SafeBrowser(QWidget* parent = nullptr);
    QVariant loadResource(int type, const QUrl& name) override;

signals:
    void wholeCopyRequested();

protected:
    void keyPressEvent(QKeyEvent* event) override;
    QMimeData* createMimeDataFromSelection() const override;

private:
    [[nodiscard]] bool wholeSelected() const;
};

// A SOP's Markdown as the reader's HTML: task boxes become "task:N" links, ticked where
// `ticked` says (ticks live only in the window: reading a runbook is not editing it).
QString renderSop(const std::string& markdown, const QSet<int>& ticked);

} // namespace sopvault::desktop
