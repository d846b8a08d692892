"""Stories: articles grouped by story, one section each, every article in exactly one section."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from digest.config import Config
from digest.models import Article, Fact, Sentence, Story
from digest.pipeline import build
from digest.sections import BRIEF_TITLE, share_budget
from digest.segment import segment, word_count
from digest.stories import cluster_articles, cluster_stories, importance

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)

# Three stories, each told by two or three outlets in their own words.
CORPUS = {
    "quake": [
        ("Strong earthquake shakes coastal city of Marlow", "Coast Times", 0,
         "A magnitude 6.1 earthquake struck near Marlow early on Friday, cracking walls and cutting power to "
         "thousands of homes. Seismologists said the epicentre lay 12 kilometres offshore. Schools in Marlow "
         "were closed while engineers inspected the buildings."),
        ("Marlow residents sleep outside after 6.1 quake", "Daily Post", 1,
         "Hundreds of Marlow residents spent the night in parks after the earthquake damaged older buildings. "
         "The quake, measured at magnitude 6.1, was felt along the coast. Power was restored to most homes by "
         "the evening, the utility said."),
        ("Quake near Marlow damages harbour wall", "Radio North", 2,
         "The Friday earthquake off Marlow cracked the harbour wall and sank two fishing boats. Seismologists "
         "recorded several aftershocks after the magnitude 6.1 quake."),
    ],
    "strike": [
        ("Rail workers walk out over pay", "Daily Post", 3,
         "Rail workers across the country began a 48-hour strike on Friday after pay talks with the operators "
         "collapsed. Commuter trains were cancelled and stations stood empty. The union says wages have fallen "
         "behind inflation for three years."),
        ("Trains cancelled as rail strike begins", "Coast Times", 4,
         "Most commuter trains were cancelled on Friday as the rail union started a two-day strike over wages. "
         "The operators said the union's pay demand was unaffordable and talks had collapsed."),
    ],
    "library": [
        ("Old mill reopens as public library", "Radio North", 5,
         "The restored textile mill in Ashby opened its doors as a public library on Friday, with reading rooms "
         "on four floors. The mill's looms have been kept in the entrance hall."),
        ("Ashby's textile mill becomes a library", "Coast Times", 6,
         "After six years of restoration, Ashby's old textile mill reopened on Friday as the town library. "
         "Visitors can see the original looms beside the reading rooms."),
    ],
}


def corpus_articles(stories=CORPUS) -> tuple[list[Article], dict[int, str]]:
    articles, truth = [], {}
    for story, rows in stories.items():
        for title, outlet, hours, body in rows:
            truth[len(articles)] = story
            articles.append(Article(
                id=len(articles), url=f"https://example.test/{len(articles)}", title=title, outlet=outlet,
                published=T0 + timedelta(hours=hours), body=body, path=f"{len(articles)}.txt",
            ))
    return articles, truth


def singleton_facts(articles) -> list[Fact]:
    return [Fact(sentence=s, members=(s,), sources=(s.article,)) for a in articles for s in segment(a)]


def test_three_stories_are_found():
    articles, truth = corpus_articles()
    stories = cluster_stories(articles, singleton_facts(articles), Config())
    groups = sorted(sorted(s.articles) for s in stories)
    expected = sorted(sorted(i for i, t in truth.items() if t == name) for name in CORPUS)
    assert groups == expected


def test_every_fact_and_article_in_exactly_one_story():
    articles, _ = corpus_articles()
    facts = singleton_facts(articles)
    stories = cluster_stories(articles, facts, Config())
    assert sorted(i for s in stories for i in s.articles) == [a.id for a in articles]
    assert sorted((f.sentence.article, f.sentence.position) for s in stories for f in s.facts) == sorted(
        (f.sentence.article, f.sentence.position) for f in facts)
    for story in stories:
        assert all(f.sentence.article in story.articles for f in story.facts)


def test_headline_is_a_title_of_the_story():
    articles, _ = corpus_articles()
    for story in cluster_stories(articles, singleton_facts(articles), Config()):
        assert story.title in {articles[i].title for i in story.articles}


def test_headline_without_titles_is_a_lead_not_boilerplate():
    body = ("Share this article\n\nThe restored textile mill in Ashby opened its doors as a public library on Friday, "
            "with reading rooms on four floors.")
    article = Article(id=0, url="file:///x/abc123.txt", title="abc123", outlet=None, published=None, body=body,
                      path="/x/abc123.txt", generated_title=True)
    story, = cluster_stories([article], singleton_facts([article]), Config())
    assert story.title.startswith("The restored textile mill in Ashby")
    assert "Share" not in story.title


def test_stories_ordered_by_outlets_then_recency():
    articles, _ = corpus_articles()
    stories = cluster_stories(articles, singleton_facts(articles), Config())
    assert [len(s.articles) for s in stories] == [3, 2, 2]
    # strike and library both have two outlets: the library story is newer
    assert stories[1].articles == (5, 6)
    assert stories == sorted(stories, key=importance)


def test_deterministic():
    articles, _ = corpus_articles()
    facts = singleton_facts(articles)
    assert cluster_stories(articles, facts, Config()) == cluster_stories(articles, facts, Config())
    shuffled = list(reversed(facts))
    assert [s.articles for s in cluster_stories(articles, shuffled, Config())] == [
        s.articles for s in cluster_stories(articles, facts, Config())]


def test_time_window_keeps_stories_apart():
    articles, _ = corpus_articles({"strike": CORPUS["strike"]})
    late = articles[1].__class__(**{**articles[1].__dict__, "published": T0 + timedelta(days=10)})
    stories = cluster_stories([articles[0], late], singleton_facts([articles[0], late]), Config())
    assert len(stories) == 2


def write_corpus(folder: Path, stories=CORPUS) -> None:
    for name, rows in stories.items():
        for k, (title, outlet, hours, body) in enumerate(rows):
            published = (T0 + timedelta(hours=hours)).isoformat()
            (folder / f"{name}-{k}.md").write_text(
                f"---\ntitle: {title}\noutlet: {outlet}\nurl: https://example.test/{name}/{k}\n"
                f"published: {published}\n---\n{body}\n", encoding="utf-8")


def test_pipeline_one_section_per_story_every_article_once(tmp_path):
    write_corpus(tmp_path)
    digest = build(Config(inputs=(str(tmp_path),), max_words=120)).digest
    assert len(digest.sections) == 3
    listed = [i for s in digest.sections for i in s.articles]
    assert sorted(listed) == list(range(len(digest.articles)))
    assert all(s.items for s in digest.sections)  # small stories still get a sentence
    for section in digest.sections:
        assert all(set(item.fact.sources) <= set(section.articles) for item in section.items)


MINOR = [
    ("Zoo welcomes twin panda cubs", "The city zoo announced the birth of twin panda cubs, the first born there in a decade."),
    ("Bakery wins national bread prize", "A family bakery from Tolby won the national sourdough award with a rye loaf."),
    ("Storm topples church spire", "High winds brought down the spire of St Anne's church overnight; nobody was hurt."),
    ("Chess prodigy takes regional title", "An eleven-year-old girl won the regional chess championship without losing a game."),
    ("Museum returns bronze mask", "The national museum handed a bronze ceremonial mask back to its community of origin."),
    ("Ferry fares to rise in spring", "Island ferry tickets will cost eight percent more from April, the operator said."),
    ("Marathon route changed for roadworks", "Runners in next month's marathon will avoid the river bridge because of resurfacing."),
    ("Rare orchid found on golf course", "Botanists identified a colony of ghost orchids growing beside the ninth green."),
]


def many_stories(n: int) -> dict:
    return {f"minor{k}": [(title, f"Outlet {k}", k, body + " Details were still emerging on Friday evening.")]
            for k, (title, body) in enumerate(MINOR[:n])}


def test_minor_stories_gathered_in_brief_and_every_article_listed(tmp_path):
    stories = dict(CORPUS)
    stories.update(many_stories(8))
    write_corpus(tmp_path, stories)
    digest = build(Config(inputs=(str(tmp_path),), max_words=150)).digest
    titles = [s.title for s in digest.sections]
    assert titles[-1] == BRIEF_TITLE
    brief = digest.sections[-1]
    assert brief.items
    story_of_item = [item.fact.sentence.article for item in brief.items]
    assert len(set(story_of_item)) == len(story_of_item)  # each item from a different (one-article) story
    assert all(len(item.fact.text.split()) < 40 for item in brief.items)
    listed = [i for s in digest.sections for i in s.articles]
    assert sorted(listed) == list(range(len(digest.articles)))  # exactly once, brief items or not


def test_share_budget_gives_every_section_a_minimum_and_stays_in_budget():
    def story(n, k):
        return Story(title=str(k), articles=tuple(range(k * 10, k * 10 + n)), facts=())
    stories = [story(9, 0), story(2, 1), story(2, 2)] + [story(1, k) for k in range(3, 30)]
    config = Config(max_words=450)
    budgets, brief = share_budget(stories, config)
    given = [b for b in budgets if b is not None]
    assert len(given) == 3 and all(b.words >= 35 for b in given)
    assert given[0].words > given[1].words  # bigger story, more words
    assert given[0].words < 4 * given[1].words  # ... but sublinearly
    assert sum(b.words for b in given) + brief.words <= config.max_words
    assert all(b is None for b in budgets[3:])


def test_jobs_give_the_same_digest(tmp_path):
    from digest.pipeline import build

    write_corpus(tmp_path)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")  # skipped with a warning, either way
    one = build(Config(inputs=(str(tmp_path),), date="2026-11-20"))
    two = build(Config(inputs=(str(tmp_path),), date="2026-11-20", jobs=2))
    assert one == two
    assert one.digest.stats.skipped_files == 1


def test_only_single_article_stories_all_go_in_brief_with_the_whole_budget():
    stories = [Story(title=str(k), articles=(k,), facts=(), outlets=1) for k in range(10)]
    budgets, brief = share_budget(stories, Config(max_words=300))
    assert budgets == [None] * 10 and brief.words == 300


def _unit_rows(rows) -> "sparse.csr_matrix":
    from scipy import sparse

    m = np.asarray(rows, dtype=np.float64)
    return sparse.csr_matrix(m / np.linalg.norm(m, axis=1, keepdims=True))


# Axes: two of story A, two of story B, one of the lone article's own. Articles 0-1 are
# story A (cosine 0.8), 2-3 story B; the lone article (4) scores under the 0.2 link
# threshold with every article.
ATTACH_ROWS = [[1.0, 0.0, 0.0, 0.0, 0.0], [0.8, 0.6, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.8, 0.6, 0.0]]


def lone_article(a: float, b: float) -> list[float]:
    return [a, 0.0, b, 0.0, (1.0 - a * a - b * b) ** 0.5]


@pytest.mark.parametrize("lone, expected", [
    pytest.param(lone_article(0.15, 0.02), [[0, 1, 4], [2, 3]], id="clearly closest to A: joins it"),
    pytest.param(lone_article(0.15, 0.15), [[0, 1], [2, 3], [4]], id="as close to both: stays alone"),
    pytest.param(lone_article(0.08, 0.0), [[0, 1], [2, 3], [4]], id="under half the threshold: stays alone"),
])
def test_lone_article_attaches_only_to_a_clearly_closest_story(lone, expected):
    vectors = _unit_rows(ATTACH_ROWS + [lone])
    times = np.full(5, np.nan)
    assert cluster_articles(vectors, times, min_terms=0) == expected
    # without the attachment pass, the lone article is a story of its own
    assert [4] in cluster_articles(vectors, times, min_terms=0, attach_ratio=0)


def test_lone_article_does_not_attach_across_the_time_window():
    vectors = _unit_rows(ATTACH_ROWS + [lone_article(0.15, 0.02)])
    times = np.array([0.0, 0.0, 0.0, 0.0, 10 * 86400.0])
    assert cluster_articles(vectors, times, min_terms=0) == [[0, 1], [2, 3], [4]]


def test_lone_articles_that_pick_each_other_form_a_story():
    vectors = _unit_rows([[1.0, 0.1, 0.0], [0.1, 1.0, 0.0], [0.0, 0.0, 1.0]])
    # cosine 0.198 between 0 and 1: just under the threshold, nothing else near
    assert cluster_articles(vectors, np.full(3, np.nan), min_terms=0) == [[0, 1], [2]]


def test_a_title_shared_by_unrelated_articles_does_not_make_them_one_story():
    briefing = {
        "orchestra": [("Morning briefing", "Paper A", 0,
                       "The national orchestra named Ilse Varga its new chief conductor on Friday. She takes up "
                       "the post next season and will lead the opening concert in September.")],
        "landslide": [("Morning briefing", "Paper B", 1,
                       "A landslide blocked the mountain road above Dunmore after two days of heavy rain. Crews "
                       "expect to clear the rocks by Sunday; drivers are sent through the valley instead.")],
    }
    articles, truth = corpus_articles(briefing)
    stories = cluster_stories(articles, singleton_facts(articles), Config())
    assert sorted(s.articles for s in stories) == [(0,), (1,)]
    # Copies of one story under one title still come together, on their text.
    same = {"quake": [(title, outlet, hours, body) for title, outlet, hours, body in CORPUS["quake"][:2]]}
    same["quake"][1] = ("Strong earthquake shakes coastal city of Marlow",) + same["quake"][1][1:]
    articles, _ = corpus_articles({**same, "library": CORPUS["library"]})
    groups = sorted(s.articles for s in cluster_stories(articles, singleton_facts(articles), Config()))
    assert groups == [(0, 1), (2, 3)]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(sizes=st.lists(st.integers(1, 9), min_size=1, max_size=40), words=st.integers(0, 1000),
       sentences=st.none() | st.integers(0, 30))
def test_share_budget_never_gives_more_than_the_digest_has(sizes, words, sentences):
    stories = [Story(title=str(k), articles=tuple(range(k * 10, k * 10 + n)), facts=()) for k, n in enumerate(sizes)]
    budgets, brief = share_budget(stories, Config(max_words=words, sentences=sentences))
    given_ = [b for b in budgets if b is not None]
    assert sum(b.words for b in given_) + brief.words <= words
    if sentences is not None:
        assert sum(b.sentences for b in given_) + brief.sentences <= sentences
    assert given_ or (len(sizes) > 6 and set(sizes) == {1})  # a section, unless all are briefs


def test_length_limits_hold_on_the_sample(tmp_path):
    from conftest import SAMPLE, SAMPLE_DATE

    for flags in ({"sentences": 2}, {"max_words": 60}, {"max_words": 100, "sentences": 3}):
        digest = build(Config(inputs=(str(SAMPLE),), date=SAMPLE_DATE, **flags)).digest
        items = [item for section in digest.sections for item in section.items]
        assert items
        assert len(items) <= flags.get("sentences", len(items))
        assert sum(len(item.fact.text.split()) for item in items) <= flags.get("max_words", 450)


def _json_stories_are_consistent(document: dict) -> None:
    """The JSON `stories`: every article in exactly one, each item in the story it says,
    each story's section the one showing its item (None: only counted in "In brief")."""
    urls = lambda sources: [s["url"] for s in sources]  # noqa: E731
    listed = [u for story in document["stories"] for u in urls(story["articles"])]
    assert sorted(listed) == sorted(u for section in document["sections"] for u in urls(section["articles"]))
    assert len(listed) == len(set(listed))
    for n, section in enumerate(document["sections"]):
        for item in section["items"]:
            story = document["stories"][item["story"]]
            assert set(urls(item["sources"])) & set(urls(story["articles"]))
            assert story["section"] == n
    for k, story in enumerate(document["stories"]):
        shown = [n for n, s in enumerate(document["sections"]) if any(i["story"] == k for i in s["items"])]
        assert story["section"] == (shown[0] if shown else None)
        assert story["title"]


