// History, reviews, administration, export/print and import dialogs.
#include "Dialogs.h"

#include "PasswordDialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QPlainTextEdit>
#include <QPrintDialog>
#include <QPrinter>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimeZone>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sopvault::desktop {

namespace {

QPushButton* namedButton(const QString& text, const char* name)
{
    auto* b = new QPushButton(text);
    b->setObjectName(QString::fromLatin1(name));
    return b;
}

QTreeWidget* namedTree(const char* name, const QStringList& headers)
{
    auto* t = new QTreeWidget;
    t->setObjectName(QString::fromLatin1(name));
    t->setHeaderLabels(headers);
    t->setRootIsDecorated(false);
    t->setAlternatingRowColors(true);
    t->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return t;
}

void warn(QWidget* parent, const Error& error)
{
    QMessageBox::warning(parent, QObject::tr("That did not work"), toQString(error.message));
}

QColor statusColour(core::ReviewStatus s)
{
    switch (s) {
    case core::ReviewStatus::Overdue:
        return QColor(0xb0, 0x00, 0x20);
    case core::ReviewStatus::Due:
        return QColor(0xc0, 0x5a, 0x00);
    case core::ReviewStatus::DueSoon:
        return QColor(0x8a, 0x6d, 0x00);
    case core::ReviewStatus::Ok:
        break;
    }
    return QColor(0x2e, 0x7d, 0x32);
}

} // namespace

QString diffToHtml(const QString& diff)
{
    QString html = QStringLiteral("<pre style=\"font-family:'DejaVu Sans Mono',monospace;\">");
    for (const QString& line : diff.split(u'\n')) {
        const QString escaped = line.toHtmlEscaped();
        if (line.startsWith(QStringLiteral("+++")) || line.startsWith(QStringLiteral("---"))) {
            html += QStringLiteral("<b>%1</b>\n").arg(escaped);
        } else if (line.startsWith(u'+')) {
            html += QStringLiteral("<span style=\"background:#e6ffec;color:#116329\">%1</span>\n")
                        .arg(escaped);
        } else if (line.startsWith(u'-')) {
            html += QStringLiteral("<span style=\"background:#ffebe9;color:#82071e\">%1</span>\n")
                        .arg(escaped);
        } else if (line.startsWith(QStringLiteral("@@")) || line.startsWith(u'#')) {
            html += QStringLiteral("<span style=\"color:#0550ae\">%1</span>\n").arg(escaped);
        } else {
            html += escaped + u'\n';
        }
    }
    return html + QStringLiteral("</pre>");
}

// --- History ---

HistoryDialog::HistoryDialog(VaultController& controller, core::Id sop, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(sop)
{
    setObjectName(QStringLiteral("historyDialog"));
    setWindowTitle(tr("Version history"));
    resize(980, 640);
    m_versions = namedTree("versions", {tr("Version"), tr("Author"), tr("Time"), tr("Message")});
    m_from = new QComboBox;
    m_from->setObjectName(QStringLiteral("fromVersion"));
    m_to = new QComboBox;
    m_to->setObjectName(QStringLiteral("toVersion"));
    m_diff = new QTextBrowser;
    m_diff->setObjectName(QStringLiteral("diffView"));
    m_restore = namedButton(tr("&Restore selected version"), "restoreButton");
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Compare version")));
    pick->addWidget(m_from);
    pick->addWidget(new QLabel(tr("with")));
    pick->addWidget(m_to);
    pick->addStretch();
    pick->addWidget(m_restore);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_versions, 2);
    layout->addLayout(pick);
    layout->addWidget(m_diff, 3);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_from, &QComboBox::currentIndexChanged, this, &HistoryDialog::showDiff);
    connect(m_to, &QComboBox::currentIndexChanged, this, &HistoryDialog::showDiff);
    connect(m_restore, &QPushButton::clicked, this, &HistoryDialog::restoreSelected);
    connect(m_versions, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item != nullptr) {
            // Selecting a version compares it with the newest.
            m_from->setCurrentIndex(m_versions->indexOfTopLevelItem(item));
        }
    });
    load();
}

