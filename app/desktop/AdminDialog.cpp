// The administration dialog. Every change goes through the controller; the slow ones (adding
// or removing a person, an ungrant that rotates keys) run on its worker, and the dialog is
// greyed out until they report back.
#include "AdminDialog.h"

#include "PasswordDialog.h"
#include "RoleDialog.h"
#include "Widgets.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sopvault::desktop {

AdminDialog::AdminDialog(VaultController& controller, const QString& collection, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("adminDialog"));
    setWindowTitle(tr("Administration"));
    resize(960, 620);
    auto* tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("adminTabs"));
    tabs->addTab(buildPeoplePage(), tr("People"));
    tabs->addTab(buildRolesPage(), tr("Roles"));
    tabs->addTab(buildGrantsPage(), tr("Grants"));
    tabs->addTab(buildAccessPage(), tr("Who can see this?"));
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(m_status);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    followController(tabs, close);
    const bool owner = m_controller.isOwner();
    for (auto* b : m_ownerOnly) {
        b->setEnabled(owner);
        if (!owner) {
            b->setToolTip(tr("Only owners manage people and roles."));
        }
    }
    load();
    if (const int i = m_accessTarget->findText(collection); i >= 0) {
        m_accessTarget->setCurrentIndex(i);
    }
}

QWidget* AdminDialog::buildPeoplePage()
{
    m_users = namedTree("userList", {tr("User"), tr("Role"), tr("Key fingerprint")});
    auto* addUserButton = namedButton(tr("&Add user…"), "addUserButton");
    auto* ownerButton = namedButton(tr("Make &owner"), "makeOwnerButton");
    auto* removeButton = namedButton(tr("&Remove user…"), "removeUserButton");
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setVisible(false);
    connect(addUserButton, &QPushButton::clicked, this, &AdminDialog::addUser);
    connect(ownerButton, &QPushButton::clicked, this, &AdminDialog::makeOwner);
    connect(removeButton, &QPushButton::clicked, this, &AdminDialog::removeSelectedUser);
    m_ownerOnly << addUserButton << ownerButton << removeButton;
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_users);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(addUserButton);
    buttons->addWidget(ownerButton);
    buttons->addStretch();
    buttons->addWidget(removeButton);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    return page;
}

QWidget* AdminDialog::buildRolesPage()
{
    m_roles = namedTree("roleList", {tr("Role"), tr("Rights"), tr("Kind")});
    auto* addRoleButton = namedButton(tr("Add &role…"), "addRoleButton");
    connect(addRoleButton, &QPushButton::clicked, this, &AdminDialog::addRole);
    m_ownerOnly << addRoleButton;
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_roles);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(addRoleButton);
    layout->addLayout(buttons);
    return page;
}

QWidget* AdminDialog::buildGrantsPage()
{
    m_grantUser = new QComboBox;
    m_grantUser->setObjectName(QStringLiteral("grantUser"));
    m_grantRole = new QComboBox;
    m_grantRole->setObjectName(QStringLiteral("grantRole"));
    m_grantCollection = new QComboBox;
    m_grantCollection->setObjectName(QStringLiteral("grantCollection"));
    auto* grantButton = namedButton(tr("&Grant"), "grantButton");
    auto* ungrantButton = namedButton(tr("&Ungrant"), "ungrantButton");
    auto* addCollectionButton = namedButton(tr("New &collection…"), "addCollectionButton");
    connect(grantButton, &QPushButton::clicked, this, [this] { grant(true); });
    connect(ungrantButton, &QPushButton::clicked, this, [this] { grant(false); });
    connect(addCollectionButton, &QPushButton::clicked, this, &AdminDialog::addCollection);
    m_grants = namedTree("grantList", {tr("User"), tr("Role"), tr("Collection"), tr("Rights")});
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* pick = new QHBoxLayout;
    pick->addWidget(m_grantUser, 1);
    pick->addWidget(m_grantRole, 1);
    pick->addWidget(m_grantCollection, 2);
    pick->addWidget(grantButton);
    pick->addWidget(ungrantButton);
    layout->addLayout(pick);
    layout->addWidget(m_grants);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(addCollectionButton);
    layout->addLayout(buttons);
    return page;
}

QWidget* AdminDialog::buildAccessPage()
{
    m_accessTarget = new QComboBox;
    m_accessTarget->setObjectName(QStringLiteral("accessTarget"));
    m_access = namedTree("accessList", {tr("User"), tr("Role"), tr("Granted on"), tr("Can")});
    connect(m_accessTarget, &QComboBox::currentIndexChanged, this, &AdminDialog::showAccess);
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Who can see, edit or export")));
    pick->addWidget(m_accessTarget, 1);
    layout->addLayout(pick);
    layout->addWidget(m_access);
    return page;
}

void AdminDialog::followController(QTabWidget* tabs, QWidget* close)
{
    connect(&m_controller, &VaultController::progress, this,
            [this](int done, int total, const QString& what) {
                m_progress->setVisible(true);
                m_progress->setRange(0, total);
                m_progress->setValue(done);
                m_progress->setFormat(what + QStringLiteral(" %v/%m"));
            });
    connect(&m_controller, &VaultController::userAdded, this, [this](const QString& name) {
        m_status->setText(tr("Added %1. Grant them roles on the Grants tab.").arg(name));
        load();
    });
    // The session is not for two threads: nothing here touches it while a worker holds it.
    connect(&m_controller, &VaultController::busyChanged, this, [tabs, close](bool busy) {
        tabs->setEnabled(!busy);
        close->setEnabled(!busy);
    });
    connect(&m_controller, &VaultController::userRemoved, this, [this](const QString& name) {
        m_progress->setVisible(false);
        m_status->setText(tr("Removed %1; every collection key they held was rotated.").arg(name));
        load();
    });
    connect(&m_controller, &VaultController::operationFailed, this, [this](const Failure& f) {
        m_progress->setVisible(false);
        m_status->setText(f.message);
    });
    connect(&m_controller, &VaultController::ungranted, this, [this] {
        m_progress->setVisible(false);
        m_status->setText(tr("Ungranted; the keys they no longer need were rotated."));
        load();
    });
}

