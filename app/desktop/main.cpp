// sopvault desktop entry point: hardens the process and shows the main window.
#include "ProcessHardening.h"

#include <QApplication>
#include <QLabel>
#include <QMainWindow>

int main(int argc, char** argv)
{
    sopvault::app::hardenProcess();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("SOP Vault"));
    QMainWindow window;
    auto* label = new QLabel(QObject::tr("No vault is open yet."), &window);
    label->setAlignment(Qt::AlignCenter);
    window.setCentralWidget(label);
    window.resize(900, 600);
    window.show();
    return app.exec();
}