void HistoryDialog::load()
{
    auto& s = m_controller.session();
    auto history = s.history(m_sop);
    m_versions->clear();
    m_from->clear();
    m_to->clear();
    if (!history) {
        m_diff->setPlainText(toQString(history.error().message));
        return;
    }
    for (const auto& h : *history) {
        new QTreeWidgetItem(m_versions, {QString::number(h.version), toQString(h.author),
                                         formatTime(h.time), toQString(h.message)});
        m_from->addItem(QString::number(h.version), QVariant::fromValue<qulonglong>(h.version));
        m_to->addItem(QString::number(h.version), QVariant::fromValue<qulonglong>(h.version));
    }
    const bool editable = [&] {
        for (const auto& c : s.collections()) {
            if (c.rights.has(core::Right::Edit)) {
                return true;
            }
        }
        return false;
    }();
    m_restore->setEnabled(editable && history->size() > 1);
    m_to->setCurrentIndex(m_to->count() - 1);
    m_from->setCurrentIndex(std::max(0, m_from->count() - 2));
    showDiff();
}

void HistoryDialog::showDiff()
{
    if (m_from->count() == 0 || m_to->count() == 0) {
        return;
    }
    auto diff = m_controller.session().diff(m_sop, m_from->currentData().toULongLong(),
                                            m_to->currentData().toULongLong());
    m_diff->setHtml(diff ? diffToHtml(toQString(*diff)) : toQString(diff.error().message));
}

void HistoryDialog::restoreSelected()
{
    auto* item = m_versions->currentItem();
    if (item == nullptr) {
        return;
    }
    auto done = m_controller.session().restore(m_sop, item->text(0).toULongLong());
    if (!done) {
        warn(this, done.error());
        return;
    }
    load();
    emit restored();
}

// --- Reviews ---

SignoffDialog::SignoffDialog(VaultController& controller, core::Id sop, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(sop)
{
    setObjectName(QStringLiteral("signoffDialog"));
    setWindowTitle(tr("Sign off"));
    resize(860, 620);
    auto& s = m_controller.session();
    auto changes = s.changesSinceReview(sop);
    auto* intro = new QLabel;
    intro->setWordWrap(true);
    auto* view = new QTextBrowser;
    view->setObjectName(QStringLiteral("changesView"));
    if (changes && !changes->empty()) {
        intro->setText(tr("<b>Changed since the last approval</b>: review these changes."));
        view->setHtml(diffToHtml(toQString(*changes)));
    } else {
        auto sopView = s.readSop(sop);
        intro->setText(changes ? tr("<b>No approval yet, or nothing changed since</b>: review "
                                    "the whole SOP.")
                               : toQString(changes.error().message));
        if (sopView) {
            view->setPlainText(toQString(sopView->body));
        }
    }
    m_approve = new QRadioButton(tr("&Approved"));
    m_approve->setObjectName(QStringLiteral("approve"));
    m_approve->setChecked(true);
    m_changes = new QRadioButton(tr("&Changes requested"));
    m_changes->setObjectName(QStringLiteral("requestChanges"));
    m_comment = new QPlainTextEdit;
    m_comment->setObjectName(QStringLiteral("comment"));
    m_comment->setPlaceholderText(tr("Comment (optional; kept with the signed sign-off)"));
    m_comment->setMaximumHeight(90);
    m_error = errorLabel("error");
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    auto* sign = buttons->addButton(tr("&Sign"), QDialogButtonBox::AcceptRole);
    sign->setObjectName(QStringLiteral("signButton"));
    auto* decisions = new QHBoxLayout;
    decisions->addWidget(m_approve);
    decisions->addWidget(m_changes);
    decisions->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(view, 1);
    layout->addLayout(decisions);
    layout->addWidget(m_comment);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SignoffDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SignoffDialog::submit()
{
    auto done = m_controller.session().signOff(m_sop,
                                               m_approve->isChecked()
                                                   ? core::ReviewDecision::Approved
                                                   : core::ReviewDecision::ChangesRequested,
                                               toStd(m_comment->toPlainText()));
    if (!done) {
        m_error->setText(toQString(done.error().message));
        return;
    }
    accept();
}

ReviewDialog::ReviewDialog(VaultController& controller, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("reviewDialog"));
    setWindowTitle(tr("Reviews"));
    resize(1000, 600);
    m_asOf = new QDateEdit(
        QDateTime::fromSecsSinceEpoch(controller.session().now(), QTimeZone::utc()).date());
    m_asOf->setObjectName(QStringLiteral("asOf"));
    m_asOf->setCalendarPopup(true);
    m_asOf->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_due = namedTree("dueList", {tr("SOP"), tr("Collection"), tr("Due"), tr("Status"),
                                  tr("Since last review"), tr("Open flags")});
    m_flags = namedTree("flagList", {tr("SOP"), tr("By"), tr("Date"), tr("Comment"), tr("State")});
    m_signoff = namedButton(tr("&Sign off…"), "signoffButton");
    m_resolve = namedButton(tr("&Resolve flag…"), "resolveButton");
    auto* open = namedButton(tr("&Open SOP"), "openButton");
    auto* tabs = new QTabWidget;
    auto* duePage = new QWidget;
    auto* dl = new QVBoxLayout(duePage);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("As of")));
    top->addWidget(m_asOf);
    top->addStretch();
    top->addWidget(open);
    top->addWidget(m_signoff);
    dl->addLayout(top);
    dl->addWidget(m_due);
    auto* flagPage = new QWidget;
    auto* fl = new QVBoxLayout(flagPage);
    fl->addWidget(m_flags);
    auto* fb = new QHBoxLayout;
    fb->addStretch();
    fb->addWidget(m_resolve);
    fl->addLayout(fb);
    tabs->addTab(duePage, tr("Due for review"));
    tabs->addTab(flagPage, tr("Flags from technicians"));
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_asOf, &QDateEdit::dateChanged, this, &ReviewDialog::load);
    connect(m_signoff, &QPushButton::clicked, this, &ReviewDialog::signOffSelected);
    connect(m_resolve, &QPushButton::clicked, this, &ReviewDialog::resolveSelectedFlag);
    connect(open, &QPushButton::clicked, this, [this] {
        if (auto* item = m_due->currentItem()) {
            emit openRequested(item->data(0, Qt::UserRole).toString());
            accept();
        }
    });
    load();
}

