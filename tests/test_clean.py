import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT

from digest import clean
from digest.clean import PATTERNS, Boilerplate, remove_boilerplate, strip_dateline
from digest.config import Config
from digest.errors import ConfigError
from digest.models import Article, Sentence

NEWS = [
    "The streaming service added two million subscribers in the quarter.",
    "The council approved the budget on Tuesday by a vote of seven to two.",
    "By the end of the week, the mayor said, repairs would begin.",
    "More than 300 people attended the meeting.",
    "The photo exhibition opens on Friday in the old harbour hall.",
    "Readers who follow the council closely were not surprised.",
    "Rescuers came here by helicopter after the road was cut.",
    "The trial of the former mayor opens on Monday.",
    "The ruling gives police full access to the records for a year.",
    "Residents have two weeks left to object to the plan.",
    "Residents can sign up for flood alerts at the town hall.",
    "The charity asked people to donate to the appeal.",
]
BOILERPLATE = [
    ("Join us on WhatsApp", "call to action"),
    ("Follow us on X for breaking news.", "call to action"),
    ("Share this article", "call to action"),
    ("Post a Comment", "comments"),
    ("12 Comments", "comments"),
    ("Sign up for our morning newsletter to get the news first.", "newsletter"),
    ("Contact the newsroom at tips@gazette.example", "contact"),
    ("Today : Feb 26, 2025", "dateline"),
    ("December 06, 2025", "dateline"),
    ("World News", "heading"),
    ("*** *** ***", "separator"),
    ("By Maria Lopez, Staff Reporter", "byline"),
    ("RELATED: Council delays vote on harbour plan", "related"),
    ("Photo: A crane at the port. (Credit: Jan Novak/Example Images)", "caption"),
    ("Your browser does not support the audio element.", "media fallback"),
    ("Harbour plan approved", "headline copy"),
    # regression (issue 13's coverage fixtures): a paywall offer and a pointer to the page
    ("Start your free 14-day trial today.", "paywall"),
    ("Gazette Plus subscribers can read every council vote in our tracker.", "paywall"),
    ("Gazette Premium: get unlimited access for 2 crowns a week.", "paywall"),
    ("Readers can download the full results table here.", "call to action"),
    ("You have 2 free articles left this month.", "paywall"),
    ("You've reached your limit of free articles.", "paywall"),
    ("This article is available to subscribers.", "paywall"),
    ("Never miss a story: get Gazette alerts on your phone.", "call to action"),
    ("Sign up to the Gazette's breaking news alerts.", "call to action"),
    ("Donate to our flood appeal: every penny goes to families who lost their homes.", "call to action"),
    ("Sign up for Gazette Money, our weekly personal finance newsletter.", "newsletter"),
    ("Our Standards: The Gazette Trust Principles.", "furniture"),
]


def _run(lines, config=Config(), outlet="Gazette", title="Harbour plan approved"):
    article = Article(0, "u", title, outlet, None, "", "p")
    sentences = [Sentence(t, 0, i, i) for i, t in enumerate(lines)]
    return remove_boilerplate([article], sentences, config)


def _run_paragraphs(paragraphs, outlet="Gazette"):
    article = Article(0, "u", "Harbour plan approved", outlet, None, "", "p")
    lines = [(p, t) for p, group in enumerate(paragraphs) for t in group]
    sentences = [Sentence(t, 0, p, i) for i, (p, t) in enumerate(lines)]
    return remove_boilerplate([article], sentences, Config())


def test_news_is_kept():
    kept, drops = _run(NEWS)
    assert [s.text for s in kept] == NEWS and drops == []


@pytest.mark.parametrize("line,rule", BOILERPLATE)
def test_boilerplate_is_dropped_with_its_rule(line, rule):
    kept, drops = _run([line])
    assert kept == [] and [d.rule for d in drops] == [rule]


def test_user_patterns_extend_the_table():
    line = "Listen to the Harbour Hour podcast every Monday morning."
    assert _run([line])[0]
    kept, drops = _run([line], Config(boilerplate_patterns=(r"listen to the .* podcast.*",)))
    assert kept == [] and drops[0].rule == "user pattern"


@pytest.mark.parametrize("key", ["boilerplate_patterns", "mute"])
def test_a_user_pattern_that_backtracks_without_end_is_a_config_error_not_a_hang(monkeypatch, key):
    import digest.config
    from digest.config import compile_patterns

    monkeypatch.setattr(digest.config, "PATTERN_SECONDS", 0.05)
    line = "a" * 60 + "!"  # (a|aa)+$ tries every way of splitting the a's: about 10^12
    with pytest.raises(ConfigError, match=rf"^{key}: .*takes over 0.05 s"):
        if key == "mute":
            compile_patterns(["/(a|aa)+$/"], key)[0](line)
        else:
            _run([line], Config(boilerplate_patterns=("(a|aa)+$",)))


def test_bad_user_pattern_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^boilerplate_patterns: .\(unclosed. is not a valid regular expression \(missing \) at position 9\)"):
        _run(NEWS, Config(boilerplate_patterns=("(unclosed",)))


def test_line_repeated_across_articles_of_one_outlet_is_dropped():
    footer = "The Gazette has served the coast since 1921."
    articles = [Article(i, f"u{i}", f"Story {i}", "Gazette", None, "", "p") for i in range(3)]
    other = Article(3, "u3", "Other", "Courier", None, "", "p")
    sentences = [Sentence(footer, i, 0, 0) for i in range(3)] + [Sentence(footer, 3, 0, 0)]
    kept, drops = remove_boilerplate(articles + [other], sentences, Config())
    assert [s.article for s in kept] == [3]  # another outlet saying it once is news
    assert all("repeated in 3+ articles of Gazette" == d.rule for d in drops)
    kept, _ = remove_boilerplate(articles[:2] + [other], sentences[:2] + sentences[3:], Config())
    assert len(kept) == 3  # twice is not yet "several"


