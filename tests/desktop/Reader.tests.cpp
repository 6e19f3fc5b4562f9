// The reader and the editor with a runbook as it really is (issue 16): screenshots shown from
// the vault and fit to the width, a click that enlarges one, files to save (export right only),
// links to other SOPs that open them, "links to" and "linked from", a SOP the person may not
// view named without its title, a pasted screenshot and a pasted file attached on save, and the
// PDF with its images. Screenshots land under the build tree.
#include "AttachmentSource.h"
#include "AttachmentViewer.h"
#include "DesktopSupport.h"
#include "MainWindow.h"
#include "PdfExporter.h"
#include "SafeBrowser.h"
#include "TempDir.h"

#include "sopvault/core/Attachments.h"
#include "sopvault/core/Markdown.h"

#include <catch2/catch.hpp>

#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QStatusBar>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QUrl>

#include <cstdlib>
#include <fstream>
#include <iterator>

using namespace sopvault;
using namespace sopvault::desktop;
using namespace sopvault::desktoptest;
using sopvault::test::TempDir;

namespace {

const std::filesystem::path kCorpus = std::filesystem::path(SOPVAULT_TEST_DATA) / "runbooks";

std::string readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

core::Id sopTitled(core::Session& s, std::string_view title)
{
    auto sops = s.listSops();
    REQUIRE(sops);
    for (const auto& sop : *sops) {
        if (sop.title == title) {
            return sop.id;
        }
    }
    FAIL("no SOP titled " << title);
    return {};
}

// The names of the images the view's document holds, as their attachment: URLs.
QStringList imagesIn(QTextBrowser* view)
{
    QStringList out;
    for (QTextBlock b = view->document()->begin(); b.isValid(); b = b.next()) {
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            if (it.fragment().charFormat().isImageFormat()) {
                out << it.fragment().charFormat().toImageFormat().name();
            }
        }
    }
    return out;
}

// The image the view shows for `url`, asked of the view as its layout asks.
QImage shownImage(QTextBrowser* view, const QString& url)
{
    return view->loadResource(QTextDocument::ImageResource, QUrl(url)).value<QImage>();
}

// Clicks the first anchor whose href starts with `prefix`, where it is drawn, like a person.
void clickAnchor(QTextBrowser* view, const QString& prefix)
{
    for (QTextBlock b = view->document()->begin(); b.isValid(); b = b.next()) {
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextCharFormat f = it.fragment().charFormat();
            if (!f.isAnchor() || !f.anchorHref().startsWith(prefix)) {
                continue;
            }
            QTextCursor c(view->document());
            c.setPosition(it.fragment().position() + (f.isImageFormat() ? 0 : 1));
            view->setTextCursor(c);
            view->ensureCursorVisible();
            QRect at = view->cursorRect(c);
            // Inside the image, or inside the first letter of the link text.
            const QPoint point =
                f.isImageFormat() ? at.topLeft() + QPoint(4, at.height() / 2) : at.center();
            QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, point);
            return;
        }
    }
    FAIL("no link starting with " << prefix.toStdString());
}

// A screenshot as a screen tool makes one: wide, with text on it.
QImage wideScreenshot()
{
    QImage image(1600, 900, QImage::Format_RGB32);
    image.fill(QColor(0x2d, 0x6c, 0xdf));
    QPainter p(&image);
    p.fillRect(40, 40, 1520, 100, QColor(0xf4, 0xf5, 0xf7));
    p.setPen(Qt::black);
    p.setFont(QFont(QStringLiteral("DejaVu Sans"), 40));
    p.drawText(QRect(60, 40, 1500, 100), Qt::AlignVCenter,
               QStringLiteral("Expand volume: 200 GiB"));
    return image;
}

QWidget* openDialog(const char* name)
{
    QWidget* found = nullptr;
    waitFor(
        [&] {
            for (QWidget* w : QApplication::topLevelWidgets()) {
                if (w->objectName() == QLatin1String(name) && w->isVisible()) {
                    found = w;
                }
            }
            return found != nullptr;
        },
        5000);
    INFO("dialog " << name);
    REQUIRE(found != nullptr);
    return found;
}

void importCorpus(VaultController& controller)
{
    REQUIRE(controller.session().importFolder(kCorpus, "Runbooks"));
}

} // namespace