void ReviewDialog::load()
{
    auto& s = m_controller.session();
    const QDate d = m_asOf->date();
    const core::Timestamp asOf = QDateTime(d, QTime(12, 0), QTimeZone::utc()).toSecsSinceEpoch();
    m_due->clear();
    if (auto due = s.reviewsDue(asOf, 30)) {
        for (const auto& item : *due) {
            auto* row = new QTreeWidgetItem(
                m_due, {toQString(item.title), toQString(item.collection), formatDate(item.due),
                        toQString(core::statusName(item.status)),
                        item.changedSinceReview ? tr("changed") : QString(),
                        item.openFlags > 0 ? QString::number(item.openFlags) : QString()});
            row->setData(0, Qt::UserRole, toQString(core::toHex(item.id)));
            row->setForeground(3, statusColour(item.status));
        }
    }
    m_flags->clear();
    if (auto flags = s.flags(true)) {
        for (const auto& f : *flags) {
            auto* row = new QTreeWidgetItem(m_flags, {toQString(f.sopTitle), toQString(f.author),
                                                      formatDate(f.time), toQString(f.comment),
                                                      f.resolved ? tr("resolved") : tr("open")});
            row->setData(0, Qt::UserRole, toQString(core::toHex(f.id)));
        }
    }
    m_signoff->setEnabled(m_due->topLevelItemCount() > 0);
    m_resolve->setEnabled(m_flags->topLevelItemCount() > 0);
    if (m_due->topLevelItemCount() > 0) {
        m_due->setCurrentItem(m_due->topLevelItem(0));
    }
}

void ReviewDialog::signOffSelected()
{
    auto* item = m_due->currentItem();
    if (item == nullptr) {
        return;
    }
    SignoffDialog dialog(m_controller,
                         *core::idFromHex(toStd(item->data(0, Qt::UserRole).toString())), this);
    if (dialog.exec() == QDialog::Accepted) {
        load();
    }
}

void ReviewDialog::resolveSelectedFlag()
{
    auto* item = m_flags->currentItem();
    if (item == nullptr) {
        return;
    }
    bool ok = false;
    const QString note = QInputDialog::getText(this, tr("Resolve flag"), tr("What was done?"),
                                               QLineEdit::Normal, {}, &ok);
    if (!ok || note.trimmed().isEmpty()) {
        return;
    }
    auto done = m_controller.session().resolveFlag(
        *core::idFromHex(toStd(item->data(0, Qt::UserRole).toString())), toStd(note));
    if (!done) {
        warn(this, done.error());
    }
    load();
}