@pytest.mark.parametrize("text,expected", [
    ("AVALEN (Northern Wire) - The bridge closed.", "The bridge closed."),
    ("LONDON, Nov. 20 (Example News) — Prices rose.", "Prices rose."),
    ("HALVERN, 16 June (Example Wire) – Rates rose.", "Rates rose."),  # the day before the month
    ("OSLO, 3 Sept 2027 (Example Wire) - Talks began.", "Talks began."),
    ("PARIS — The talks ended.", "The talks ended."),
    ("NASA said on Friday that it would launch.", "NASA said on Friday that it would launch."),
    # regression (issue 14): "BRUSSELS, Belgium (AP) - The European Union on Tuesday approved 6.4" was a headline
    ("BRUSSELS, Belgium (AP) - The union approved the plan.", "The union approved the plan."),
    ("KELSA, New Holm (Example Wire) — Divers returned.", "Divers returned."),
    ("SPOKANE, Wash. - The city voted.", "The city voted."),
    ("GAZA/JERUSALEM (Example Wire) - Talks resumed.", "Talks resumed."),
    ("NEW YORK -- Stocks fell.", "Stocks fell."),
    ("AVALEN (AP) _ The bridge closed.", "The bridge closed."),
    ("WASHINGTON—The vote passed.", "The vote passed."),
    ("(CNN) The bridge closed.", "The bridge closed."),
    ("(Example Wire) — The bridge closed.", "The bridge closed."),
    ("US - China talks resumed.", "US - China talks resumed."),
    ("Kelsa (CNN) Divers returned.", "Divers returned."),
    ("MONDAY, Jan. 25, 2026 (Health Wire) -- Clinics opened late.", "Clinics opened late."),
    ("Kelsa said divers (AP) returned.", "Kelsa said divers (AP) returned."),
    ("The mayor - who was late - spoke.", "The mayor - who was late - spoke."),
    ("I - Told you so.", "I - Told you so."),
])
def test_strip_dateline(text, expected):
    assert strip_dateline(text) == expected


NEEDLED = [(rule, pattern, needles) for rule, pattern, needles in PATTERNS if needles]


@pytest.mark.parametrize("rule, pattern, needles", NEEDLED, ids=[f"{r}-{k}" for k, (r, _, _) in enumerate(NEEDLED)])
@settings(max_examples=100, deadline=None)  # drawing from the longest patterns costs seconds an example
@given(data=st.data())
def test_every_line_a_needled_pattern_matches_has_a_needle(rule, pattern, needles, data):
    # The needles only spare the regex on lines without them: they must never skip a match.
    line = data.draw(st.from_regex(re.compile(rf"\s*(?:{pattern})\s*", re.IGNORECASE), fullmatch=True))
    assert any(n in line.casefold() for n in needles), (rule, line)


@pytest.mark.parametrize("line, rule", [
    ("Want the news first? Sign up for the Harbour Gazette newsletter.", "newsletter"),
    ("Send your tips: write to newsroom@gazette.example any time.", "contact"),
    ("Cranes at the port on Monday (Photo by Jan Novak)", "caption"),
    ("Crowds outside the hall. AP Photo", "caption"),
])
def test_needled_patterns_still_drop_their_lines(line, rule):
    sentence = Sentence(text=line, article=0, paragraph=0, position=0)
    kept, drops = remove_boilerplate([Article(0, "u", "Harbour", None, None, line, "p")], [sentence], Config())
    assert not kept and drops[0].rule == rule



def _first_alone(line: str) -> str | None:
    return next((rule for rule, pattern, _ in PATTERNS if re.fullmatch(rf"\s*(?:{pattern})\s*", line, re.IGNORECASE)), None)


def test_built_in_patterns_are_compiled_only_for_the_lines_they_may_match():
    # Compiling every pattern was 25 ms of a run's start (clean._whole_line).
    clean._whole_line.cache_clear()
    assert Boilerplate().rule("The council voted on Tuesday to fund the new water pipes.") is None
    assert clean._whole_line.cache_info().currsize == 0
    assert Boilerplate().rule("Share this") == "call to action"  # the alternation names its pattern
    assert clean._whole_line.cache_info().currsize == 0
    assert Boilerplate().rule("Sign up for our newsletter.") == "newsletter"
    assert 0 < clean._whole_line.cache_info().currsize < len(PATTERNS)


def test_the_built_in_rule_is_the_first_pattern_that_matches_on_its_own():
    lines = [line for line, _ in SENTENCE_BOILERPLATE] + [
        "Want the news first? Sign up for the Harbour Gazette newsletter.", "Share this", "Click here to read more.",
        "Crowds outside the hall. AP Photo", "The mayor spoke.", "  Follow us on Mastodon for more  ", "",
        " Share this", "\tSign up for our newsletter. ", "Share this story on Facebook"]
    lines += [line for path in sorted((ROOT / "input").glob("*.*")) for line in path.read_text().splitlines()]
    for line in lines:
        assert clean._builtin_rule(line) == _first_alone(line), line


ANCHORED = [(k, pattern) for k, (_, pattern, needles) in enumerate(PATTERNS) if not needles]


@pytest.mark.parametrize("k, pattern", ANCHORED, ids=[f"{PATTERNS[k][0]}-{k}" for k, _ in ANCHORED])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_the_alternation_names_the_first_pattern_a_line_matches_on_its_own(k, pattern, data):
    line = data.draw(st.from_regex(re.compile(rf"\s*(?:{pattern})\s*", re.IGNORECASE), fullmatch=True))
    assert clean._builtin_rule(line) == _first_alone(line), line

# (sentence, rule): sentence-level boilerplate (issue 14), each row one kind seen in real articles.
SENTENCE_BOILERPLATE = [
    ("Have a report or article?", "tip line"),
    ("Got a news tip for the desk?", "tip line"),
    ("Send your photos to the newsroom at any time of day.", "tip line"),
    ("Send it to tips@valleypost.example.", "tip line"),
    ("Questions about this story can go to desk@harbourgazette.example or the front desk.", "contact"),
    ("FILE - In this photo from last spring, divers check the reef.", "caption"),
    ("Ana Reyes contributed to this report.", "byline"),
    ("(Eds: Updates with council vote.)", "editors' note"),
    ("Council vote, 2nd graf pvs", "editors' note"),
    ("The most reliable harbour newsletter.", "newsletter"),
    ("Get daily updates in your inbox + Subscribe Thank you for subscribing!", "newsletter"),
]


