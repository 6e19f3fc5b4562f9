// cmark-gfm behind one function: parse with the GFM extensions, render safe HTML.
#include "sopvault/core/Markdown.h"

#include "sopvault/core/Types.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <memory>
#include <mutex>

namespace sopvault::core {
namespace {

struct ParserDeleter
{
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter
{
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};

void registerExtensions()
{
    static std::once_flag once;
    std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

} // namespace

Result<std::string> renderHtml(std::string_view markdown)
{
    if (markdown.size() > kMaxBodyBytes) {
        return fail(ErrorCode::Usage, "The text is too large to render (over 1 MiB).");
    }
    if (!isValidUtf8(markdown)) {
        return fail(ErrorCode::Usage, "The text is not UTF-8 and cannot be rendered.");
    }
    registerExtensions();
    // CMARK_OPT_DEFAULT is safe: CMARK_OPT_UNSAFE is never passed.
    const int options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES |
                        CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
    std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(options));
    if (!parser) {
        return fail(ErrorCode::Failed, "The Markdown renderer could not start.");
    }
    for (const char* name : {"table", "tasklist", "strikethrough", "autolink", "tagfilter"}) {
        if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
            cmark_parser_attach_syntax_extension(parser.get(), ext);
        }
    }
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
    if (!doc) {
        return fail(ErrorCode::Failed, "The Markdown text could not be parsed.");
    }
    char* html =
        cmark_render_html(doc.get(), options, cmark_parser_get_syntax_extensions(parser.get()));
    if (html == nullptr) {
        return fail(ErrorCode::Failed, "The Markdown text could not be rendered.");
    }
    std::string out(html);
    cmark_get_default_mem_allocator()->free(html);
    return out;
}

} // namespace sopvault::core