// --- Administration ---

AdminDialog::AdminDialog(VaultController& controller, const QString& collection, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("adminDialog"));
    setWindowTitle(tr("Administration"));
    resize(960, 620);
    auto* tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("adminTabs"));

    auto* usersPage = new QWidget;
    m_users = namedTree("userList", {tr("User"), tr("Role"), tr("Key fingerprint")});
    auto* addUserButton = namedButton(tr("&Add user…"), "addUserButton");
    auto* ownerButton = namedButton(tr("Make &owner"), "makeOwnerButton");
    auto* removeButton = namedButton(tr("&Remove user…"), "removeUserButton");
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setVisible(false);
    auto* ul = new QVBoxLayout(usersPage);
    ul->addWidget(m_users);
    auto* ub = new QHBoxLayout;
    ub->addWidget(addUserButton);
    ub->addWidget(ownerButton);
    ub->addStretch();
    ub->addWidget(removeButton);
    ul->addLayout(ub);
    ul->addWidget(m_progress);
    tabs->addTab(usersPage, tr("People"));

    auto* rolesPage = new QWidget;
    m_roles = namedTree("roleList", {tr("Role"), tr("Rights"), tr("Kind")});
    auto* addRoleButton = namedButton(tr("Add &role…"), "addRoleButton");
    auto* rl = new QVBoxLayout(rolesPage);
    rl->addWidget(m_roles);
    auto* rb = new QHBoxLayout;
    rb->addStretch();
    rb->addWidget(addRoleButton);
    rl->addLayout(rb);
    tabs->addTab(rolesPage, tr("Roles"));

    auto* grantsPage = new QWidget;
    m_grantUser = new QComboBox;
    m_grantUser->setObjectName(QStringLiteral("grantUser"));
    m_grantRole = new QComboBox;
    m_grantRole->setObjectName(QStringLiteral("grantRole"));
    m_grantCollection = new QComboBox;
    m_grantCollection->setObjectName(QStringLiteral("grantCollection"));
    auto* grantButton = namedButton(tr("&Grant"), "grantButton");
    auto* ungrantButton = namedButton(tr("&Ungrant"), "ungrantButton");
    auto* addCollectionButton = namedButton(tr("New &collection…"), "addCollectionButton");
    m_grants = namedTree("grantList", {tr("User"), tr("Role"), tr("Collection"), tr("Rights")});
    auto* gl = new QVBoxLayout(grantsPage);
    auto* gf = new QHBoxLayout;
    gf->addWidget(m_grantUser, 1);
    gf->addWidget(m_grantRole, 1);
    gf->addWidget(m_grantCollection, 2);
    gf->addWidget(grantButton);
    gf->addWidget(ungrantButton);
    gl->addLayout(gf);
    gl->addWidget(m_grants);
    auto* gb = new QHBoxLayout;
    gb->addStretch();
    gb->addWidget(addCollectionButton);
    gl->addLayout(gb);
    tabs->addTab(grantsPage, tr("Grants"));

    auto* accessPage = new QWidget;
    m_accessTarget = new QComboBox;
    m_accessTarget->setObjectName(QStringLiteral("accessTarget"));
    m_access = namedTree("accessList", {tr("User"), tr("Role"), tr("Granted on"), tr("Can")});
    auto* al = new QVBoxLayout(accessPage);
    auto* af = new QHBoxLayout;
    af->addWidget(new QLabel(tr("Who can see, edit or export")));
    af->addWidget(m_accessTarget, 1);
    al->addLayout(af);
    al->addWidget(m_access);
    tabs->addTab(accessPage, tr("Who can see this?"));

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(m_status);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(addUserButton, &QPushButton::clicked, this, &AdminDialog::addUser);
    connect(ownerButton, &QPushButton::clicked, this, &AdminDialog::makeOwner);
    connect(removeButton, &QPushButton::clicked, this, &AdminDialog::removeSelectedUser);
    connect(addRoleButton, &QPushButton::clicked, this, &AdminDialog::addRole);
    connect(grantButton, &QPushButton::clicked, this, [this] { grant(true); });
    connect(ungrantButton, &QPushButton::clicked, this, [this] { grant(false); });
    connect(addCollectionButton, &QPushButton::clicked, this, &AdminDialog::addCollection);
    connect(m_accessTarget, &QComboBox::currentIndexChanged, this, &AdminDialog::showAccess);
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
    const bool owner = m_controller.session().isOwner();
    for (auto* b : {addUserButton, ownerButton, removeButton, addRoleButton}) {
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

void AdminDialog::reject()
{
    if (!m_controller.busy()) {
        QDialog::reject();
    }
}

void AdminDialog::load()
{
    auto& s = m_controller.session();
    m_users->clear();
    m_grantUser->clear();
    for (const auto& u : s.users()) {
        if (u.removed) {
            continue;
        }
        new QTreeWidgetItem(m_users, {toQString(u.name), u.owner ? tr("owner") : tr("member"),
                                      toQString(u.fingerprint)});
        m_grantUser->addItem(toQString(u.name));
    }
    m_roles->clear();
    m_grantRole->clear();
    for (const auto& r : s.roles()) {
        new QTreeWidgetItem(m_roles, {toQString(r.name), toQString(r.rights.toString()),
                                      r.builtIn ? tr("built-in") : tr("custom")});
        if (r.name != "owner") {
            m_grantRole->addItem(toQString(r.name));
        }
    }
    const QString target = m_accessTarget->currentText();
    m_grantCollection->clear();
    m_accessTarget->clear();
    m_grants->clear();
    for (const auto& c : s.collections()) {
        if (!c.readable) {
            continue;
        }
        m_grantCollection->addItem(toQString(c.path));
        m_accessTarget->addItem(toQString(c.path));
    }
    for (const auto& u : s.users()) {
        for (const auto& g : s.grantsOf(u.name)) {
            new QTreeWidgetItem(m_grants,
                                {toQString(g.user), toQString(g.role), toQString(g.collection),
                                 toQString(g.rights.toString())});
        }
    }
    if (const int i = m_accessTarget->findText(target); i >= 0) {
        m_accessTarget->setCurrentIndex(i);
    }
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
    auto done = m_controller.session().addOwner(toStd(item->text(0)));
    if (!done) {
        warn(this, done.error());
        return;
    }
    m_status->setText(
        tr("%1 is now an owner: the vault no longer depends on one person.").arg(item->text(0)));
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
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add role"));
    auto* name = new QLineEdit;
    QList<QCheckBox*> boxes;
    auto* form = new QFormLayout(&dialog);
    form->addRow(tr("Name:"), name);
    for (const char* right : {"view", "edit", "export", "review", "manage"}) {
        auto* box = new QCheckBox(QString::fromLatin1(right));
        boxes << box;
        form->addRow(QString(), box);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    QStringList rights;
    for (auto* b : boxes) {
        if (b->isChecked()) {
            rights << b->text();
        }
    }
    auto parsed = core::Rights::parse(toStd(rights.join(u',')));
    if (!parsed) {
        warn(this, parsed.error());
        return;
    }
    auto done = m_controller.session().defineRole(toStd(name->text().trimmed()), *parsed);
    if (!done) {
        warn(this, done.error());
        return;
    }
    load();
}

void AdminDialog::grant(bool give)
{
    auto& s = m_controller.session();
    const std::string user = toStd(m_grantUser->currentText());
    const std::string role = toStd(m_grantRole->currentText());
    const std::string collection = toStd(m_grantCollection->currentText());
    auto done = give ? s.grant(user, role, collection) : s.ungrant(user, role, collection);
    if (!done) {
        warn(this, done.error());
        return;
    }
    m_status->setText(give ? tr("Granted.")
                           : tr("Ungranted; the keys they no longer need were "
                                "rotated."));
    load();
}

void AdminDialog::showAccess()
{
    m_access->clear();
    if (m_accessTarget->currentText().isEmpty()) {
        return;
    }
    auto access = m_controller.session().access(toStd(m_accessTarget->currentText()));
    if (!access) {
        new QTreeWidgetItem(m_access, {toQString(access.error().message)});
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
    auto done = m_controller.session().addCollection(toStd(path.trimmed()));
    if (!done) {
        warn(this, done.error());
        return;
    }
    load();
}

// --- Export and print ---

ExportDialog::ExportDialog(VaultController& controller, core::Id sop, QWidget* parent)
    : QDialog(parent), m_controller(controller), m_sop(sop)
{
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export"));
    resize(640, 360);
    m_md = new QRadioButton(tr("&Markdown"));
    m_md->setObjectName(QStringLiteral("formatMd"));
    m_html = new QRadioButton(tr("&HTML (self-contained, printable)"));
    m_html->setObjectName(QStringLiteral("formatHtml"));
    m_pdf = new QRadioButton(tr("&PDF"));
    m_pdf->setObjectName(QStringLiteral("formatPdf"));
    m_pdf->setChecked(true);
    auto* formats = new QGroupBox(tr("Format"));
    auto* fl = new QVBoxLayout(formats);
    for (auto* r : {m_pdf, m_html, m_md}) {
        fl->addWidget(r);
        connect(r, &QRadioButton::toggled, this, &ExportDialog::updatePreview);
    }
    m_path = new QLineEdit;
    m_path->setObjectName(QStringLiteral("exportPath"));
    auto* browse = namedButton(tr("&Browse…"), "browseButton");
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export to"), m_path->text());
        if (!file.isEmpty()) {
            m_path->setText(file);
        }
    });
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    m_watermark = new QLabel;
    m_watermark->setObjectName(QStringLiteral("watermarkPreview"));
    m_watermark->setWordWrap(true);
    m_watermark->setStyleSheet(QStringLiteral("border: 1px solid #d1d5db; padding: 8px; "
                                              "color: #4b5563; background: #fafafa;"));
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    auto* go = buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);
    go->setObjectName(QStringLiteral("doExportButton"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(formats);
    layout->addWidget(new QLabel(tr("Save as:")));
    layout->addLayout(pathRow);
    layout->addWidget(new QLabel(tr("Every page carries this watermark, and the export is "
                                    "recorded in the audit log:")));
    layout->addWidget(m_watermark);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::doExport);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updatePreview();
}

void ExportDialog::updatePreview()
{
    auto& s = m_controller.session();
    QString title;
    QString collection;
    std::uint64_t version = 0;
    if (auto x = s.summary(m_sop)) {
        title = toQString(x->title);
        collection = toQString(x->collection);
        version = x->version;
    }
    const QString ext = m_pdf->isChecked()    ? QStringLiteral(".pdf")
                        : m_html->isChecked() ? QStringLiteral(".html")
                                              : QStringLiteral(".md");
    QString path = m_path->text();
    if (path.isEmpty() || path.endsWith(QStringLiteral(".pdf")) ||
        path.endsWith(QStringLiteral(".html")) || path.endsWith(QStringLiteral(".md"))) {
        const QString base =
            path.isEmpty() ? QDir::homePath() + u'/' + title : path.section(u'.', 0, -2);
        m_path->setText(base + ext);
    }
    m_watermark->setText(
        tr("Exported from SOP Vault by %1 on %2 · vault %3 · %4 · version %5 · "
           "not for distribution")
            .arg(toQString(s.userName()), formatTime(s.now()), toQString(s.vaultId()), collection)
            .arg(version));
}

bool ExportDialog::writePdf(const core::ExportedSop& sop, const QString& file)
{
    QPdfWriter writer(file);
    writer.setTitle(toQString(sop.title));
    writer.setCreator(QStringLiteral("SOP Vault"));
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(18, 22, 18, 22), QPageLayout::Millimeter);
    writer.setResolution(150);
    QPainter painter;
    if (!painter.begin(&writer)) {
        return false;
    }
    const QRect page = writer.pageLayout().paintRectPixels(writer.resolution());
    const int band = writer.resolution() / 3; // room for the watermark at top and bottom
    QTextDocument doc;
    doc.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 10));
    doc.setHtml(QStringLiteral("<h1>%1</h1>%2")
                    .arg(toQString(sop.title).toHtmlEscaped(), toQString(sop.html)));
    doc.setPageSize(QSizeF(page.width(), page.height() - 2 * band));
    const int pages = doc.pageCount();
    QFont small(QStringLiteral("DejaVu Sans"), 7);
    for (int i = 0; i < pages; ++i) {
        if (i > 0) {
            writer.newPage();
        }
        painter.save();
        painter.setFont(small);
        painter.setPen(QColor(0x6b, 0x72, 0x80));
        const QString mark = toQString(sop.watermark);
        painter.drawText(QRect(0, 0, page.width(), band),
                         Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, mark);
        painter.drawText(QRect(0, page.height() - band, page.width(), band),
                         Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap,
                         QObject::tr("%1 · page %2 of %3").arg(mark).arg(i + 1).arg(pages));
        painter.restore();
        painter.save();
        painter.translate(0, band - i * (page.height() - 2 * band));
        doc.drawContents(&painter, QRectF(0, i * (page.height() - 2 * band), page.width(),
                                          page.height() - 2 * band));
        painter.restore();
    }
    return painter.end();
}