@pytest.mark.parametrize("line,rule", SENTENCE_BOILERPLATE)
def test_sentence_level_boilerplate(line, rule):
    kept, drops = _run([line])
    assert kept == [] and [d.rule for d in drops] == [rule]


def test_a_question_leading_into_a_call_to_action_goes_with_it():
    kept, drops = _run(["Want the news first?", "Sign up for the Gazette newsletter today.", NEWS[0]])
    assert [s.text for s in kept] == [NEWS[0]] and [d.rule for d in drops] == ["newsletter", "newsletter"]


def test_a_sentence_repeated_in_an_outlets_articles_is_dropped_also_inside_a_paragraph():
    from digest.segment import segment

    slogan = "Valley Post: close to home since 1950."
    articles = [Article(i, f"u{i}", f"Story {i}", "Valley Post", None,
                        f"{NEWS[i]} {slogan} {NEWS[i + 1]}", "p") for i in range(3)]
    sentences = [s for a in articles for s in segment(a)]
    kept, drops = remove_boilerplate(articles, sentences, Config())
    assert slogan not in {s.text for s in kept} and len(kept) == 6
    assert {d.rule for d in drops} == {"repeated in 3+ articles of Valley Post"}


def test_a_copy_of_any_headline_of_the_day_is_dropped_but_not_a_made_up_title():
    teaser = "Ferry Fares Rise Again"
    articles = [Article(0, "u0", "Harbour plan approved", "Gazette", None, "", "p"),
                Article(1, "u1", teaser, "Courier", None, "", "p"),
                Article(2, "u2", NEWS[2].rstrip("."), None, None, "", "p", generated_title=True)]
    sentences = [Sentence(teaser, 0, 0, 0), Sentence(NEWS[2], 2, 0, 0)]
    kept, drops = remove_boilerplate(articles, sentences, Config())
    assert [s.text for s in kept] == [NEWS[2]] and [d.rule for d in drops] == ["headline copy"]


# (text, whole): what the digest may print as an item.
WHOLE = [
    ("The council approved the budget.", True),
    ('"We will rebuild," the mayor said.', True),
    ("eBay said sales rose.", True),
    ("the council approved the budget.", False),  # starts mid-sentence
    (", and the council approved it.", False),
    ("The council approved the budget", False),  # no ending: a heading or caption
    ("Still, the council predicted the economy would bounce back ...", False),  # cut
    ("Officials did not say when the bridge would reopen, said Sen.", False),  # split inside a name
    ('"The bridge is safe. It will reopen.', False),  # a quotation never closed
    ("The reef (mapped in 2024 lies deep.", False),
    ("``The bridge is safe,'' she said.", False),  # PTB quotes left
    ("| Jan Novak/Example Images Council votes to reopen the bridge.", False),  # a caption glued on
    ("$40 million was set aside.", True),
]


@pytest.mark.parametrize("text,whole", WHOLE)
def test_is_whole_sentence(text, whole):
    from digest.clean import is_whole_sentence

    assert is_whole_sentence(text) is whole


# Wire-style photo captions: what a picture shows, in the present, ending on the full date.
CAPTIONS = [
    "Firefighters battle the blaze near Orvale on Tuesday, March 3, 2027.",
    "A resident walks past the flooded market in Tessa, 4 May 2027.",
    "Mayor Ana Reyes poses with students outside the new library in Orvale, Friday, June 4, 2027.",
    "Rescue workers look on as a crane lifts the wreck from the river in Tessa, Kelsa, Monday, Jan. 11, 2027.",
    "A fisherman stands on the harbour wall in Orvale, Kelsa, Sept. 2, 2027.",
    "Villagers gather at the well in Orvale, Kelsa May 4, 2027.",
    "Prime Minister Jon Hale speaks to reporters in Tessa, Wednesday, Feb. 10, 2027.",
    "Supporters wave flags as the motorcade passes in Orvale on 12 April 2027.",
    "A boy cries outside the school in Tessa on March 3, 2027.",
    "The damaged bridge is seen from the air near Orvale, Tuesday, March 3, 2027.",
]
# News with a full date: reporting, the past, plans and coming events told in the present.
DATED_NEWS = [
    "The council plans to vote on March 3, 2027.",
    "The council will vote on March 3, 2027.",
    "The battle for the city began on March 3, 2027.",
    "Heavy waves battered the coast on March 3, 2027.",
    "Peace talks with the rebels collapsed on 4 May 2027.",
    "The minister leaves office on March 3, 2027.",
    "The new ambassador arrives in Tessa on March 3, 2027.",
    "The spacecraft arrives at the comet on 14 July 2027.",
    "The last ferry leaves Tessa harbour on Friday, October 1, 2027.",
    "The company holds its annual meeting on May 4, 2027.",
    "Both leaders hold talks in Tessa on March 3, 2027.",
    "Ministers gather in Orvale for the summit on 4 May 2027.",
    "Residents gathered outside the court on Tuesday, March 3, 2027.",
    "The trial of the former mayor opens on Monday, March 9, 2027.",
    "The mayor was born in Orvale on June 2, 1979.",
    "Prices have risen every month since January 1, 2026.",
    "Her lawyers say the case stands or falls on the contract signed on March 3, 2025.",
    "Orvale police stand by their account of the arrest on March 3, 2027.",
    "Two crews battle the fire that started on March 3, 2027.",
    "The witness stand collapsed during the hearing on May 15, 2027.",
    "The rule applies to all contracts signed after January 1, 2027.",
]


@pytest.mark.parametrize("line", CAPTIONS)
def test_a_photo_caption_ending_on_its_date_is_dropped(line):
    kept, drops = _run([line])
    assert kept == [] and [d.rule for d in drops] == ["caption"]


def test_news_with_a_full_date_is_kept():
    kept, drops = _run(DATED_NEWS)
    assert [s.text for s in kept] == DATED_NEWS and drops == []


