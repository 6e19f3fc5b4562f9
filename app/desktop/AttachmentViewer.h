// An attachment image at full size, for a screenshot too small to read in the reader: scrolls
// when it is larger than the window, and offers to save the file (export right, audited).
#pragma once

#include <QDialog>
#include <QImage>

class QPushButton;

namespace sopvault::desktop {

class AttachmentViewer : public QDialog
{
    Q_OBJECT

public:
    // `canSave` false: the button stays, greyed out, with `whyNot` as its tooltip.
    AttachmentViewer(const QString& name, const QImage& image, bool canSave, const QString& whyNot,
                     QWidget* parent = nullptr);

signals:
    void saveRequested();
};

} // namespace sopvault::desktop