void ExportDialog::doExport()
{
    auto& s = m_controller.session();
    const QString path = m_path->text().trimmed();
    if (path.isEmpty()) {
        m_status->setText(tr("Choose where to save it."));
        return;
    }
    if (QFileInfo::exists(path)) {
        m_status->setText(tr("%1 already exists; choose another name.").arg(path));
        return;
    }
    if (m_pdf->isChecked()) {
        auto docs = s.prepareExport({m_sop}, "pdf");
        if (!docs) {
            m_status->setText(toQString(docs.error().message));
            return;
        }
        if (!writePdf(docs->front(), path)) {
            m_status->setText(tr("Cannot write %1.").arg(path));
            return;
        }
    } else {
        auto done = s.exportSop(
            m_sop, m_html->isChecked() ? core::ExportFormat::Html : core::ExportFormat::Markdown,
            toStd(path));
        if (!done) {
            m_status->setText(toQString(done.error().message));
            return;
        }
    }
    accept();
}

void ExportDialog::print(VaultController& controller, const core::Id& sop, QWidget* parent)
{
    QPrinter printer(QPrinter::HighResolution);
    QPrintDialog dialog(&printer, parent);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    auto docs = controller.session().prepareExport({sop}, "print");
    if (!docs) {
        warn(parent, docs.error());
        return;
    }
    QTextDocument doc;
    doc.setHtml(QStringLiteral("<p style=\"color:#6b7280;font-size:8pt\">%1</p><h1>%2</h1>%3"
                               "<p style=\"color:#6b7280;font-size:8pt\">%1</p>")
                    .arg(toQString(docs->front().watermark).toHtmlEscaped(),
                         toQString(docs->front().title).toHtmlEscaped(),
                         toQString(docs->front().html)));
    doc.print(&printer);
}

