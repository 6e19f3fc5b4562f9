// AttachmentViewer: the image in a scroll area, Save as… and Close.
#include "AttachmentViewer.h"

#include "Widgets.h"

#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QLabel>
#include <QPixmap>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QVBoxLayout>

namespace sopvault::desktop {

AttachmentViewer::AttachmentViewer(const QString& name, const QImage& image, bool canSave,
                                   const QString& whyNot, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("attachmentViewer"));
    setWindowTitle(tr("%1 (%2 × %3)").arg(name).arg(image.width()).arg(image.height()));
    auto* picture = new QLabel;
    picture->setObjectName(QStringLiteral("attachmentImage"));
    picture->setPixmap(QPixmap::fromImage(image));
    picture->setAlignment(Qt::AlignCenter);
    auto* scroll = new QScrollArea;
    scroll->setWidget(picture);
    scroll->setAlignment(Qt::AlignCenter);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* save = namedButton(tr("&Save as…"), "saveAttachmentButton");
    save->setEnabled(canSave);
    save->setToolTip(canSave ? QString() : whyNot);
    buttons->addButton(save, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(save, &QPushButton::clicked, this, &AttachmentViewer::saveRequested);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addWidget(buttons);
    // As large as the image, within most of the screen.
    const QSize screen =
        (parent != nullptr && parent->screen() != nullptr ? parent->screen()
                                                          : QGuiApplication::primaryScreen())
            ->availableSize();
    resize(std::min(image.width() + 48, screen.width() * 9 / 10),
           std::min(image.height() + 96, screen.height() * 9 / 10));
}

} // namespace sopvault::desktop