def test_json_names_the_stories_of_a_busy_day(tmp_path):
    from digest.render import contract

    stories = dict(CORPUS)
    stories.update(many_stories(8))  # minor stories: some get a sentence in "In brief", some are only counted
    write_corpus(tmp_path, stories)
    digest = build(Config(inputs=(str(tmp_path),), max_words=150)).digest
    document = contract(digest)
    _json_stories_are_consistent(document)
    assert len(document["stories"]) == 3 + 8
    assert document["stories"][0]["title"] == digest.sections[0].title
    assert any(s["section"] is None for s in document["stories"])  # only counted
    brief = len(document["sections"]) - 1
    assert any(s["section"] == brief for s in document["stories"])
    assert [len(s["articles"]) for s in document["stories"][:3]] == [3, 2, 2]


def test_json_stories_of_the_sample():
    from conftest import SAMPLE, SAMPLE_DATE
    from digest.render import contract

    _json_stories_are_consistent(contract(build(Config(inputs=(str(SAMPLE),), date=SAMPLE_DATE)).digest))


def _story_rows(rng, topic: np.ndarray, reports: int, copies: int, vocabulary: int) -> list[np.ndarray]:
    """``reports`` reports of one topic, each run by ``copies`` outlets with a few words changed."""
    rows = []
    for _ in range(reports):
        own = np.zeros(vocabulary)
        own[rng.choice(vocabulary, 30, replace=False)] = rng.random(30)
        report = 0.6 * topic + own / np.linalg.norm(own)
        for _ in range(copies):
            copy = report.copy()
            copy[rng.choice(np.flatnonzero(copy), 2, replace=False)] *= 0.5
            rows.append(copy)
    return rows