// --- Import ---

ImportDialog::ImportDialog(VaultController& controller, const QString& folder,
                           const QString& collection, QWidget* parent)
    : QDialog(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("importDialog"));
    setWindowTitle(tr("Importing %1").arg(folder));
    resize(640, 420);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("progress"));
    m_current = new QLabel;
    m_report = new QTextBrowser;
    m_report->setObjectName(QStringLiteral("report"));
    m_cancel = namedButton(tr("&Cancel import"), "cancelImportButton");
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    close->setEnabled(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Into <b>%1</b>. Nothing is saved until every file is done; "
                                    "cancel and nothing is imported.")
                                     .arg(collection.toHtmlEscaped())));
    layout->addWidget(m_progress);
    layout->addWidget(m_current);
    layout->addWidget(m_report, 1);
    layout->addWidget(m_cancel);
    layout->addWidget(close);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_cancel, &QPushButton::clicked, &m_controller, &VaultController::cancelImport);
    connect(&m_controller, &VaultController::progress, this,
            [this](int done, int total, const QString& what) {
                m_progress->setRange(0, total);
                m_progress->setValue(done);
                m_current->setText(what);
            });
    connect(&m_controller, &VaultController::imported, this,
            [this, close](const core::ImportReport& r) {
                QString text = tr("<p><b>%1 new, %2 updated, %3 unchanged.</b></p>")
                                   .arg(r.imported)
                                   .arg(r.updated)
                                   .arg(r.unchanged);
                if (!r.skipped.empty()) {
                    text += tr("<p>Skipped:</p><ul>");
                    for (const auto& k : r.skipped) {
                        text += QStringLiteral("<li>%1: %2</li>")
                                    .arg(toQString(k.path).toHtmlEscaped(),
                                         toQString(k.reason).toHtmlEscaped());
                    }
                    text += QStringLiteral("</ul>");
                }
                m_report->setHtml(text);
                m_cancel->setEnabled(false);
                close->setEnabled(true);
            });
    connect(&m_controller, &VaultController::operationFailed, this,
            [this, close](const Failure& f) {
                m_report->setPlainText(f.message);
                m_cancel->setEnabled(false);
                close->setEnabled(true);
            });
    m_controller.importFolder(folder, collection);
}

} // namespace sopvault::desktop
