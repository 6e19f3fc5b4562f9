// The deterministic SOP corpus: runbook-like Markdown (headings, numbered steps, task lists,
// tables, code blocks, quotes, links) built from an IT-operations vocabulary. Every SOP and
// version is derived from (seed, index, version) alone, so bodies can be regenerated instead of
// held, and a run at 10,000 SOPs contains the same first 1,000 SOPs as a run at 1,000.
#include "Corpus.h"

#include "Random.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string_view>

namespace sopvault::bench {
namespace {

using test::Random;

using Words = std::span<const std::string_view>;

constexpr std::array<std::string_view, 10> kGroups = {
    "Clients", "Infrastructure", "Identity",     "Messaging",    "Security",
    "Backup",  "Endpoints",      "Service Desk", "Applications", "Facilities"};
constexpr std::array<std::array<std::string_view, 5>, 10> kLeaves = {{
    {"Acme", "Globex", "Initech", "Umbrella", "Stark Industries"},
    {"Network", "Storage", "Virtualisation", "Power", "Datacentre"},
    {"Active Directory", "Entra ID", "MFA", "Access Reviews", "Service Accounts"},
    {"Exchange", "SMTP", "Teams", "Spam Filtering", "Mailbox Moves"},
    {"Incident Response", "Patching", "Vulnerability Scans", "EDR", "Firewall"},
    {"Veeam", "Offsite", "Restore Tests", "Databases", "Cloud"},
    {"Laptops", "Printers", "Mobile", "Imaging", "Peripherals"},
    {"Onboarding", "Offboarding", "Escalation", "On-Call", "Tickets"},
    {"ERP", "CRM", "Web", "Databases", "Licensing"},
    {"Access Control", "CCTV", "Wi-Fi", "Telephony", "Office Moves"},
}};

constexpr std::array<std::string_view, 24> kVerbs = {
    "Rotate",       "Restore",  "Back up",   "Patch",    "Onboard",      "Offboard",
    "Reset",        "Renew",    "Migrate",   "Audit",    "Decommission", "Provision",
    "Troubleshoot", "Escalate", "Configure", "Update",   "Monitor",      "Verify",
    "Replace",      "Rebuild",  "Test",      "Document", "Recover",      "Harden"};
constexpr std::array<std::string_view, 30> kObjects = {"the TLS certificate",
                                                       "a user's password",
                                                       "the nightly backup",
                                                       "the site-to-site VPN",
                                                       "DNS records",
                                                       "the SMTP relay",
                                                       "MFA enrolment",
                                                       "a shared mailbox",
                                                       "the RAID array",
                                                       "firewall rules",
                                                       "the print queue",
                                                       "a staff laptop",
                                                       "the domain controller",
                                                       "licence assignments",
                                                       "the guest Wi-Fi key",
                                                       "API tokens",
                                                       "the SSL inspection policy",
                                                       "log retention",
                                                       "the UPS",
                                                       "the hypervisor",
                                                       "the database replica",
                                                       "the payroll export",
                                                       "badge access",
                                                       "the VoIP trunk",
                                                       "the web application firewall",
                                                       "the file server share",
                                                       "conditional access policies",
                                                       "the EDR agent",
                                                       "the service account",
                                                       "the offsite copy"};
constexpr std::array<std::string_view, 30> kSystems = {"Exchange Online",
                                                       "Active Directory",
                                                       "Entra ID",
                                                       "pfSense",
                                                       "FortiGate",
                                                       "Veeam",
                                                       "Synology NAS",
                                                       "vCenter",
                                                       "Hyper-V",
                                                       "PostgreSQL",
                                                       "MySQL",
                                                       "Microsoft 365",
                                                       "Okta",
                                                       "Jira",
                                                       "Confluence",
                                                       "the Cisco core switch",
                                                       "the UniFi controller",
                                                       "Windows Server 2022",
                                                       "Ubuntu 22.04",
                                                       "the Kubernetes cluster",
                                                       "nginx",
                                                       "Let's Encrypt",
                                                       "Bitwarden",
                                                       "Datto RMM",
                                                       "ConnectWise",
                                                       "SentinelOne",
                                                       "Intune",
                                                       "SharePoint",
                                                       "Teams",
                                                       "the ERP"};
constexpr std::array<std::string_view, 8> kRoles = {
    "the on-call engineer", "the service desk lead",     "the client's IT contact",
    "the security officer", "the network team",          "the account manager",
    "the duty manager",     "the database administrator"};
constexpr std::array<std::string_view, 96> kFiller = {
    "the",        "a",         "and",      "then",        "before",      "after",      "check",
    "confirm",    "that",      "every",    "service",     "server",      "client",     "user",
    "account",    "backup",    "restore",  "schedule",    "window",      "change",     "approval",
    "ticket",     "incident",  "priority", "outage",      "maintenance", "monitoring", "alert",
    "threshold",  "dashboard", "policy",   "retention",   "snapshot",    "replica",    "failover",
    "cluster",    "node",      "volume",   "certificate", "expiry",      "renewal",    "rotation",
    "credential", "vault",     "password", "token",       "session",     "login",      "network",
    "switch",     "router",    "firewall", "rule",        "port",        "vlan",       "subnet",
    "gateway",    "dns",       "record",   "zone",        "mailbox",     "relay",      "spam",
    "quarantine", "license",   "tenant",   "endpoint",    "agent",       "patch",      "update",
    "reboot",     "escalate",  "document", "evidence",    "rollback",    "plan",       "test",
    "verify",     "owner",     "contact",  "customer",    "invoice",     "contract",   "site",
    "office",     "remote",    "onsite",   "weekly",      "monthly",     "quarterly",  "carefully",
    "only",       "never",     "always",   "within",      "minutes"};
constexpr std::array<std::string_view, 12> kTags = {
    "network", "backup", "security", "onboarding", "client",    "windows",
    "linux",   "m365",   "urgent",   "monthly",    "quarterly", "compliance"};
constexpr std::array<std::string_view, 16> kCommands = {
    "Get-ADUser -Identity jdoe -Properties LastLogonDate",
    "Set-ADAccountPassword -Identity jdoe -Reset",
    "Get-Mailbox -ResultSize Unlimited | Where-Object {$_.ProhibitSendQuota -ne 'Unlimited'}",
    "openssl x509 -in /etc/ssl/certs/site.pem -noout -enddate",
    "certbot renew --dry-run",
    "systemctl restart nginx && systemctl status nginx --no-pager",
    "pg_dump -Fc -f /backups/app-$(date +%F).dump app",
    "rsync -avz --delete /srv/data/ backup01:/backups/data/",
    "kubectl rollout restart deployment/web -n prod",
    "kubectl get pods -n prod -o wide",
    "dig +short MX example.com",
    "Test-NetConnection smtp.office365.com -Port 587",
    "Get-VBRJob | Where-Object {$_.IsScheduleEnabled}",
    "zpool status -x",
    "nmap -Pn -p 443,8443 10.20.0.0/24",
    "journalctl -u sshd --since '1 hour ago'"};
constexpr std::array<std::string_view, 12> kNames = {
    "Ana Silva", "Ben Okafor", "Chloe Martin", "Dev Patel", "Eva Novak",  "Farid Haddad",
    "Grace Kim", "Hugo Berg",  "Ines Costa",   "Jon Walsh", "Kai Tanaka", "Lena Vogel"};

std::string_view pick(Random& r, Words words)
{
    return words[r.below(words.size())];
}

std::string capitalised(std::string text)
{
    if (!text.empty()) {
        text.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
    }
    return text;
}

std::string lowerFirst(std::string_view text)
{
    std::string out(text);
    if (!out.empty()) {
        out.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(out.front())));
    }
    return out;
}

