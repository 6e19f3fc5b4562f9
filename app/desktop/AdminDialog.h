// Administration: people (add, make owner, remove with key rotation), roles, grants (an ungrant
// rotates keys on the controller's worker) and "who can see this?".
#pragma once

#include "VaultController.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTreeWidget;
class QWidget;

namespace sopvault::desktop {

class AdminDialog : public QDialog
{
    Q_OBJECT

public:
    AdminDialog(VaultController& controller, const QString& collection, QWidget* parent = nullptr);
    void load();
    void addUser();
    void makeOwner();
    void removeSelectedUser();
    void addRole();
    void grant(bool give);
    void showAccess();
    void addCollection();
    // Not while a worker holds the session (adding or removing a person, an ungrant).
    void reject() override;

private:
    QWidget* buildPeoplePage();
    QWidget* buildRolesPage();
    QWidget* buildGrantsPage();
    QWidget* buildAccessPage();
    void followController(QTabWidget* tabs, QWidget* close);
    void loadPeople();
    void loadRoles();
    void loadCollections();

    VaultController& m_controller;
    QTreeWidget* m_users = nullptr;
    QTreeWidget* m_roles = nullptr;
    QTreeWidget* m_grants = nullptr;
    QComboBox* m_grantUser = nullptr;
    QComboBox* m_grantRole = nullptr;
    QComboBox* m_grantCollection = nullptr;
    QComboBox* m_accessTarget = nullptr;
    QTreeWidget* m_access = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QList<QPushButton*> m_ownerOnly;
};

} // namespace sopvault::desktop