def test_the_caption_rule_wants_the_date_at_the_end():
    line = "A resident walks past the flooded market in Tessa, 4 May 2027, as the water rises."
    assert _run([line])[0]


# Page furniture around the story: social embed widgets, bare calls to action, log-in
# prompts, appeals for support, standards pages, app pitches, notices about the outlet.
FURNITURE = [
    ('Embed this Tweet', 'social widget'),
    ('Add this Tweet to your website by copying the code below.', 'social widget'),
    ('Add this video to your website by copying the code below.', 'social widget'),
    ('Tweet with a location', 'social widget'),
    ('Add a location to your Tweets', 'social widget'),
    ('When you tweet with a location, the service stores that location.', 'social widget'),
    ('You can add location information to your Tweets, such as your city, from the web and from apps.', 'social widget'),
    ('You always have the option to delete your Tweet location history.', 'social widget'),
    ('Learn more', 'call to action'),
    ('Find out more.', 'call to action'),
    ('Read more', 'related'),  # a related-links label
    ('Comments are open on this article. Please read our community standards before posting.', 'comments'),
    ('Save article | Gift this article', 'toolbar'),
    ('Developing story: this item will be updated as official figures are confirmed.', 'furniture'),
    ('License this content for your newsroom', 'furniture'),
    ('Was this guide helpful? Yes / No', 'furniture'),
    ('Jump to: Which cars are affected · What to do now · Your rights', 'furniture'),
    ('POLL: Is a new tram line worth the money? Vote now', 'furniture'),
    ('Cookie settings: we would like to use additional cookies to understand how you use the site. Accept | Reject | Manage', 'furniture'),
    ('Politics · Marrow mayoral election 2027', 'breadcrumb'),
    ("Correction, 23.40: An earlier version of this article gave the mayor's age as 33. She is 34.", 'correction'),
    ("Sign up to First Edition, the Standard's free morning briefing", 'call to action'),
    ("Get our free Recall Alerts email — we'll tell you when a product you own is called back.", 'call to action'),
    ('LIVE RESULTS: Ward-by-ward map of every Marrow result', 'live banner'),
    ('Live: Ostrevia local election results as they happen', 'live banner'),
    ('Like the Marrow Evening Echo on Facebook for updates through the night.', 'call to action'),
    ("Subscriber exclusive: download the Journal's model of the carmaker's second-quarter earnings", 'paywall'),
    ('Read more:', 'related'),
    ('Follow the Gazette on TikTok for short videos from the coast.', 'call to action'),
    ('Follow the Valley Post on Instagram and Facebook.', 'call to action'),
    ('Follow Ana Reyes on X @anareyes.', 'call to action'),
    ('Download the Gazette app for breaking news on the go.', 'call to action'),
    ('Download the Valley Post News app on iOS and Android.', 'call to action'),
    ('Log in to comment.', 'log-in prompt'),
    ('Sign in to continue reading.', 'log-in prompt'),
    ('Log in', 'log-in prompt'),
    ('Sign in', 'log-in prompt'),
    ('Already a subscriber?', 'log-in prompt'),
    ('Already have an account? Log in here.', 'log-in prompt'),
    ('Support local journalism.', 'appeal'),
    ('Please support independent, nonprofit journalism: give today.', 'appeal'),
    ('Your donation helps us fund the journalism our valley relies on.', 'appeal'),
    ('Readers like you power our journalism.', 'appeal'),
    ('Become a Gazette member today and get the weekly print edition.', 'appeal'),
    ('Support us by becoming a member.', 'appeal'),
    ('Valley Post Editorial Standards: how we report, correct and source our stories.', 'furniture'),
    ('This article is free to read.', 'furniture'),
    ('This story is free to read because readers like you subscribe.', 'newsletter'),
    ('Kelsa Voice is an independent, nonprofit newsroom that covers the islands.', 'outlet notice'),
    ('About Fenwick Wire: Fenwick Wire is an independent news agency serving 30 newspapers.', 'outlet notice'),
    ('Tarn Ledger is a reader-funded local news website for the valley.', 'outlet notice'),
    ('About us: the Dale Courier has covered the valley since 1902.', 'outlet notice'),
    ("You've read 3 of your 10 free articles this month.", 'paywall'),
    ('Registration is free and takes a minute.', 'paywall'),
    ('This content is intended for healthcare professionals only.', 'paywall'),
    ('This post on Instagram cannot be displayed in your browser.', 'media fallback'),
    ('The video cannot be played right now.', 'media fallback'),
    ('View this post on Instagram', 'media fallback'),
    ('Facebook content: this content is blocked because you have not accepted marketing cookies.', 'media fallback'),
    ('Manage cookie preferences', 'media fallback'),
    ('Morning Edition: our daily newsletter, in your inbox at 6am.', 'newsletter'),
    ('Earn 1 CPD point by answering three questions on this article.', 'furniture'),
    ('Take the quiz to test what you know.', 'furniture'),
    ('Our journalists adhere to the Editors Code of Practice.', 'furniture'),
    ('Watch us live on Channel 4 at 7pm.', 'call to action'),
    # Written blind for the stories tolvik-rates and nordmark-sanctions, as real sites print them.
    ('Share this article: Facebook · X · LinkedIn · Email', 'call to action'),
    ('Get the Valley News app for alerts on the stories that matter to you.', 'call to action'),
    ('Sign up free.', 'newsletter'),
    ('Sign up to Courier Business, our free weekly round-up of local firms and jobs.', 'call to action'),
    ('More on this story', 'related'),
    ('Read next: Bond markets brace for heavier issuance', 'related'),
    ('ALSO IN THE SENTINEL: Ferry fares to rise in November', 'related'),
    ('Related topics: Interest rates · Personal finance', 'tags'),
    ('Explore more on these topics: Diplomacy · Sanctions', 'tags'),
    ('Follow the topics in this article: Currencies · Bonds', 'tags'),
    ('3 min read · Filed 09:07 GMT', 'reading time'),
    ('Listen to this article · 5 min', 'reading time'),
    ('Gift this article | Save | Print', 'toolbar'),
    ('LIVE: Rate decision – reaction and analysis as it happens', 'live banner'),
    ('The Valley Post is not responsible for the content of external sites.', 'furniture'),
    ('The Wire Editorial Code governs everything we publish.', 'furniture'),
    ('News | Infectious disease | Public health', 'breadcrumb'),
    ('Posted 2:45 pm | By Sentinel staff', 'byline'),
    ('(Reporting by Ada Lind in Halvern; additional reporting by Teo Rann; edited by Karin Sol)', 'byline'),
    ('Martin Oyelund, economics editor', 'byline'),
    ('MORE ON THE RAIL DISPUTE', 'related'),
    ('Most read in Skelby', 'related'),
    ('LIVE: Follow our rolling coverage of the end of the strike', 'live banner'),
    ("▶ Listen: the minister on tonight's Evening Report (3 min 12 s)", 'related'),
    # Written blind for the stories brannock-wildfire and vessmark-fraud.
    ('Posted Tuesday, Mar. 9, 2027, 8:10 a.m. · Updated 10:45 a.m.', 'dateline'),
    ('Posted 9 March 2027, 4:20 p.m. | Last updated 6:05 p.m.', 'dateline'),
    ('This story will be updated as more details emerge.', 'furniture'),
    ('This is a developing story. Check back for updates.', 'furniture'),
    ('Join the conversation: sign in or register to comment.', 'comments'),
    ('Have your say in the comments below', 'comments'),
    ('Comments are closed on this article.', 'comments'),
    ('Follow live: flood warnings across the valley', 'related'),
    ('Related coverage: Timeline of the dispute', 'related'),
    ('ALSO ON THE HERALD', 'related'),
    ('Latest on Markets', 'related'),
    ('Recommended', 'related'),
    ('Explore more on these topics', 'related'),
    ('Image caption: Volunteers fill sandbags outside the town hall', 'caption'),
    ('Media caption, Watch: residents leave the valley by boat', 'caption'),
    ('Get breaking news alerts: download the Valley Post app.', 'call to action'),
    ('The Morning Brief: the county in five minutes, every weekday at 7 a.m. Sign up free.', 'newsletter'),
    ("Unlock the Markets Digest for free: a weekly newsletter from our editors.", 'newsletter'),
    ('We use cookies to give you the best experience on our website.', 'furniture'),
    ('Accept all | Manage preferences', 'furniture'),
    ('Advertisement · Scroll to continue', 'furniture'),
    ('Reuse this content (opens in new window)', 'furniture'),
    ('Purchase licensing rights, opens new tab', 'furniture'),
    ("Please don't copy articles from the Post and redistribute them by email.", 'furniture'),
    ('Correction: An earlier version of this article misspelled the name of the mayor.', 'correction'),
    ('This article was amended on 3 March 2027.', 'correction'),
    ('The video will auto-play soon 5 Cancel', 'media fallback'),
    ('Tap to play', 'media fallback'),
    ('Writing by Ada Lind; additional reporting by Teo Rann; edited by Karin Sol', 'byline'),
    ('The agency adheres to its Editorial Code and Independence Statement.', 'furniture'),
    ('Our reporting principles: read the Post Editorial Charter.', 'furniture'),
    ('Valley · Courts · Crime', 'breadcrumb'),
    # a video player's and a gallery's own text
    ('Rating is available when the video has been rented.', 'media fallback'),
    ('This feature is not available right now.', 'media fallback'),
    ('EMBED More News Videos Crews clear the flooded underpass on Route 4.', 'media fallback'),
    ('Hide Caption 3 of 12 Photos: Floods in the valley Rescuers carry a boat along Main Street.', 'caption'),
    # wire captions opening on the picture
    ('In this March 3, 2027 photo, Mayor Ana Ortiz speaks at the harbour in Orvale.', 'caption'),
    ('In this Tuesday, May 4, 2027, file photo, firefighters rest beside the road.', 'caption'),
    ('This undated photo provided by the Orvale police shows the suspect.', 'caption'),
    ('In this image taken from video, smoke rises over the port.', 'caption'),
    ('FOR RELEASE MONDAY MARCH 3 FILE - This 2026 photo shows the old bridge.', 'caption'),
    # a follow-the-writer widget, a broadcaster promoting its programmes
    ('Close Get email notifications on Mara Lindqvist daily!', 'call to action'),
    ("Whenever Mara Lindqvist posts new content, you'll get an email delivered to your inbox with a link.", 'call to action'),
    ('Email notifications are only sent once a day, and only if there are new matching items.', 'call to action'),
    ('Breaking News Emails Get breaking news alerts and special reports.', 'call to action'),
    ("Watch 'Evening Report' tonight at 6:30 ET for the full interview with the governor.", 'call to action'),
    ('Watch the report from Ana Brell on Valley News at 5 p.m. on March 3, 2027.', 'call to action'),
    ('Read more from the Valley Gazette in Spanish.', 'call to action'),
    ('See our photo gallery of the flooded harbour.', 'call to action'),
    ('Interested in Ana Ortiz?', 'call to action'),
    ('Original article on Valley Science.', 'call to action'),
    ('Discuss this topic in the Gazette Forums.', 'call to action'),
    ('For more from Ines, follow her on Twitter @inesreports.', 'call to action'),
    ('Watch Channel 4 News and stay with ValleyNow.example for more on this story.', 'call to action'),
    ('There was a problem saving your notification.', 'media fallback'),
    ('The interactive transcript could not be loaded.', 'media fallback'),
    ("We've detected that JavaScript is disabled in your browser.", 'media fallback'),
    ('Embed CTRL-C or CMD-C, then press Enter.', 'caption'),
    ('Ana Brell / Reuters A ski lift runs above the Orvale slopes.', 'caption'),
    ('Ivo Marr / Via youtube.com A still of the test flight.', 'caption'),
    ('By Ivo Marr/Reuters.', 'byline'),
    ('CLOSE Firefighters battle the blaze above Orvale for a third day.', 'media fallback'),
    ('Gazette Reprints: This copy is for your personal, non-commercial use only.', 'furniture'),
    ('NOTE: We only request your email address so that the person you are recommending the page to knows it was you.', 'furniture'),
    ('Source: Orvale Police Department', 'caption'),
    ('Styled by Ines Marr.', 'byline'),
    ('Let us know your favourite in the comments!', 'call to action'),
    ('These crawls are part of an effort to archive pages as they are created and archive the pages that they refer to.', 'furniture'),
    ('That way, as the pages that are referenced are changed or taken from the web, a link to the version that was live when the page was written will be preserved.', 'furniture'),
    ('Then the Internet Archive hopes that references to these archived pages will be put in place of a link that would be otherwise be broken.', 'furniture'),
    ('This is a set of web collections curated by Ada Lorne using the Archive-It service of the Internet Archive.', 'furniture'),
    ('They include web captures of the council website as well as captures from sites it hosts.', 'furniture'),
    ('These web captures are available to the general public.', 'furniture'),
    ('The goal is to fix all broken links on the web .', 'furniture'),
    ('Crawls of supported "No More 404" sites.', 'furniture'),
    ('Warning: Contains spoilers for Harbour Lights season 2.', 'furniture'),
    ('Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive.', 'furniture'),
    ('Flowing in every day, these data are added to the Wayback Machine after an embargo period.', 'furniture'),
    ('The WARC files associated with this crawl are not currently available to the general public.', 'furniture'),
    ('Ana Brell contributed reporting.', 'byline'),
    ('Ivo Marr and Tessa Lind contributed reporting from Velmont.', 'byline'),
    ('Additional reporting was contributed by Ivo Marr.', 'byline'),
    ('Karsk reported from Velmont, Tarsel.', 'byline'),
    ('Your notification has been saved.', 'media fallback'),
    ('An error has occurred. Please try again later.', 'media fallback'),
    ('Sorry, but you can only react up to 3 times!', 'social widget'),
    ('For more information, visit tarselair.example, follow @TarselAir on Twitter or connect on Facebook.', 'call to action'),
    ('For more information about this study, please contact: Ada Lorne.', 'call to action'),
    ('I understand the Terms of Service.', 'call to action'),
    ('Visit the Tarsel Cancer Institute for more on colon cancer.', 'call to action'),
    ('Remember, you can buy the digital edition of LOOK magazine for your tablet or phone.', 'call to action'),
    ('Add Hedda Lorne as an interest to stay up to date on the latest Hedda Lorne news, video, and analysis from TBN News.', 'call to action'),
    ('It looks like you’ve already used that reaction on this post.', 'social widget'),
]
# News that uses the same words: about journalism, logging in, members, apps, social networks.
FURNITURE_WORDS_IN_NEWS = [
    'Officials will visit the site for more than a week, the ministry said.',
    'For more information on the outbreak, officials said, residents should wait for Friday’s report.',
    'The paper said the digital edition had overtaken print sales for the first time.',
    'The studio warned that the leaked script contains spoilers for the final season.',
    'A copy of the page in the Wayback Machine shows it was changed in 2016.',
    'The board will add climate risk as an interest rate factor from next year, the bank said.',
    'Sympathy is the only reaction that is appropriate right now, the senator said.',
    'Local media reported from the scene that three people were hurt.',
    'The minister said an error had occurred in the count and it would be run again.',
    'Ana Brell, who reported from Velmont for a decade, won the prize on Monday.',
    'The Internet Archive said it had archived 3 million pages of the closed newspaper.',
    'The court saw web captures of the site taken before the posts were deleted.',
    'The foundation gave $2 million to support local journalism in rural counties.',
    'Grants will support independent journalism in the valley, the fund said.',
    'Residents can log in to the council portal to object to the plan.',
    'Log in problems hit the tax office on Monday.',
    'Sign-in sheets showed that 40 people attended.',
    'She celebrated by becoming a member of the rowing club in 2019.',
    'Already a member of parliament since 2019, Reyes ran for mayor.',
    'Already a subscriber to the theory, the minister said little.',
    'The mayor asked residents to follow the council on Facebook for flood updates.',
    'Follow-up tests on Instagram data showed no leak.',
    'Following the ruling on Twitter, lawyers argued.',
    'Readers can download the full results table at the library.',
    'The app lets residents download the bus timetable.',
    'Learn more about the plan at a meeting on Tuesday, the council said.',
    'See more than 40 paintings at the gallery until June.',
    'The report is free to the public, the ministry said.',
    'Becoming a member costs 20 crowns a year, the club said.',
    'The editorial standards of the paper were questioned at the hearing.',
    'Embedded reporters travelled with the troops.',
    'Add this to the list of delays, the mayor said.',
    'Tweeting from the hall, Reyes said the vote had passed.',
    "The paper's owner said its journalism would not change.",
    'About 40 people: that is how many were evacuated, the mayor said.',
    'About the plan: critics said it was too costly.',
    'She had read 3 of the 10 reports before the hearing.',
    'Voter registration is free, the electoral office said on Monday.',
    'The footage cannot be shown in court, the judge ruled on Tuesday.',
    'This content is intended for adults, the regulator said.',
    'Our reporters follow the story as it unfolds in the capital.',
    'Doctors must earn 50 CPD credits a year under the new rules.',
    'Pupils will take the quiz on Friday, the school said.',
    'The minister said the chart cannot be displayed without the data.',
    'Watch the vote live, the council urged residents on Monday.',
    'Share prices rose 3% in early trading on Monday.',
    'Topics discussed included trade and the border.',
    'The minister said she would read more next week.',
    'Posted guards stood at the gate all night.',
    'Martin Oyelund, the economics minister, resigned on Monday.',
    'Live music will return to the square as it happens every summer.',
    'The paper is not responsible for the delays, the court found.',
    'Officers will get the new radios in March, the chief said.',
    'More on the budget is expected from the minister next week.',
    'Most read in the county were the notices of closures, the librarian said.',
    'Live music will return: the council agreed to follow the coverage rules.',
    'Updated figures for 4 August 2020 showed a rise in cases.',
    'The story will be updated in a second edition next year, the author said.',
    'Residents were asked to have their say on the plan by May.',
    'The bank said it had accepted all of the recommendations.',
    'Investors were told to get alerts from the regulator before trading.',
    'A correction of 10% in share prices followed.',
    'The company adheres to its code of conduct, a spokesman said.',
    'Reporting by the Chronicle showed the agency had missed the warnings.',
    'Recommended doses were cut in half last year.',
    'In this case, the court found the photo had been altered.',
    'In this Democratic stronghold, a photo of the candidate hung in every shop.',
    'This photo-finish was the closest race in years.',
    'Watch for black ice after 6 p.m., forecasters warned.',
    'Residents can get notifications about floods by text message.',
    'Whenever the mayor posts new content on the council site, staff check it for errors.',
    'See our report from Tuesday, the editor told the committee.',
    'Three of the 12 photos were taken by the victim, the court heard.',
    'Interested in buying the club, Reyes met its owners on Monday.',
    'The original article in the journal was retracted in 2019.',
    'Discuss this with your doctor, the agency advised.',
    'Officers from Orvale / Tessa police joined the search.',
    'Press Ctrl-C to stop the program, the manual says.',
    'Close to 300 people attended the funeral on Friday.',
    'Sources said the two men met twice in May.',
    'Produced by the ministry, the report found 40 faults.',
    '"Let us know if you see him," the police chief said.',
]