std::string serverName(Random& r)
{
    return fmt::format("srv-{:04}", r.below(2000));
}

std::string ticketId(Random& r)
{
    return fmt::format("INC{:06}", r.below(20000));
}

// A sentence of filler with an occasional system, server or ticket woven in.
std::string sentence(Random& r)
{
    const std::size_t words = r.between(8, 18);
    std::string out;
    for (std::size_t i = 0; i < words; ++i) {
        if (i > 0) {
            out += ' ';
        }
        const std::size_t roll = r.below(20);
        if (roll == 0) {
            out += pick(r, kSystems);
        } else if (roll == 1) {
            out += serverName(r);
        } else if (roll == 2) {
            out += lowerFirst(pick(r, kObjects));
        } else {
            out += pick(r, kFiller);
        }
    }
    return capitalised(std::move(out)) + '.';
}

std::string paragraph(Random& r)
{
    std::string out;
    const std::size_t sentences = r.between(2, 5);
    for (std::size_t i = 0; i < sentences; ++i) {
        out += (i > 0 ? " " : "") + sentence(r);
    }
    return out + "\n\n";
}

std::string instruction(Random& r)
{
    switch (r.below(7)) {
    case 0:
        return fmt::format("Log in to {} as an administrator from the jump host.",
                           pick(r, kSystems));
    case 1:
        return fmt::format("Run `{}` and confirm the output is as expected.", pick(r, kCommands));
    case 2:
        return fmt::format("Open a ticket ({}) and set the priority to P{}.", ticketId(r),
                           r.between(1, 4));
    case 3:
        return fmt::format("Notify {} in the #ops channel before you continue.", pick(r, kRoles));
    case 4:
        return fmt::format("{} on {} and note the time in the ticket.",
                           capitalised(std::string(pick(r, kVerbs))) + " " +
                               std::string(pick(r, kObjects)),
                           serverName(r));
    case 5:
        return fmt::format("Check that {} reports **healthy** on 10.{}.{}.{}.", pick(r, kSystems),
                           r.below(255), r.below(255), r.between(1, 254));
    default:
        return sentence(r);
    }
}