TEST_CASE("the reader shows a runbook's screenshots from the vault, enlarges one on a click, "
          "saves its files and follows its links",
          "[desktop][reader][attachments]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    importCorpus(controller);
    MainWindow window(controller);
    window.resize(1280, 800);
    window.showVault();
    window.show();
    auto* reader = child<QTextBrowser>(&window, "readerView");
    auto* title = child<QLabel>(&window, "readerTitle");

    const core::Id pvc = sopTitled(controller.session(), "A PVC is almost full");
    window.openSop(pvc);
    // The screenshot is in the page, from the vault: the same pixels as the file imported.
    const QString shot =
        QStringLiteral("attachment:../../helpers/screenshots/expand-pvc-dialog.png");
    REQUIRE(imagesIn(reader) == QStringList{shot});
    const QImage shown = shownImage(reader, shot);
    const std::string png = readFile(kCorpus / "helpers/screenshots/expand-pvc-dialog.png");
    CHECK(shown == QImage::fromData(QByteArray::fromStdString(png)));
    // Nothing else is ever loaded: not a file beside it, not the network.
    CHECK(shownImage(reader, QStringLiteral("attachment:../../helpers/screenshots/old-console.png"))
              .isNull());
    CHECK(shownImage(reader, QStringLiteral("https://example.com/pixel.png")).isNull());
    CHECK(shownImage(reader, QUrl::fromLocalFile(
                                 QString::fromStdString(
                                     (kCorpus / "helpers/screenshots/ceph-dashboard.png").string()))
                                 .toString())
              .isNull());
    // Its files, and its links to and from other SOPs, under the text.
    auto* files = child<QLabel>(&window, "readerAttachments");
    CHECK(files->isVisible());
    CHECK(files->text().contains(QStringLiteral("expand-pvc-dialog.png")));
    CHECK(files->text().contains(QStringLiteral("storage-training.pdf")));
    CHECK(files->text().contains(QStringLiteral("PDF")));
    auto* links = child<QLabel>(&window, "readerLinks");
    CHECK(links->text().contains(QStringLiteral("Links to:")));
    CHECK(links->text().contains(QStringLiteral("Ceph health warnings")));
    screenshot(&window, "reader-attachments");

    SECTION("a click on the screenshot enlarges it, and the owner saves it from there")
    {
        clickAnchor(reader, QStringLiteral("attachment:"));
        auto* viewer = openDialog("attachmentViewer");
        CHECK(child<QLabel>(viewer, "attachmentImage")->pixmap().size() == shown.size());
        auto* save = child<QPushButton>(viewer, "saveAttachmentButton");
        REQUIRE(save->isEnabled());
        screenshot(viewer, "reader-attachment-enlarged");
        QTest::mouseClick(save, Qt::LeftButton);
        auto* dialog = qobject_cast<QFileDialog*>(openDialog("saveAttachmentDialog"));
        REQUIRE(dialog != nullptr);
        const QString out = QString::fromStdString((dir.path() / "saved.png").string());
        dialog->selectFile(out);
        static_cast<QDialog*>(dialog)->accept(); // as its Save button does
        CHECK(readFile(dir.path() / "saved.png") == png);
        CHECK(window.statusBar()->currentMessage().startsWith(QStringLiteral("Saved ")));
        viewer->close();
        // Saving is an export: the audit log names it.
        auto log = controller.session().audit();
        REQUIRE(log);
        CHECK(std::any_of(log->begin(), log->end(),
                          [](const core::AuditEntry& e) { return e.action == "save-attachment"; }));
    }

    SECTION("a link to another SOP opens it, and that one says who links to it")
    {
        clickAnchor(reader, QStringLiteral("sopvault:"));
        REQUIRE(
            waitFor([&] { return title->text() == QStringLiteral("Ceph health warnings"); }, 5000));
        CHECK(links->text().contains(QStringLiteral("Linked from:")));
        CHECK(links->text().contains(QStringLiteral("A PVC is almost full")));
        CHECK(links->text().contains(QStringLiteral("P1 major incident")));
        // And back, through the "linked from" line.
        QString back;
        for (const QString& part : links->text().split(QStringLiteral("<a href=\""))) {
            if (part.contains(QStringLiteral(">A PVC is almost full<"))) {
                back = part.section(u'"', 0, 0);
            }
        }
        REQUIRE_FALSE(back.isEmpty());
        emit links->linkActivated(back);
        CHECK(title->text() == QStringLiteral("A PVC is almost full"));
    }

    SECTION("a technician without export reads the images but cannot save a file, and a link to "
            "a SOP he may not view says so without its title")
    {
        auto& s = controller.session();
        addTom(s);
        REQUIRE(s.grant("tom", "technician", "Runbooks/incidents/during"));
        REQUIRE(s.grant("tom", "technician", "Runbooks/alerts/kubernetes"));
        controller.lock();
        controller.unlock(QStringLiteral("tom"),
                          *crypto::SecureBuffer::copyOf(std::string_view("tom pw")));
        REQUIRE(waitFor([&] { return controller.isUnlocked(); }));
        window.showVault();

        window.openSop(pvc);
        REQUIRE(imagesIn(reader) == QStringList{shot});
        CHECK_FALSE(shownImage(reader, shot).isNull());
        CHECK(links->text().contains(QStringLiteral("one SOP you may not view")));
        CHECK_FALSE(links->text().contains(QStringLiteral("Ceph health warnings")));
        clickAnchor(reader, QStringLiteral("attachment:"));
        auto* viewer = openDialog("attachmentViewer");
        CHECK_FALSE(child<QPushButton>(viewer, "saveAttachmentButton")->isEnabled());
        viewer->close();
        // The slides are a file to save, and saving needs export.
        emit files->linkActivated(QString::fromStdString(
            core::attachmentUrl("../../helpers/slides/storage-training.pdf")));
        CHECK(window.statusBar()->currentMessage().contains(QStringLiteral("export right")));
        CHECK(window.findChild<QFileDialog*>(QStringLiteral("saveAttachmentDialog")) == nullptr);

        // A new session since the unlock.
        const core::Id p1 = sopTitled(controller.session(), "P1 major incident");
        window.openSop(p1);
        clickAnchor(reader, QStringLiteral("sopvault:"));
        CHECK(title->text() == QStringLiteral("P1 major incident"));
        const QString said = window.statusBar()->currentMessage();
        CHECK(said.contains(QStringLiteral("not one you may view")));
        CHECK_FALSE(said.contains(QStringLiteral("incident"), Qt::CaseInsensitive));
        screenshot(&window, "reader-technician-links");
    }
}