@pytest.mark.parametrize("line,rule", FURNITURE)
def test_page_furniture_is_dropped_with_its_rule(line, rule):
    kept, drops = _run([line])
    assert kept == [] and [d.rule for d in drops] == [rule]


def test_news_using_the_words_of_furniture_is_kept():
    kept, drops = _run(FURNITURE_WORDS_IN_NEWS)
    assert [s.text for s in kept] == FURNITURE_WORDS_IN_NEWS and drops == []


@pytest.mark.parametrize("text, outlet, about", [
    ("The Gazette is published by Harbour Media Group.", "Gazette", True),
    ("Marta Oskvik is DBD's banking editor.", "Drenn Business Daily", True),
    ("Helena Varro covers the courts and criminal justice for the Chronicle.", "Korvath Chronicle", True),
    ("Helena Varro covers the courts for the Gazette.", "Korvath Chronicle", False),
    ("Marta Oskvik is DBD's chief executive.", "Drenn Business Daily", False),
    ("The Gazette is published by Harbour Media Group.", "The Gazette", True),
    ("Gazette is owned and operated by the Coast Trust.", "The Gazette", True),
    ("Valley Post is a reader-supported local newsroom covering the valley.", "Valley Post", True),
    ("The Gazette is part of the Coast Media network.", "Gazette", True),
    ("Valley Post (VP) is a member of the Local News Alliance.", "Valley Post", True),
    ("The Courier is published by Harbour Media Group.", "Gazette", False),  # another outlet: news of it
    ("The Gazette is owned by Harbour Media, which agreed on Monday to sell it.", "Gazette", False),
    ("The Gazette is published by Harbour Media, the mayor said.", "Gazette", False),
    ("The Gazette reported the leak first.", "Gazette", False),
    ("The Gazette is published by Harbour Media Group.", None, False),
    ("Nadia Ferrant is a senior fellow at the Lindqvist Centre and a contributing editor at Statecraft Review.",
     "Statecraft Review", True),
    ("Ada Lind is a staff writer at the Gazette.", "The Gazette", True),
    ("Ada Lind is a staff writer at the Gazette.", "Courier", False),
    ("Sofia Renquist is the Chronicle's labour correspondent.", "The Tarsel Chronicle", True),
    ("Sofia Renquist is the Chronicle's labour correspondent.", "Gazette", False),
    ("Ada Lind is a former editor of the Gazette who said on Monday she would sue.", "Gazette", False),
    ("Ada Lind, a staff writer at the Gazette, was arrested.", "Gazette", False),
])
def test_about_outlet(text, outlet, about):
    from digest.clean import about_outlet

    assert about_outlet(text, outlet) is about