void appendSteps(Random& r, std::string& out)
{
    constexpr std::array<std::string_view, 6> kHeadings = {
        "Steps", "Procedure", "Preparation", "Verification", "Cut-over", "Post-change checks"};
    out += fmt::format("## {}\n\n", pick(r, kHeadings));
    const std::size_t steps = r.between(4, 12);
    for (std::size_t i = 1; i <= steps; ++i) {
        out += fmt::format("{}. {}\n", i, instruction(r));
        if (r.chance(0.3)) {
            out += fmt::format("   - {}\n   - {}\n", sentence(r), instruction(r));
        }
    }
    out += '\n';
}

void appendChecklist(Random& r, std::string& out)
{
    constexpr std::array<std::string_view, 4> kHeadings = {"Checklist", "Before you start",
                                                           "Sign-off checklist", "Handover"};
    out += fmt::format("## {}\n\n", pick(r, kHeadings));
    const std::size_t items = r.between(3, 8);
    for (std::size_t i = 0; i < items; ++i) {
        out += fmt::format("- [{}] {}\n", r.chance(0.3) ? 'x' : ' ', instruction(r));
    }
    out += '\n';
}

void appendTable(Random& r, std::string& out)
{
    if (r.chance(0.5)) {
        out += "## Contacts\n\n| Role | Name | Phone | Hours |\n|---|---|---|---|\n";
        const std::size_t rows = r.between(3, 7);
        for (std::size_t i = 0; i < rows; ++i) {
            out +=
                fmt::format("| {} | {} | +44 20 {:04} {:04} | {} |\n",
                            capitalised(std::string(pick(r, kRoles))), pick(r, kNames),
                            r.below(10000), r.below(10000), r.chance(0.5) ? "08:00-18:00" : "24/7");
        }
    } else {
        out += "## Systems\n\n| System | Host | Owner | Last checked |\n|---|---|---|---|\n";
        const std::size_t rows = r.between(3, 8);
        for (std::size_t i = 0; i < rows; ++i) {
            out += fmt::format("| {} | {} | {} | 2026-{:02}-{:02} |\n", pick(r, kSystems),
                               serverName(r), pick(r, kNames), r.between(1, 12), r.between(1, 28));
        }
    }
    out += '\n';
}

void appendCode(Random& r, std::string& out)
{
    const bool powershell = r.chance(0.4);
    out += fmt::format("```{}\n", powershell ? "powershell" : "bash");
    const std::size_t lines = r.between(2, 8);
    for (std::size_t i = 0; i < lines; ++i) {
        if (r.chance(0.2)) {
            out += "# " + sentence(r) + '\n';
        }
        out += std::string(pick(r, kCommands)) + '\n';
    }
    out += "```\n\n";
}