TEST_CASE("the editor attaches a pasted screenshot and a pasted file on save, and only what the "
          "text still references",
          "[desktop][editor][attachments]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    importCorpus(controller);
    MainWindow window(controller);
    window.resize(1024, 700);
    window.showVault();
    window.show();
    const core::Id pvc = sopTitled(controller.session(), "A PVC is almost full");
    window.openSop(pvc);
    window.editCurrent();
    auto* text = child<QPlainTextEdit>(&window, "editorText");
    auto* preview = child<QTextBrowser>(&window, "editorPreview");
    text->moveCursor(QTextCursor::End);

    // A screenshot from the clipboard: its reference goes in at the cursor.
    QApplication::clipboard()->setImage(wideScreenshot());
    QTest::keySequence(text, QKeySequence::Paste);
    REQUIRE(text->toPlainText().contains(QStringLiteral("](screenshots/screenshot-")));
    // A second one, then deleted from the text: it is not attached.
    text->moveCursor(QTextCursor::End);
    const auto before = int(text->toPlainText().size());
    QApplication::clipboard()->setImage(wideScreenshot().mirrored());
    QTest::keySequence(text, QKeySequence::Paste);
    REQUIRE(text->toPlainText().size() > before);
    QTextCursor undo = text->textCursor();
    undo.setPosition(before);
    undo.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    undo.removeSelectedText();
    // A file copied in a file manager: a link to it, not an image.
    const auto pdf = dir.path() / "vendor guide.pdf";
    {
        std::ofstream(pdf, std::ios::binary) << "%PDF-1.4\n% the vendor's guide\n%%EOF\n";
    }
    auto* files = new QMimeData;
    files->setUrls({QUrl::fromLocalFile(QString::fromStdString(pdf.string()))});
    QApplication::clipboard()->setMimeData(files);
    QTest::keySequence(text, QKeySequence::Paste);
    CHECK(text->toPlainText().contains(QStringLiteral("[vendor guide.pdf](vendor%20guide.pdf)")));

    // The preview shows the screenshot, fit to its width.
    REQUIRE(waitFor([&] { return imagesIn(preview).size() == 2; }, 5000));
    QString pasted;
    for (const QString& url : imagesIn(preview)) {
        if (url.contains(QStringLiteral("screenshot-"))) {
            pasted = url;
        }
    }
    REQUIRE_FALSE(pasted.isEmpty());
    const QImage fitted = shownImage(preview, pasted);
    REQUIRE_FALSE(fitted.isNull());
    CHECK(fitted.width() < 1600);
    CHECK(fitted.width() <= preview->viewport()->width());
    screenshot(&window, "editor-pasted-screenshot");

    QTest::keyClicks(child<QLineEdit>(&window, "editorMessage"), QStringLiteral("screenshot"));
    QTest::mouseClick(child<QPushButton>(&window, "saveButton"), Qt::LeftButton);
    auto listed = controller.session().attachments(pvc, std::nullopt);
    REQUIRE(listed);
    QStringList names;
    for (const auto& a : *listed) {
        names << QString::fromStdString(a.name);
    }
    CHECK(names.size() == 4); // the two imported files, the screenshot and the PDF
    CHECK(names.contains(QStringLiteral("vendor guide.pdf")));
    CHECK(names.filter(QStringLiteral("screenshots/screenshot-")).size() == 1);
    // The reader shows the new version's screenshot, fit to its width too.
    auto* reader = child<QTextBrowser>(&window, "readerView");
    REQUIRE(imagesIn(reader).contains(pasted));
    const QImage read = shownImage(reader, pasted);
    CHECK(read.width() <= reader->viewport()->width());
    CHECK(read.width() < 1600);
}