def test_a_notice_about_the_articles_own_outlet_is_dropped():
    notice = "The Gazette is published by Harbour Media Group."
    kept, drops = _run([notice, NEWS[0]], outlet="Gazette")
    assert [s.text for s in kept] == [NEWS[0]] and [d.rule for d in drops] == ["outlet notice"]
    kept, drops = _run([notice, NEWS[0]], outlet="Courier")
    assert len(kept) == 2 and drops == []
    sale = "The Gazette is owned by Harbour Media, which agreed on Monday to sell it."
    assert [s.text for s in _run([sale], outlet="Gazette")[0]] == [sale]


def test_a_short_paragraph_ending_in_a_photo_credit_is_a_caption():
    caption = "The Millbrook estate, the housing nearest the depot."
    credit = "Photograph: Kaja Brenn/Tarsel Tribune"
    news = ("Health officials said on Tuesday that the tower at the depot was the source of an outbreak that "
            "has made 23 people ill and killed two, and that more cases were expected in the coming days.")
    kept, drops = _run_paragraphs([[caption, credit], [NEWS[0]]])
    assert [s.text for s in kept] == [NEWS[0]] and sorted(d.rule for d in drops) == ["caption", "caption"]
    # A long news sentence with a credit after it (a scrape that glued them) is kept; so is a
    # sentence before a credit in a long paragraph.
    kept, _ = _run_paragraphs([[news, credit]])
    assert [s.text for s in kept] == [news]
    kept, _ = _run_paragraphs([[NEWS[0], NEWS[1], caption, credit]])
    assert [s.text for s in kept] == [NEWS[0], NEWS[1], caption]


