// The browser SOP text is shown in (reader and editor preview): it never fetches anything,
// and its whole text never leaves it except through core's export check. Also the rendering
// of a SOP's Markdown for it, with tickable task boxes and colours that suit the palette.
#pragma once

#include "sopvault/core/Vault.h"

#include <QImage>
#include <QSet>
#include <QTextBrowser>

#include <functional>
#include <string>
#include <vector>

namespace sopvault::desktop {

// A QTextBrowser that never fetches anything: no remote images, no tracking pixels, no files.
// The only images it shows are its SOP's attachments (attachment: URLs), handed to it from the
// vault by its image source and fit to its width.
// The whole text never leaves it by copy, drag or selection: copying all of it asks for "copy
// all" instead, which goes through core's export check, watermark and audit.
class SafeBrowser : public QTextBrowser
{
    Q_OBJECT

public:
    using ImageSource = std::function<QImage(const QString& name)>;

    explicit SafeBrowser(QWidget* parent = nullptr);
    QVariant loadResource(int type, const QUrl& name) override;
    void setImageSource(ImageSource source) { m_images = std::move(source); }

signals:
    void wholeCopyRequested();

protected:
    void keyPressEvent(QKeyEvent* event) override;
    QMimeData* createMimeDataFromSelection() const override;

private:
    [[nodiscard]] bool wholeSelected() const;
    ImageSource m_images;
};

// A SOP's Markdown as the reader's HTML: task boxes become "task:N" links, ticked where
// `ticked` says (ticks live only in the window: reading a runbook is not editing it). An image
// of one of `attachments` that shows inline becomes an attachment: image inside an attachment:
// link (a click enlarges it); a link to any other of them becomes an attachment: link (a click
// offers to save it); every other image shows its alt text.
// `exact`: the boxes in `ticked` are ticked and no other, whatever the text says (a run's steps);
// otherwise `ticked` toggles each box from the state the text gives it.
QString renderSop(const std::string& markdown, const QSet<int>& ticked,
                  const std::vector<core::AttachmentInfo>& attachments = {}, bool exact = false);

// Core's safe HTML of an exported SOP as Qt lays it out on paper (the PDF): each task box a
// ballot box as the text ticks it, and task lists without bullets.
QString printableHtml(const std::string& html);

} // namespace sopvault::desktop