TEST_CASE("the PDF export lays out the SOP's images from the vault", "[desktop][export][pdf]")
{
    TempDir dir;
    VaultController controller(dir.path() / "team.sopvault", dir.path() / "state");
    createThroughWizard(controller);
    importCorpus(controller);
    const core::Id pvc = sopTitled(controller.session(), "A PVC is almost full");
    auto doc = controller.prepareExport(pvc, "pdf");
    REQUIRE(doc);
    QStringList asked;
    const QString file = QString::fromStdString((dir.path() / "pvc.pdf").string());
    REQUIRE(PdfExporter::write(*doc, file, [&](const QString& name) {
        asked << name;
        auto data = controller.openAttachment(pvc, doc->version, name);
        return data ? decodeImage(data->bytes.span()) : QImage();
    }));
    CHECK(asked == QStringList{QStringLiteral("../../helpers/screenshots/expand-pvc-dialog.png")});
    // The screenshot is in the file at its own size; without the images it is not.
    auto pdfHas = [](const QString& path, const char* what) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) && f.readAll().contains(what);
    };
    CHECK(pdfHas(file, "/Width 40"));
    CHECK(pdfHas(file, "/Height 24"));
    const QString bare = QString::fromStdString((dir.path() / "bare.pdf").string());
    REQUIRE(PdfExporter::write(*doc, bare));
    CHECK_FALSE(pdfHas(bare, "/Width 40"));
}

namespace {

// The top row of each run of rows with ink on them (pixels darker than mid grey), from `from`.
std::vector<int> inkedLineTops(const QImage& page, int from, int to)
{
    std::vector<int> tops;
    bool inLine = false;
    for (int y = from; y < to; ++y) {
        bool ink = false;
        for (int x = 0; x < page.width() && !ink; ++x) {
            ink = qGray(page.pixel(x, y)) < 128;
        }
        if (ink && !inLine) {
            tops.push_back(y);
        }
        inLine = ink;
    }
    return tops;
}

// Pixels within a few levels of `colour`.
int pixelsLike(const QImage& page, QRgb colour)
{
    int n = 0;
    for (int y = 0; y < page.height(); ++y) {
        for (int x = 0; x < page.width(); ++x) {
            const QRgb p = page.pixel(x, y);
            n += std::abs(qRed(p) - qRed(colour)) < 6 && std::abs(qGreen(p) - qGreen(colour)) < 6 &&
                 std::abs(qBlue(p) - qBlue(colour)) < 6;
        }
    }
    return n;
}

} // namespace