def test_a_photo_gallery_flattened_into_one_paragraph_is_captions_from_its_first_toggle_to_its_last():
    gallery = [
        "Mayor Ana Ortiz opened the new Riverside Park on Monday, a year behind schedule.",
        "Hide Caption 1 of 3 Photos: The long road to Riverside Park",
        "Ortiz, left, and council member Tom Reyes at the groundbreaking in May 2025.",
        "Hide Caption 2 of 3 Photos: The long road to Riverside Park Ortiz and Reyes",
        "Reyes cuts the ribbon beside the new playground on Monday.",
        "Hide Caption 3 of 3",
    ]
    kept, drops = _run_paragraphs([[NEWS[0]], gallery, [NEWS[1]]])
    assert [s.text for s in kept] == [NEWS[0], gallery[0], NEWS[1]]
    assert [d.rule for d in drops] == ["caption"] * 5
    # One toggle alone marks no gallery: the sentences around it stay.
    kept, _ = _run_paragraphs([[NEWS[0], gallery[1], NEWS[1]]])
    assert [s.text for s in kept] == [NEWS[0], NEWS[1]]


def test_a_credit_in_brackets_makes_a_caption_too():
    caption = "The minister speaks to reporters outside the chamber."
    kept, drops = _run_paragraphs([[caption, "(Photo: Sentinel/Jonna Brix)"], [NEWS[0]]])
    assert [s.text for s in kept] == [NEWS[0]] and sorted(d.rule for d in drops) == ["caption", "caption"]


