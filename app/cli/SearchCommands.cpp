// Full-text search over what the person may view: search.
#include "Commands.h"
#include "Presenters.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace sopvault::cli {
namespace {

// Bold (ANSI) only on a terminal that takes it: not into a pipe or file, not with NO_COLOR
// set, not on TERM=dumb.
bool boldOnTerminal()
{
    const char* term = std::getenv("TERM");
    const char* noColor = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) != 0 && (noColor == nullptr || *noColor == '\0') &&
           (term == nullptr || std::strcmp(term, "dumb") != 0);
}

} // namespace

void addSearchCommands(CLI::App& app, Runner& r, SearchOptions& o)
{
    auto* search = app.add_subcommand("search", "Full-text search over what you may view");
    search
        ->add_option("QUERY", o.query,
                     "words (each matches as a prefix, and by its stem) and \"quoted phrases\"")
        ->required();
    search->add_option("--collection", o.collection, "only in this collection and below");
    search->add_option("--tag", o.tag);
    search->add_option("--limit", o.limit)->capture_default_str();
    search->footer("Example: sopvault-cli --user tom search \"password reset\"");
    r.withSession(search, [&r, &o](core::Session& s) -> Result<void> {
        core::SearchQuery q;
        q.text = o.query;
        q.limit = o.limit;
        if (!o.collection.empty()) {
            q.collection = o.collection;
        }
        if (!o.tag.empty()) {
            q.tag = o.tag;
        }
        SOPVAULT_TRY(hits, s.search(q));
        r.emit(presentSearchHits(hits, o.query, boldOnTerminal()));
        return {};
    });
}

} // namespace sopvault::cli