void AdminDialog::reject()
{
    if (!m_controller.busy()) {
        QDialog::reject();
    }
}

void AdminDialog::loadPeople()
{
    m_users->clear();
    m_grantUser->clear();
    for (const auto& u : m_controller.users()) {
        if (u.removed) {
            continue;
        }
        new QTreeWidgetItem(m_users, {toQString(u.name), u.owner ? tr("owner") : tr("member"),
                                      toQString(u.fingerprint)});
        m_grantUser->addItem(toQString(u.name));
    }
    m_grants->clear();
    for (const auto& g : m_controller.allGrants()) {
        new QTreeWidgetItem(m_grants, {toQString(g.user), toQString(g.role),
                                       toQString(g.collection), toQString(g.rights.toString())});
    }
}

void AdminDialog::loadRoles()
{
    m_roles->clear();
    m_grantRole->clear();
    for (const auto& r : m_controller.roles()) {
        new QTreeWidgetItem(m_roles, {toQString(r.name), toQString(r.rights.toString()),
                                      r.builtIn ? tr("built-in") : tr("custom")});
        if (r.name != "owner") {
            m_grantRole->addItem(toQString(r.name));
        }
    }
}

void AdminDialog::loadCollections()
{
    const QString target = m_accessTarget->currentText();
    QSignalBlocker block(m_accessTarget);
    m_grantCollection->clear();
    m_accessTarget->clear();
    for (const auto& c : m_controller.readableCollections()) {
        m_grantCollection->addItem(toQString(c.path));
        m_accessTarget->addItem(toQString(c.path));
    }
    if (const int i = m_accessTarget->findText(target); i >= 0) {
        m_accessTarget->setCurrentIndex(i);
    }
}

void AdminDialog::load()
{
    loadPeople();
    loadRoles();
    loadCollections();
    showAccess();
}

void AdminDialog::addUser()
{
    // Open, not exec: Argon2id runs on the controller's worker and this dialog keeps painting.
    auto* dialog = new PasswordDialog(m_controller, PasswordDialog::Purpose::AddUser, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void AdminDialog::makeOwner()
{
    auto* item = m_users->currentItem();
    if (item == nullptr) {
        return;
    }
    const QString name = item->text(0);
    if (auto done = m_controller.addOwner(name); !done) {
        warn(this, done.error());
        return;
    }
    m_status->setText(
        tr("%1 is now an owner: the vault no longer depends on one person.").arg(name));
    load();
}

void AdminDialog::removeSelectedUser()
{
    auto* item = m_users->currentItem();
    if (item == nullptr) {
        return;
    }
    const QString name = item->text(0);
    const auto answer = QMessageBox::question(
        this, tr("Remove %1?").arg(name),
        tr("%1 will no longer be able to unlock the vault, and the key of every collection they "
           "could read is rotated, so nothing written from now on opens with what they kept. "
           "What they already read stays with them.")
            .arg(name),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) {
        return;
    }
    m_controller.removeUser(name);
}

void AdminDialog::addRole()
{
    RoleDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    if (auto done = m_controller.defineRole(dialog.name(), dialog.rights()); !done) {
        warn(this, done.error());
        return;
    }
    load();
}

void AdminDialog::grant(bool give)
{
    if (m_controller.busy()) {
        return;
    }
    const QString user = m_grantUser->currentText();
    const QString role = m_grantRole->currentText();
    const QString collection = m_grantCollection->currentText();
    if (!give) {
        // Re-keying: on the worker; the answer arrives as ungranted or operationFailed.
        m_status->setText(tr("Ungranting: rotating the keys %1 no longer needs…").arg(user));
        m_controller.ungrant(user, role, collection);
        return;
    }
    if (auto done = m_controller.grant(user, role, collection); !done) {
        warn(this, done.error());
        return;
    }
    m_status->setText(tr("Granted."));
    load();
}

void AdminDialog::showAccess()
{
    m_access->clear();
    if (m_accessTarget->currentText().isEmpty()) {
        return;
    }
    auto access = m_controller.access(m_accessTarget->currentText());
    if (!access) {
        new QTreeWidgetItem(m_access, {access.error().message});
        return;
    }
    for (const auto& a : *access) {
        new QTreeWidgetItem(m_access, {toQString(a.user), toQString(a.role),
                                       toQString(a.collection), toQString(a.rights.toString())});
    }
}

void AdminDialog::addCollection()
{
    bool ok = false;
    const QString path =
        QInputDialog::getText(this, tr("New collection"), tr("Path (e.g. Clients/Acme/Network):"),
                              QLineEdit::Normal, {}, &ok);
    if (!ok || path.trimmed().isEmpty()) {
        return;
    }
    if (auto done = m_controller.addCollection(path); !done) {
        warn(this, done.error());
        return;
    }
    load();
}

} // namespace sopvault::desktop