def test_furniture_takes_the_short_sentences_of_its_paragraph_with_it():
    """A notice printed as two or three sentences: the one a rule knows takes the others along."""
    for block in (["© 2027 Valley Post.", "Part of the Vell Media group."],
                  ["You're reading 1 of 3 free stories this month.", "Subscribe or log in to keep reading."],
                  ["Got a story?", "Ring the newsdesk on 0441 220 190 or message us through our website."]):
        kept, drops = _run_paragraphs([[NEWS[0]], block])
        assert [s.text for s in kept] == [NEWS[0]] and len(drops) == len(block), block
    # A sentence of news in the paragraph is longer than a notice's; a call to action follows news.
    news = ("Officers of the police detective bureau and the state police unit assigned to the prosecutor's "
            "office are assisting with this investigation.")
    update = "Update: the truckers are no longer planning to block the motorway."
    for paragraph in ([news, "Reach Bob Dunn at bdunn@post.example or 413-496-6249."], [update, "Read the latest here."]):
        kept, _ = _run_paragraphs([paragraph])
        assert [s.text for s in kept] == [paragraph[0]]


def test_a_short_line_above_a_credit_of_its_own_is_its_caption():
    caption = "Volunteers fill sandbags on Quay Street, Tollin, on Tuesday evening."
    kept, drops = _run_paragraphs([[NEWS[0]], [caption], ["Gazette photo: Ida Renn"], [NEWS[1]]])
    assert [s.text for s in kept] == [NEWS[0], NEWS[1]] and [(d.sentence.text, d.rule) for d in drops][0] == (caption, "caption")
    # A sentence that reports, attributes or denies is news, whatever stands under it.
    relative = "The assembly hall in Grenholt, where the company has built electric cars since 2021."
    kept, drops = _run_paragraphs([[NEWS[0]], [relative], ["Photo: Jonas Ekwall / Chronicle Pictures"]])
    assert [s.text for s in kept] == [NEWS[0]] and drops[0].rule == "caption"  # what the photo shows, then of it
    for news in ("The river was expected to peak at 4.2 metres on Tuesday evening.",
                 "Quay Street residents did not leave their homes on Tuesday.",
                 "The sandbags arrived on Tuesday, the mayor said.",
                 "The river, which burst its banks on Monday, has fallen by a metre."):
        kept, _ = _run_paragraphs([[news], ["Gazette photo: Ida Renn"]])
        assert [s.text for s in kept] == [news]


def test_the_headlines_under_a_related_label_are_links():
    links = ["Lender raises mortgage rates", "What is inflation and why does it matter?"]
    kept, drops = _run_paragraphs([[NEWS[0]], ["More on this story"], *[[h] for h in links], [NEWS[1]]])
    assert [s.text for s in kept] == [NEWS[0], NEWS[1]] and [d.rule for d in drops] == ["related", "related", "heading"]
    # Not after a link with its own headline ("Related: ..."), and prose ends the list.
    advice = "There is no vaccine for this strain, so doctors urge good hygiene:"
    kept, _ = _run_paragraphs([["Related: New strain may have caused paralysis"], [advice], ["Stay at home from work or school when you are sick"]])
    assert [s.text for s in kept] == [advice, "Stay at home from work or school when you are sick"]


def test_a_short_question_standing_alone_before_more_text_is_a_subheading():
    question = "What is Legionnaires' disease?"
    answer = "It is a lung infection caused by bacteria that breed in warm water."
    kept, drops = _run_paragraphs([[NEWS[0]], [question], [answer]])
    assert [s.text for s in kept] == [NEWS[0], answer] and [d.rule for d in drops] == ["heading"]
    # Kept: a question inside a paragraph, a quoted one, a long one, and one ending the article.
    quoted = '"Why did nobody check the tower?"'
    long_question = "Will the council now pay for the repairs to every tower on the Tanner Road estate?"
    for paragraphs in ([[NEWS[0], question], [answer]], [[quoted], [answer]], [[long_question], [answer]],
                       [[NEWS[0]], [question]]):
        kept, drops = _run_paragraphs(paragraphs)
        assert drops == [], paragraphs


def test_workers_give_the_same_drops_and_match_the_users_patterns_too():
    """With the run's workers (--jobs 2), each distinct text's patterns are matched in a
    worker process: the same kept sentences and drops, user patterns included."""
    from digest.pipeline import workers

    config = Config(boilerplate_patterns=(r"listen to the .* podcast.*",))
    article = Article(0, "u", "Harbour plan approved", "Gazette", None, "", "p")
    lines = [*NEWS, *(line for line, _ in BOILERPLATE), "Listen to the Harbour Hour podcast every Monday morning."]
    sentences = [Sentence(t, 0, i, i) for i, t in enumerate(lines)]
    mapped = []
    with workers(2) as map_:
        def recording(fn, items):
            mapped.extend(items)
            return map_(fn, items)

        parallel = remove_boilerplate([article], sentences, config, recording)
    assert set(lines) <= set(mapped)
    assert parallel == remove_boilerplate([article], sentences, config)
    assert parallel[1][-1].rule == "user pattern"