TEST_CASE("the PDF pages use the HTML export's stylesheet at 10 pt, with boxes for tasks",
          "[desktop][export][pdf]")
{
    QString words;
    for (int i = 0; i < 90; ++i) {
        words += QStringLiteral("Hello ");
    }
    core::ExportedSop sop;
    sop.title = "Printed runbook";
    sop.watermark = "Exported from SOP Vault by Tess on 2026-12-03 · version 1";
    const std::string markdown = toStd(words) +
                                 "\n\n| Host | Role |\n|---|---|\n| db-01 | primary |\n\n"
                                 "- [ ] Stop the service\n- [x] Take a snapshot\n";
    auto html = core::renderHtml(markdown);
    REQUIRE(html);
    sop.html = *html;

    // On paper a task's box is its marker: no form field Qt cannot draw, no bullet beside it.
    const QString printed = printableHtml(sop.html);
    CHECK_FALSE(printed.contains(QStringLiteral("<input")));
    CHECK(printed.contains(QStringLiteral("&#9744; Stop the service")));
    CHECK(printed.contains(QStringLiteral("&#9745; Take a snapshot")));
    CHECK(printed.contains(QStringLiteral(R"(<ul style="list-style-type:none">)")));

    const QList<QImage> pages = PdfExporter::pageImages(sop);
    REQUIRE(pages.size() == 1);
    const QImage& page = pages.front();
    screenshot(page, "pdf-page-1");
    // A4 less its 18 mm side margins, at 150 dpi.
    CHECK(std::abs(page.width() - qRound(174 / 25.4 * 150)) <= 2);

    // The paragraph's lines (every one starts with "Hello", so each top is an ascender's) are
    // 10 pt text: about 16 pt apart with the stylesheet's line height of 140 %. Laid out for
    // the screen and drawn at 150 dpi, they were about 7 pt apart.
    const int band = 150 / 3;
    const std::vector<int> tops = inkedLineTops(page, band, page.height() - band);
    REQUIRE(tops.size() >= 6); // the title, five or more lines of Hello, the table, the tasks
    const double pitch = (tops[4] - tops[2]) / 2.0 * 72.0 / 150.0;
    CHECK(pitch > 14.0);
    CHECK(pitch < 18.5);

    // The table's borders and its head's background are the stylesheet's colours.
    CHECK(pixelsLike(page, qRgb(0xc8, 0xcc, 0xd1)) > 300);
    CHECK(pixelsLike(page, qRgb(0xf1, 0xf3, 0xf5)) > 300);

    // The watermark is in both bands.
    CHECK(!inkedLineTops(page, 0, band).empty());
    CHECK(!inkedLineTops(page, page.height() - band, page.height()).empty());

    // Paper cannot scroll: a command of 200 characters wraps onto more lines, it is not cut off
    // at the edge.
    core::ExportedSop command = sop;
    auto code = core::renderHtml("```\n" + std::string(200, 'x') + "\n```\n");
    REQUIRE(code);
    command.html = *code;
    const QList<QImage> commandPages = PdfExporter::pageImages(command);
    REQUIRE(commandPages.size() == 1);
    CHECK(inkedLineTops(commandPages.front(), band, page.height() - band).size() >= 4);
}

TEST_CASE("the reader with a wide screenshot at 1024x700 and 1440x900, light and dark",
          "[desktop][reader][screenshots]")
{
    forEachThemeAndSize(
        QStringLiteral("reader-images-"),
        [](VaultController& controller) {
            importCorpus(controller);
            auto& s = controller.session();
            const core::Id pvc = sopTitled(s, "A PVC is almost full");
            auto view = s.readSop(pvc);
            REQUIRE(view);
            QByteArray png;
            QBuffer buffer(&png);
            REQUIRE(buffer.open(QIODevice::WriteOnly));
            REQUIRE(wideScreenshot().save(&buffer, "PNG"));
            core::SopEdit edit;
            edit.body = view->body + "\n![The resize dialog](screenshots/resize.png)\n";
            edit.addAttachments.push_back(
                {"screenshots/resize.png", crypto::Bytes(png.begin(), png.end())});
            edit.message = "the resize dialog";
            REQUIRE(s.editSop(pvc, edit));
        },
        [](VaultController& controller, const Look& look) {
            MainWindow window(controller);
            window.resize(look.size);
            window.showVault();
            window.show();
            window.openSop(sopTitled(controller.session(), "A PVC is almost full"));
            auto* reader = child<QTextBrowser>(&window, "readerView");
            const QImage wide =
                shownImage(reader, QStringLiteral("attachment:screenshots/resize.png"));
            REQUIRE_FALSE(wide.isNull());
            CHECK(wide.width() < reader->viewport()->width());
            CHECK(reader->horizontalScrollBar()->maximum() == 0);
            screenshot(&window, QStringLiteral("reader-images-") + look.label());
        });
}
