"""Full-text search over published examples (Whoosh), behind a small interface.

The rest of the application uses only the names below; the modules inside this package
(analysis, scoring, arrays, facets, snippets, …) are its private parts. The package knows
nothing of Flask: the app factory hands the SearchIndex a session factory for the catalog
cache, a holder for each unit of work's searcher and nothing else; links are made by the
caller (`suggest(..., link=url_for)`).

Reading (each takes the app's SearchIndex first):
    search(index, params)                 one page of hits, total, facets and notes
    near(index, result, municipality)     the same result re-ordered by proximity
    related(index, slug, limit)           published examples like a published one
    similar(index, text, limit)           published examples like a draft's text
    suggest(index, prefix, categories, link)   completions as you type
    parse_search_args(args, categories), parse_near(args), clean_query(text)   request → parameters
    examples_in / county_wide / municipality_context   place pages

Writing and upkeep (methods of SearchIndex; normally driven by kb/indexing.py after a commit):
    index.apply_log(session)   apply the database's index log (the one way changes arrive)
    index.update_documents(entries, remove_entry_ids)
    index.rebuild(session)     a new generation from the database, swapped in at once
    index.status() / index.info() / index.needs_rebuild()
"""
from .index import IndexUnavailable, SearchIndex
from .nearby import county_wide, examples_in, municipality_context, parse_near
from .nearby import rank_near as near
from .params import ParamError, parse_search_args
from .query import SORTS, Hit, SearchParams, SearchResult, clean_query, related
from .query import run as search
from .query import similar_to_text as similar
from .suggest import suggestions as suggest

__all__ = [
    "SORTS", "Hit", "IndexUnavailable", "clean_query", "ParamError", "SearchIndex", "SearchParams", "SearchResult",
    "county_wide", "examples_in", "municipality_context", "near", "parse_near", "parse_search_args",
    "related", "search", "similar", "suggest",
]