def test_many_near_copies_of_each_report_still_make_one_story_per_topic():
    """Each of a story's reports run by 60 outlets: more copies than an article's candidates,
    so the story's other reports are found only once the copies are gathered into one unit."""
    from digest import stories

    rng = np.random.default_rng(7)
    vocabulary, rows, truth = 3000, [], []
    for topic_id in range(3):
        topic = np.zeros(vocabulary)
        topic[rng.choice(vocabulary, 40, replace=False)] = 1.0
        topic /= np.linalg.norm(topic)
        found = _story_rows(rng, topic, reports=2, copies=60, vocabulary=vocabulary)
        rows += found
        truth += [topic_id] * len(found)
    assert 60 > stories.CANDIDATES
    order = rng.permutation(len(rows))  # copies of one report are not next to each other
    vectors = _unit_rows([rows[i].tolist() for i in order])
    clusters = cluster_articles(vectors, np.full(len(rows), np.nan), min_terms=0)
    assert sorted(sorted({truth[order[i]] for i in c}) for c in clusters) == [[0], [1], [2]]
    assert sorted(len(c) for c in clusters) == [120, 120, 120]


def test_candidate_pairs_are_bounded_per_article_and_keep_the_close_ones():
    """Never all pairs: at most CANDIDATES a row, even when every row shares every common term."""
    from scipy import sparse

    from digest.stories import CANDIDATES, candidate_pairs, pair_dots

    rng = np.random.default_rng(3)
    n, vocabulary = 600, 5000
    dense = np.zeros((n, vocabulary))
    dense[:, :50] = 0.05  # common words in every article
    for i in range(n):  # pairs of articles on one topic: rows 2k and 2k+1
        dense[i, 50 + rng.choice(vocabulary - 50, 40, replace=False)] = rng.random(40)
        dense[i, 50 + (i // 2) * 7 : 57 + (i // 2) * 7] += 1.0
    x = sparse.csr_matrix(dense / np.linalg.norm(dense, axis=1, keepdims=True))
    a, b = candidate_pairs(x)
    assert len(a) <= n * CANDIDATES < n * (n - 1) // 2
    assert np.all(a < b)
    found = set(zip(a.tolist(), b.tolist()))
    assert all((2 * k, 2 * k + 1) in found for k in range(n // 2))
    exact = (x @ x.T).toarray()
    assert np.allclose(pair_dots(x, a, b), exact[a, b])


@pytest.mark.parametrize("algorithm", ["digest", "lexrank"])
def test_jobs_write_byte_identical_outputs(tmp_path, algorithm):
    """--jobs 2 reads, splits and ranks the stories in worker processes: every output the same bytes."""
    from digest.output import explain_json, render_output
    from digest.pipeline import build

    write_corpus(tmp_path)
    outputs = []
    for jobs in (1, 2):
        config = Config(inputs=(str(tmp_path),), date="2026-11-20", jobs=jobs, algorithm=algorithm)
        result = build(config)
        outputs.append([render_output(result.digest, fmt, config) for fmt in ("text", "html", "md", "json")]
                       + [explain_json(result)])
    assert outputs[0] == outputs[1]
    assert sum(1 for line in outputs[0][0].splitlines() if line.strip()) > 5


def test_lay_out_hands_every_major_story_to_the_map_and_each_job_pickles(tmp_path):
    import pickle

    from digest.pipeline import build
    from digest.rank import get_ranker
    from digest.sections import lay_out

    write_corpus(tmp_path)
    config = Config(inputs=(str(tmp_path),), date="2026-11-20")
    digest = build(config).digest
    stories = cluster_stories(digest.articles, [i.fact for s in digest.sections for i in s.items], config)
    handed = []

    def recording_map(fn, items):
        handed.extend(items)
        return [pickle.loads(pickle.dumps(fn))(pickle.loads(pickle.dumps(item))) for item in items]

    mapped = lay_out(stories, digest.articles, get_ranker("digest"), config, map_=recording_map)
    assert mapped == lay_out(stories, digest.articles, get_ranker("digest"), config)
    assert len(handed) == sum(1 for s in mapped[0] if s.title != BRIEF_TITLE) >= 2


@pytest.mark.parametrize("sentence, expected", [
    ("Ferry workers walked out on Monday in Washington, D.C.", "Ferry workers walked out on Monday in Washington, D.C."),
    ("Ferry workers walked out on Monday in Orvale.", "Ferry workers walked out on Monday in Orvale"),
])
def test_a_sentence_made_the_headline_keeps_an_abbreviations_period(sentence, expected):
    from digest.stories import central_sentence

    assert central_sentence([0], [[sentence]], Config()) == expected


def _story_and_two_lone(rival_to_story: float) -> "sparse.csr_matrix":
    # Axes: the story's (0), one of each of its three articles (1-3), one the lone articles
    # share (4), one of each lone article's own (5, 6).
    rows = [[1.0, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.3, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.3, 0.0, 0.0, 0.0]]
    for a, b, own in ((0.18, 0.36, 5), (rival_to_story, 0.16 / 0.36 - 0.18 * rival_to_story / 0.36, 6)):
        row = [a, 0.0, 0.0, 0.0, b, 0.0, 0.0]
        row[own] = (1.0 - a * a - b * b) ** 0.5
        rows.append(row)
    return _unit_rows(rows)


def test_two_off_beat_reports_of_one_story_both_join_it():
    # Each lone report is as close to the other (0.16) as to the story (0.17): neither is a
    # rival of the story, since both are close to it.
    vectors = _story_and_two_lone(rival_to_story=0.18)
    assert cluster_articles(vectors, np.full(5, np.nan), min_terms=0) == [[0, 1, 2, 3, 4]]


def test_a_lone_article_far_from_the_story_is_still_a_rival():
    vectors = _story_and_two_lone(rival_to_story=0.05)
    found = cluster_articles(vectors, np.full(5, np.nan), min_terms=0)
    assert [0, 1, 2] in found and 3 not in found[0]


def _story_fact(article_id: int, position: int, text: str) -> Fact:
    s = Sentence(text=text, article=article_id, paragraph=position, position=position)
    return Fact(sentence=s, members=(s,), sources=(article_id,))


def test_words_a_story_cannot_use_go_to_a_story_that_had_more_to_say():
    from digest.rank import get_ranker
    from digest.sections import handed_on, lay_out

    bridge = [
        "The harbour bridge in Avalen closed on Tuesday after engineers found cracks in two of its support beams.",
        "Officials said repairs to the beams could take three weeks and would cost about 2.4 million euros.",
        "Buses 12 and 14 now take a detour through the old town, adding up to 25 minutes to some journeys.",
        "Ferry operators added four extra crossings a day to carry commuters across the harbour while it is shut.",
        "Queues on the coast road stretched for more than 6 kilometres at the height of the morning rush.",
        "Engineers first noticed the cracks during a routine inspection of the bridge's eastern span last week.",
    ]
    facts = [_story_fact(k % 3, k, text) for k, text in enumerate(bridge)]
    notice = [_story_fact(3, 0, "The museum opens at ten on Sundays.")]
    articles = [Article(id=i, url=f"https://example.com/{i}", title="", outlet=f"Outlet {i}", published=None, body="",
                        path=f"{i}.md") for i in range(4)]
    stories = [Story(title="Bridge", articles=(0, 1, 2), facts=tuple(facts)), Story(title="Museum", articles=(3,), facts=tuple(notice))]
    config = Config(max_words=100)
    budgets, _ = share_budget(stories, config)
    ranker = get_ranker("digest")
    alone = ranker(facts, articles, budgets[0], config)
    sections, _ = lay_out(stories, articles, ranker, config)
    shown = [[word_count(i.fact.text) for i in s.items] for s in sections]
    # The museum story's one short sentence leaves most of its share; the bridge story gets it.
    assert shown[1] == [7] and sum(shown[0]) > sum(word_count(i.fact.text) for i in alone.chosen)
    assert sum(map(sum, shown)) <= config.max_words
    # Nothing is handed on when every story wants more, or to a story that said all it had.
    jobs = [(facts, articles, budgets[0]), (notice, articles, budgets[1])]
    rankings = [alone, ranker(notice, articles, budgets[1], config)]
    extra = handed_on(jobs, rankings, [1.7, 1.0])
    assert extra[1] == 0 and 0 < extra[0] <= budgets[1].words - 7
    assert handed_on(jobs[:1], rankings[:1], [1.0]) == [0]