void appendNotes(Random& r, std::string& out)
{
    switch (r.below(4)) {
    case 0:
        out += "## Rollback\n\n" + paragraph(r);
        break;
    case 1:
        out += fmt::format("> **Warning:** {}\n\n", sentence(r));
        break;
    case 2:
        out += fmt::format("## References\n\n- [{} runbook](https://wiki.example.com/{}/{})\n"
                           "- Ticket {}\n\n",
                           pick(r, kSystems), r.below(900), serverName(r), ticketId(r));
        break;
    default:
        out += "## Notes\n\n" + paragraph(r) + paragraph(r);
        break;
    }
}

// Sizes spread around 6 KB (log-normal), with about 2% of long runbooks near 50 KB.
std::size_t targetSize(Random& r)
{
    if (r.chance(0.02)) {
        return r.between(40000, 60000);
    }
    const double size = 5400.0 * std::exp(0.45 * r.normal());
    return static_cast<std::size_t>(std::clamp(size, 1500.0, 24000.0));
}

std::string slug(std::string_view text)
{
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0) {
            out += static_cast<char>(std::tolower(u));
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    return out.substr(0, 60);
}

std::string firstBody(std::uint64_t seed, const SopSpec& spec)
{
    Random r = Random::forItem(seed, spec.index, 1);
    const std::size_t target = targetSize(r);
    std::string out = fmt::format("# {}\n\n", spec.title);
    out += fmt::format("**Owner:** {} · **Applies to:** {} · **Review:** every {} days\n\n",
                       pick(r, kNames), spec.collection, r.chance(0.5) ? 90 : 180);
    out += "## Purpose\n\n" + paragraph(r);
    out += "## Prerequisites\n\n";
    for (std::size_t i = r.between(2, 5); i > 0; --i) {
        out += "- " + instruction(r) + '\n';
    }
    out += '\n';
    appendSteps(r, out);
    while (out.size() < target) {
        switch (r.below(5)) {
        case 0:
            appendSteps(r, out);
            break;
        case 1:
            appendChecklist(r, out);
            break;
        case 2:
            appendTable(r, out);
            break;
        case 3:
            appendCode(r, out);
            break;
        default:
            appendNotes(r, out);
            break;
        }
    }
    return out;
}

// An edit: a few lines rewritten, perhaps a step added, and a change-log line appended.
std::string nextVersion(std::uint64_t seed, const SopSpec& spec, int version, std::string body)
{
    Random r = Random::forItem(seed, spec.index, static_cast<std::uint64_t>(version));
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < body.size()) {
        const auto nl = body.find('\n', start);
        const auto end = nl == std::string::npos ? body.size() : nl;
        lines.emplace_back(body.substr(start, end - start));
        start = end + 1;
    }
    for (std::size_t edits = r.between(1, 4); edits > 0; --edits) {
        const std::size_t i = r.between(2, lines.size() - 1);
        if (lines[i].starts_with("- ") || lines[i].starts_with("> ") ||
            (!lines[i].empty() && std::isdigit(static_cast<unsigned char>(lines[i][0])) != 0)) {
            const auto space = lines[i].find(' ');
            lines[i] = lines[i].substr(0, space + 1) + instruction(r);
        } else if (!lines[i].empty() && lines[i][0] != '#' && lines[i][0] != '|' &&
                   lines[i][0] != '`') {
            lines[i] = sentence(r) + ' ' + sentence(r);
        }
    }
    std::string out;
    for (const auto& line : lines) {
        out += line + '\n';
    }
    if (!body.ends_with('\n')) {
        out.pop_back();
    }
    if (out.find("## Change log") == std::string::npos) {
        out += "## Change log\n\n";
    }
    out += fmt::format("- v{}: {} ({})\n", version, sentence(r), ticketId(r));
    return out;
}

void writeFile(const std::filesystem::path& file, std::string_view text)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
}

} // namespace

