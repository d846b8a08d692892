"""Online sources: fetched pages and feeds, and the full pages of summary-only entries.

Every request goes through one ``fetch.Fetcher`` per run (its deadline, size cap,
per-host limit and budget); the bytes are parsed by ``readers``. A URL that fails is
one warning naming it, never the end of the run.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Sequence

from .errors import InputDataError
from .fetch import FetchError, Fetcher, Request, Response
from .models import Article
from .readers import feed_articles, looks_like_feed, page_article

log = logging.getLogger("digest")


def read_response(url: str, response: Response) -> list[Article]:
    """The articles of a fetched document: a feed's entries, or a page's one article.

    Raises:
        InputDataError: neither a feed nor a page with article text; names ``url``.
    """
    if looks_like_feed(response.content_type, response.data):
        return feed_articles(url, response.data, response.final_url)
    return [page_article(response.data, response.final_url, url)]


def read_urls(urls: Sequence[str], fetcher: Fetcher) -> list[list[Article] | InputDataError]:
    """Fetch every URL (a page or a feed) and read it; each URL's articles or why not, in order.

    Calling this is asking to go online, so the entries of a fetched feed that carry
    only a summary are completed from their pages.
    """
    results: list[list[Article] | InputDataError] = []
    for url, response in zip(urls, fetcher.fetch_many([Request(url) for url in urls])):
        if isinstance(response, FetchError):
            results.append(response)
            continue
        try:
            results.append(read_response(url, response))
        except InputDataError as exc:
            results.append(exc)
    found = [a for r in results if not isinstance(r, InputDataError) for a in r]
    completed = iter(complete_summaries(found, fetcher))
    return [r if isinstance(r, InputDataError) else [next(completed) for _ in r] for r in results]


def complete_summaries(articles: Sequence[Article], fetcher: Fetcher) -> list[Article]:
    """``articles`` with each summary-only feed entry's body replaced by its page's text.

    A page that cannot be fetched or read keeps the summary, with one warning naming
    it; so does a page whose text is shorter than the summary. Each page is fetched
    once however many entries link to it.
    """
    links = list(dict.fromkeys(a.url for a in articles if a.summary_only))
    if not links:
        return list(articles)
    pages: dict[str, Article | InputDataError] = {}
    for link, response in zip(links, fetcher.fetch_many([Request(link) for link in links])):
        if isinstance(response, FetchError):
            pages[link] = response
            continue
        try:
            pages[link] = page_article(response.data, response.final_url, link)
        except InputDataError as exc:
            pages[link] = exc
    out = []
    warned: set[str] = set()
    for article in articles:
        page = pages.get(article.url) if article.summary_only else None
        if isinstance(page, InputDataError):
            if article.url not in warned:
                warned.add(article.url)
                log.warning("%s (entry of %s): the feed summary is used instead", page.message, article.path)
        elif page is not None and len(page.body) > len(article.body):
            article = dataclasses.replace(article, body=page.body, published=article.published or page.published,
                                          summary_only=False)
        out.append(article)
    return out