Corpus::Corpus(std::uint64_t seed, std::size_t count) : m_seed(seed)
{
    m_sops.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        Random r = Random::forItem(seed, i, 0);
        SopSpec s;
        s.index = i;
        const std::size_t group = r.below(kGroups.size());
        s.collection = fmt::format("{}/{}", kGroups[group], pick(r, kLeaves[group]));
        s.title = fmt::format("{} {} on {} (SOP-{:05})", pick(r, kVerbs), pick(r, kObjects),
                              pick(r, kSystems), i);
        s.fileName = fmt::format("sop-{:05}-{}.md", i, slug(s.title));
        for (std::size_t t = r.between(1, 3); t > 0; --t) {
            const std::string tag(pick(r, kTags));
            if (std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end()) {
                s.tags.push_back(tag);
            }
        }
        // Every SOP is edited at least once; some more often.
        s.versions = 2 + (r.chance(0.4) ? 1 : 0);
        if (s.versions == 3 && r.chance(0.4)) {
            s.versions = 4;
        }
        m_sops.push_back(std::move(s));
    }
}

std::size_t Corpus::collectionCount() const
{
    return kGroups.size() * kLeaves.front().size();
}

std::string Corpus::body(std::size_t index, int version) const
{
    const SopSpec& spec = m_sops.at(index);
    std::string text = firstBody(m_seed, spec);
    for (int v = 2; v <= version; ++v) {
        text = nextVersion(m_seed, spec, v, std::move(text));
    }
    return text;
}

std::string Corpus::fileText(std::size_t index, int version) const
{
    const SopSpec& spec = m_sops.at(index);
    std::string tags;
    for (const auto& t : spec.tags) {
        tags += (tags.empty() ? "" : ", ") + t;
    }
    return fmt::format("---\ntitle: \"{}\"\ntags: [{}]\n---\n{}", spec.title, tags,
                       body(index, version));
}

CorpusFiles Corpus::write(const std::filesystem::path& dir) const
{
    CorpusFiles files;
    constexpr int kMaxVersions = 4;
    for (int v = 1; v <= kMaxVersions; ++v) {
        files.roundDirs.push_back(dir / fmt::format("round-{}", v));
        files.roundBytes.push_back(0);
        files.roundFiles.push_back(0);
    }
    files.headDir = dir / "heads";
    std::vector<std::uint64_t> firstSizes;
    for (const SopSpec& spec : m_sops) {
        const std::string tags = [&] {
            std::string t;
            for (const auto& tag : spec.tags) {
                t += (t.empty() ? "" : ", ") + tag;
            }
            return t;
        }();
        std::string text = firstBody(m_seed, spec);
        for (int v = 1; v <= spec.versions; ++v) {
            if (v > 1) {
                text = nextVersion(m_seed, spec, v, std::move(text));
            }
            const std::string file =
                fmt::format("---\ntitle: \"{}\"\ntags: [{}]\n---\n{}", spec.title, tags, text);
            const auto round = static_cast<std::size_t>(v - 1);
            writeFile(files.roundDirs[round] / spec.collection / spec.fileName, file);
            files.roundBytes[round] += file.size();
            files.roundFiles[round] += 1;
            files.allVersionBytes += file.size();
            if (v == 1) {
                firstSizes.push_back(file.size());
            }
            if (v == spec.versions) {
                writeFile(files.headDir / spec.collection / spec.fileName, file);
                files.headBytes += file.size();
            }
        }
    }
    if (!firstSizes.empty()) {
        std::sort(firstSizes.begin(), firstSizes.end());
        files.medianFirstBytes = firstSizes[firstSizes.size() / 2];
        files.largestFirstBytes = firstSizes.back();
    }
    // A round nobody reached (tiny corpora) is dropped rather than imported empty.
    while (!files.roundFiles.empty() && files.roundFiles.back() == 0) {
        files.roundDirs.pop_back();
        files.roundBytes.pop_back();
        files.roundFiles.pop_back();
    }
    return files;
}

const std::vector<std::string>& Corpus::queries()
{
    static const std::vector<std::string> all = {
        "backup",          "certificate",       "vpn",       "dns",        "mfa",
        "exchange online", "domain controller", "rollback",  "escalate",   "veeam",
        "kubectl",         "srv-0042",          "INC004217", "raid array", "smtp relay",
        "decommission",    "fortigate",         "pg_dump",   "quarantine", "nonexistentterm"};
    return all;
}

} // namespace sopvault::bench
