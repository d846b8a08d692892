"""Clean: drop the sentences that are not news before anything is ranked.

This module is the one boilerplate detector of the project (``Boilerplate``): the stories
stage asks it whether a title or sentence can be a headline, the ranker whether a
sentence mentions page furniture. Three signals, each applied to every sentence (a
heading or editors' note is a sentence of its own):

* patterns: the built-in table plus the user's ``boilerplate_patterns``, matched against
  the whole sentence, and a short question that leads into one ("Have a tip? Email ...");
* shape: a separator, heading, fragment, editors' note, a copy of a headline of the day;
* the corpus: a sentence repeated across several articles of one outlet is that outlet's
  furniture (slogans, tip lines, footers), not its news.
"""
from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from functools import lru_cache, partial
from typing import Callable, Iterable, Sequence

from .analysis import MONTHS
from .config import Config, UserRegex
from .models import Article, Drop, Fact, Sentence
from .segment import is_editors_note, is_heading, word_count, words

# A photo caption in wire style: a short present-tense sentence of what a picture shows,
# ending on the full date it was taken ("Firefighters battle the blaze near Orvale on
# Tuesday, March 3, 2027.", "A resident walks past the market in Tessa, 4 May 2027."). News
# gives a date its year mostly for the past, in the past tense, and a coming event's in
# the present ("The minister leaves office on March 3, 2027."). So the rule wants a photo
# verb in the first words, after a subject (not "the", "to", "will"); no auxiliary, modal
# or reporting verb anywhere; and a date not after "since", "until" and the like. A verb
# that also tells of coming events ("arrives", "holds", "speaks") counts only with a place
# ("in", "near", "at") and the date as captions give it: after a comma or a place name, or
# with its weekday ("in Tessa, 4 May 2027", "in Tessa May 4, 2027", "on Tuesday, March 3, 2027").
_MONTH_NAMES = "|".join(sorted(MONTHS | {m[:3] for m in MONTHS if len(m) > 4} | {"sept"}, key=len, reverse=True))
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_FULL_DATE = (rf"(?:(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?"
              rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAMES})\.?,?)\s+(?:19|20)\d{{2}}\.?")


def _not_after(words: str) -> str:
    """Lookbehinds: the next thing does not follow one of these words (and a space)."""
    return "".join(rf"(?<!\b{w} )" for w in words.split())


def _verb_forms(stems: str) -> tuple[str, str]:
    """The singular ("walks") and plural ("walk") present of these verbs, as alternations;
    a stem "look:on|at" takes one of those words after it."""
    singular, plural = [], []
    for stem in stems.split():
        stem, _, after = stem.partition(":")
        tail = rf" (?:{after})" if after else ""
        s = stem[:-1] + "ies" if stem.endswith("y") and stem[-2] not in "aeiou" else stem + (
            "es" if stem.endswith(("sh", "ch", "ss")) else "s")
        singular.append(s + tail)
        plural.append(stem + tail)
    return "|".join(singular), "|".join(plural)


# Verbs of what a picture shows, and those that also tell of coming events.
_STRONG_VERBS = _verb_forms("pose gesture wave react smile kneel embrace hug cheer chant shout weep cry "
                            "look:on|at|out|up|down|over|toward|towards|into|through")
_WEAK_VERBS = _verb_forms("walk stand hold battle gather speak sit wait arrive leave attend pray listen greet "
                          "ride mourn celebrate march watch carry talk:to|with")
_PASSIVE = r"(?:is|are) (?:seen|pictured|photographed|escorted|wheeled|carried|helped|comforted)"
_WEAK_PASSIVE = r"(?:is|are) (?:shown|displayed)"


def _verbs(forms: tuple[str, str], passive: str) -> str:
    """A verb of ``forms`` after its subject: the plural only after a plural ("Firefighters battle")."""
    singular, plural = forms
    return (rf"(?:{singular}|{passive}"
            rf"|(?:(?<=[a-rt-z]s )|(?<=police )|(?<=people )|(?<=children )|(?<=men )|(?<=crowd ))(?:{plural}))\b")


_NEXT_NOT_A_VERB = (r"(?=\s+(?!(?:\w+ed|are|were|hit|struck|broke|fell|began|came|went|took|made|swept|tore|left|rose|"
                    r"sank|ran|drew|grew|became|brought|caught|drove|flew|shook|spread|stood|threw|won|lost|put|cut|"
                    r"hurt|ended)\b))")  # "Heavy waves battered ...": the noun of a subject, not a verb
_CAPTION_DATE = (  # as captions give it: ", 4 May 2027", "Tessa May 4, 2027", "on Tuesday, March 3, 2027"
    rf"(?:,\s+(?:(?:early|late)\s+)?(?:{_WEEKDAY},?\s+)?|\s(?:on\s+)?(?:(?:early|late)\s+)?{_WEEKDAY},?\s+|\s+"
    + _not_after("on in at of near for since until before after by from through between and to the a this that last next")
    + rf"){_FULL_DATE}")
# What a sentence of news says and a caption does not: it reports, attributes, tells of before or after.
_REPORTING = (r"was|were|has|have|had|been|will|would|could|should|shall|must|might|can|cannot|"
              r"said|says|say|told|tells|according|scheduled|expected|due|set to|plans?|planned|since|until")
_CAPTION = (
    r"(?=.{0,480}(?:19|20)\d\d\.?\s*$)"  # first the cheap test: the line ends on a year
    rf"(?!.{{0,400}}?\b(?:{_REPORTING})\b)"
    r"(?:[^\s]+\s+){1,16}?"
    + _not_after("the a an his her its their our your my this that these those of in on at for with to from by "
                 "and or as is was has us plus thus news perhaps besides towards")
    + rf"(?:{_verbs(_STRONG_VERBS, _PASSIVE)}{_NEXT_NOT_A_VERB}.{{0,240}}"
    + _not_after("since until before after by from through between and to of") + _FULL_DATE
    + rf"|{_verbs(_WEAK_VERBS, _WEAK_PASSIVE)}{_NEXT_NOT_A_VERB}"
    rf"(?=.{{0,240}}\b(?:in|near|at|outside|inside|off|along|across|beside)\s).{{0,240}}{_CAPTION_DATE})"
)
_CAPTION_NEEDLES = ("19", "20")  # the year it ends on


# A photo gallery's toggle between two captions ("Hide Caption 3 of 12 Photos: ...").
_TOGGLE = r"(?:hide|show|expand) caption\b"
# What a wire caption says of its picture before naming it: when it was taken, what kind it is.
_PICTURE_WHEN = (r"(?:(?:undated|recent|aerial|handout|file|still|satellite|video|booking"
                 r"|(?-i:[A-Z])[a-z]+\.?,?|\d{1,4}(?:st|nd|rd|th)?,?)\s+){0,5}")


# A photo credit ("Photograph: Kaja Brenn/Tribune"); a short paragraph holding one is a caption.
_CREDIT = r"(?:photo|image|picture|pictured|file photo|caption|credit|photograph|illustration)s?\s*(?:[:|/(]|by\b).{0,160}"
# ... or named for whose it is: "Courier photo: Aurel Voss", "Reuters Pictures/Ada Lind".
_CREDIT_LINE = re.compile(rf"(?:{_CREDIT}|(?-i:[A-Z][\w&'’.-]*\s+){{1,2}}(?:photo|image|picture|photograph|illustration)s?\s*[:|/].{{0,160}})",
                          re.IGNORECASE)
# A sentence that reports (``_REPORTING``), denies or quotes is news, not a caption above a credit.
_TELLS = re.compile(rf"\b(?:{_REPORTING}|not|never|no)\b|n['’]t\b|[\"“”]", re.IGNORECASE)
# ... in its own clause: a caption's relative clause tells of what it shows ("The assembly hall
# in Grenholt, where the company has built cars since 2021."); "The fire, which began on Tuesday,
# has burned ..." still reports.
_RELATIVE_CLAUSE = re.compile(r",\s+(?:where|which|who|whose|when)\b[^,;:]*", re.IGNORECASE)
CAPTION_SENTENCES = 3  # a caption paragraph's sentences, its credit included
CAPTION_WORDS = 30
CREDIT_WORDS = 12


SUBHEAD_WORDS = 8


def _is_subhead(text: str) -> bool:
    text = text.strip()
    return text.endswith("?") and not any(q in text for q in "\"“”«»") \
        and word_count(text, SUBHEAD_WORDS + 1) <= SUBHEAD_WORDS


def _is_credit(text: str) -> bool:
    text = text.strip()
    if text[:1] in "([" and text[-1:] in ")]":  # "(Photo: Sentinel/Jonna Brix)"
        text = text[1:-1].strip()
    return word_count(text, CREDIT_WORDS + 1) <= CREDIT_WORDS and bool(_CREDIT_LINE.fullmatch(text))

# (rule, pattern, needles): a pattern matches a whole line, case-insensitively. A pattern
# opening with ".{0,N}" is looked for along the whole line, which on a day of news costs
# more than all the other patterns together; its needles are strings one of which every
# line it matches contains (case-folded), so a line with none of them is spared it.
# What an outlet calls itself: "newsroom", "news agency", "media company", "magazine".
_NEWSROOM = (r"(?:newsroom|news\s+(?:organi[sz]ation|site|website|outlet|publication|service|agency)"
             r"|media\s+(?:organi[sz]ation|outlet|company)|publication|newspaper|magazine|website)")
# How an outlet says it answers to nobody: "Fairdeal is independent and reader-funded."
_OWN_MONEY = r"(?:independent|nonprofit|non-profit|reader-funded|reader-supported|ad-free)"
# A line that heads a list of links to other stories, one headline a line after it.
_LINKS_LABEL = (r"(?:more on (?:this|the) [\w&'’ -]{1,30}|more (?:stories|from [\w&'’ -]{1,30})"
                r"|related(?: (?:stories|articles|coverage|content|links|guides|reading|pages))?|read more|you (?:may|might) also (?:like|be interested in)"
                r"|recommended(?: for you| reading| stories)?|most (?:read|popular|viewed)(?: (?:in|on|from) [\w&'’ -]{1,30})?|read next|up next"
                r"|also (?:on|in|from) (?:the )?[\w&'’ -]{1,30}|latest (?:on|from|in) [\w&'’ -]{1,30}"
                r"|explore more on (?:these|this) topics?|related topics)\s*:?")
PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("call to action", r"(?:please\s+)?(?:join|follow|like|find|subscribe to|message|watch|listen to|hear)\s+us\b.{0,120}", ()),
    ("call to action", r"(?:share|tweet|email|print)(?:\s+(?:this|on|via)\b.{0,40})?"
                       r"|share (?:this|the) (?:article|story|page|post)\s*[:|-]?\s*.{0,80}", ()),
    ("call to action", r"(?:click|tap)\s+here\b.{0,80}|download (?:our|the) app\b.{0,60}"
                       r"|(?:get|receive|turn on)\s+(?:breaking\s+)?(?:news\s+)?(?:alerts?|notifications?)\s*(?:[:,-]|\b(?:on|from|for|by)\b).{0,100}", ()),
    ("call to action", r"(?:stay|keep) (?:up to date|informed|updated)\b.{0,80}(?:follow|subscribe|sign up|newsletter|app|channel).{0,40}", ()),
    ("call to action", r"never miss (?:a|another|any) (?:story|update|headline|thing)\b.{0,80}"
                       r"|(?:sign up|subscribe|register|opt in) (?:to|for) .{0,60}\b(?:alerts?|notifications?|updates|round-?ups?|briefings?"
                       r"|bulletins?|digests?|e-?mails?)\b.{0,80}"
                       r"|(?:get|receive) our (?:free )?(?:[\w&'’-]+\s+){0,4}(?:alerts?|e-?mails?|briefings?|bulletins?)\b.{0,120}"
                       r"|(?:please\s+)?donate (?:to|now|today|here)\b.{0,120}", ()),
    ("comments", r"(?:post|leave|add|view|show|read)\s+(?:a\s+|all\s+|the\s+)?comments?\b.{0,30}|\d+\s+comments?|comments?\s*[:(]?\s*\d+\)?"
                 r"|join the (?:conversation|discussion|debate)\b.{0,80}|have your say\b.{0,80}"
                 r"|comments (?:are|have been) (?:open|turned off|closed|disabled|switched off)\b.{0,120}", ()),
    ("newsletter", r".{0,60}\b(?:sign up|subscribe)\b.{0,60}\bnewsletters?\b.{0,60}|.{0,40}\bnewsletters?\b.{0,20}\b(?:sign up|subscribe)\b.{0,40}", ("newsletter",)),
    ("newsletter", r"(?:get|have) (?:the|our) .{0,40}\bdelivered\b.{0,40}(?:inbox|email).{0,20}"
                   r"|sign up(?: (?:now|today|here|free|for free))?\s*[.!]?", ()),
    ("newsletter", r".{0,160}[.!:]\s+sign up(?: (?:now|today|here|free|for free))?\s*[.!]?"
                   r"|unlock (?:the |our )?.{0,40}\bfor free\b.{0,160}", ("sign up", "unlock")),
    ("newsletter", r".{0,50}\bnewsletters?\b[.!]?|.{0,80}\b(?:subscribe|subscribing|unsubscribe)\b.{0,80}", ("newsletter", "subscrib")),
    ("contact", r".{0,60}(?:contact|email|e-mail|write to|reach)\b.{0,40}\b[\w.+-]+@[\w-]+\.[\w.-]+.{0,20}|[\w.+-]+@[\w-]+\.[\w.-]+", ("@",)),
    ("dateline", r"(?:today|updated|published|posted|last updated|date)\s*[:|-]?\s*(?:.{0,20}\d{1,2},?|(?:[a-z]+,?\s+)?\d{1,2}\s+[a-z]{3,9}\.?)"
                 r"\s+\d{4}.{0,40}", ()),
    ("dateline", r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+.{0,12}\d{4}.{0,15}", ()),
    ("dateline", r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\W{0,3}(?:\d{1,2}:\d{2}.{0,12})?", ()),
    ("byline", r"by\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}(?:\s*(?:,|and|&|\||/)\s*.{0,60})?", ()),
    ("byline", r"(?:styled|styling|photographed|photography|illustrations?|hair and make-?up|make-?up|produced|graphics?)\s+by\s+"
               r"(?-i:[A-Z])[\w.'’-]+(?:\s+(?-i:[A-Z])[\w.'’-]+){0,3}\.?", ()),
    ("byline", r"\(\s*(?:(?:additional\s+)?reporting|writing|editing|edited|compiled|produced)\s+by\b.{0,200}\)"
               r"|(?:posted|published|updated|filed)\s+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?"
               r"(?:\s*[|·•,-]\s*by\s+.{1,60})?"
               r"|(?-i:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3}),\s+(?:(?:the|our|a|an)\s+)?(?:[\w-]+\s+){0,3}"
               r"(?:editor|correspondent|reporter|writer|columnist|producer)s?"
               r"|.{0,80}\b(?:contributed|added) (?:to )?(?:this|the) (?:report|story|article)(?:ing)?\.?|(?:additional\s+)?(?:written|writing|reported|reporting|edited|editing)\s+by\s+(?-i:[A-Z])[\w.'’-]+(?:\s+(?-i:[A-Z])[\w.'’-]+){0,3}"
               r"(?:\s*(?:[,;&]|\band\b|\bin\b)\s*.{0,160})?\.?|(?:staff|senior|political|chief)\s+(?:writer|reporter|correspondent).{0,40}", ()),
    # A wire story's closing credits ("Ana Brell contributed reporting.", "Karam reported from Beirut.").
    ("byline", r"(?-i:[A-Z][\w'’.-]+(?:\s+(?:and\s+)?(?-i:[A-Z])[\w'’.-]+){0,6}),?\s+contributed (?:additional )?reporting\b.{0,80}"
               r"|(?:additional )?reporting (?:was )?contributed by\b.{0,120}"
               r"|(?-i:[A-Z][\w'’.-]+(?:\s*(?:,|and)\s+(?-i:[A-Z])[\w'’.-]+|\s+(?-i:[A-Z])[\w'’.-]+){0,5})\s+reported from"
               r" (?-i:[A-Z])[\w'’.-]*(?:,?\s+(?-i:[A-Z])[\w'’.-]*){0,3}\.?", ()),
    ("related", r"(?:[▶►▷]\s*)?(?:related(?: coverage| stories| articles| reading)?|(?:follow|watch) live|read more|read also|also read|read next|up next|see also|more|watch|listen|recommended|trending(?: now)?"
                r"|most read|also in (?:the )?[\w&'’. -]{1,30})\s*[:|>»-].{0,200}"
                r"|" + _LINKS_LABEL, ()),
    ("tags", r"(?:tags?|topics?|related topics|filed under|explore more on (?:these|this) topics?|follow the topics in this article"
             r"|more about)\s*:\s*.{0,200}", ()),
    ("reading time", r"(?:\d+|one|two|three|four|five)[- ]?min(?:ute)?s?\s+read\b.{0,60}"
                     r"|listen to (?:this|the) (?:article|story)\b.{0,40}", ()),
    ("toolbar", r"(?:(?:gift|share|save|print|email|copy link|comment|bookmark|listen|follow)(?: (?:(?:this|the) )?(?:article|story|page))?"
                r"\s*(?:[|·•/]\s*|$)){2,}", ()),
    ("live banner", r"live (?:results|scores|updates|blog|coverage)\s*[:|–—-]\s*.{0,120}"
                    r"|live(?: updates?| blog| coverage)?\s*[:|–—-]\s*(?:.{0,120}\bas (?:it happens|they happen)\b.{0,20}"
                    r"|(?:follow|watch|read)\s+(?:our|the)\s+(?:[\w-]+\s+){0,2}(?:coverage|updates|blog|reaction)\b.{0,100})", ()),
    ("breadcrumb", r"(?:[\w&'’.-]+(?:\s+[\w&'’.-]+){0,3}\s+[|›>»·]\s+){2,}[\w&'’.-]+(?:\s+[\w&'’.-]+){0,3}", ()),
    ("caption", _CREDIT, ()),
    ("caption", r"(?:image|media|video|photo|picture)\s+(?:caption|source)\s*[:,]\s*.{0,300}", ()),
    ("caption", r".{0,160}\((?:photo|image|credit|file)[^)]{0,80}\)|.{0,120}(?:/\s*)?(?:getty images|ap photo|afp via getty)\.?", ("(photo", "(image", "(credit", "(file", "getty images", "ap photo", "afp via getty")),
    ("media fallback", r"(?:the |this )?video will (?:auto-?play|start|play) (?:soon|shortly|in)\b.{0,40}|tap to (?:play|unmute)|play now|"
                       r"your browser does not support .{0,60}|(?:please )?enable javascript.{0,80}|(?:loading|play|watch) (?:video|audio)\.?"
                       r"|(?:this|the) (?:post|tweet|video|content|embed|media|image|graphic|map|chart)\b.{0,60}?\b(?:cannot|can't|could not|can not)"
                       r" be (?:displayed|shown|loaded|played|viewed)"
                       r"(?:\s+(?:here|right now|in your browser|on this (?:page|site|device|browser)|because\b.{0,120}|due to\b.{0,80}))?[\s.!]*"
                       r"|view (?:it|this|this post|the (?:original )?post|the full post) on (?:x|twitter|instagram|facebook|youtube|tiktok|bluesky|threads)\b.{0,20}"
                       r"|(?:[\w-]+\s+){0,3}content\s*:\s*this content is blocked\b.{0,200}"
                       r"|manage (?:cookie|privacy|consent) (?:settings|preferences|choices)\.?"
                       r"|rating is available when the video has been rented\.?"
                       r"|this feature is not available right now\.?(?:\s*please try again later\.?)?"
                       r"|embed\s+more (?:news )?videos\b.{0,200}|(?:the )?interactive transcript could not be loaded\.?"
                       r"|(?:we'?ve|we have) detected that javascript is (?:disabled|turned off|not enabled)\b.{0,120}"
                       r"|there was a problem (?:saving|loading|submitting|sending|processing) your\b.{0,80}"
                       r"|your (?:notification|preferences|settings|changes|subscription)s? (?:has|have) been (?:saved|updated)\.?"
                       r"|an error (?:has )?occurred\.?(?:\s*please try again(?: later)?\.?)?", ()),
    # How to copy an embed's code; a photo credit before its caption ("Ana Brell / Reuters A ski
    # lift ...", "Ivo Marr / Via youtube.com A still of the test").
    ("caption", r".{0,60}\bctrl[-+ ]?c\b.{0,20}\bcmd[-+ ]?c\b.{0,80}", ("ctrl",)),
    ("caption", r"(?-i:[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3})\s*/\s*(?:via\s+\S{2,40}|reuters|ap|afp|getty images|epa|bloomberg)\b.{0,300}", ()),
    # A follow-this-writer widget, and a broadcaster's promotion of its own programme.
    ("call to action", r"(?:close\s+)?get (?:e-?mail )?notifications (?:on|about|from|when)\b.{0,80}"
                       r"|whenever .{1,60}? (?:posts|publishes) (?:new )?(?:content|articles?|stories)\b.{0,40}\byou(?:'ll| will)\b.{0,120}"
                       r"|e-?mail notifications are (?:only )?sent\b.{0,120}"
                       r"|(?:breaking news )?e-?mails?\s*:?\s*get (?:breaking )?(?:news )?alerts\b.{0,100}"
                       r"|(?:watch|tune in to|catch)\b.{0,120}?(?:\b\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\.?\s*)?"
                       r"(?:et|pt|ct|mt|est|pst|edt|pdt|cst|cdt)\b|\bon (?-i:[A-Z])[\w'’&.-]*(?:\s+(?-i:[A-Z])[\w'’&.-]*){0,3} at \d).{0,120}"
                       r"|read (?:more|the (?:full|original) (?:story|article|report|interview))\s+(?:from|at|on|in)\b.{0,80}"
                       r"|see (?:our|all (?:our|the))\s+(?:[\w'’-]+\s+){0,3}(?:photos?|pictures?|galler(?:y|ies)|slideshows?|videos?|survey|coverage)\b.{0,160}"
                       r"|original (?:article|story) (?:on|at|from) (?-i:[A-Z])[\w&'’.-]*(?:\s+[\w&'’.-]+){0,4}[.!]?|discuss this (?:topic|article|story|post)\b.{0,80}"
                       r"|interested in (?-i:[A-Z]).{0,60}\?|for more (?:from|by) .{1,40}?,\s*follow\b.{0,100}"
                       r"|add .{0,60}?\bas an interest to (?:stay up to date|follow)\b.{0,160}"
                       r"|for more information(?: about [\w\s'’-]{1,40})?,\s*(?:please\s+)?(?:visit|see|go to|call|contact|email|e-mail)\b.{0,160}"
                       r"|(?:please\s+)?visit .{1,80}? for more (?:on|about|information|details|news)\b.{0,100}"
                       r"|i (?:understand|agree to|accept) the terms(?: of (?:service|use))?(?: and [\w\s]{1,30})?\.?"
                       r"|.{0,160}\b(?:buy|download|get) the digital edition\b.{0,120}"
                       r"|let us know\b.{0,100}", ()),
    ("call to action", r".{0,120}\bfor (?:more|the latest) (?:on|about) this (?:developing )?story\b.{0,20}", ("this story", "developing story")),
    # A video player's close button before its caption ("CLOSE Firefighters battle ..."), a reprint
    # notice, a send-to-a-friend form, a source line.
    ("media fallback", r"(?-i:CLOSE)\s+.{0,300}", ()),
    ("furniture", r".{0,40}\bthis copy is for your personal,? non-commercial use\b.{0,200}", ("non-commercial",)),
    ("furniture", r"(?:note\s*:\s*)?we (?:only )?(?:request|ask for) your e-?mail address\b.{0,200}", ()),
    ("caption", r"sources?\s*:\s.{0,160}", ()),
    # A web archive's notice standing where the page it keeps failed to load.
    ("furniture", r"these crawls are part of an effort to archive pages\b.{0,300}"
                  r"|.{0,160}\ba link to the version that was live when the page was written\b.{0,100}"
                  r"|.{0,40}\bhopes that references to these archived pages\b.{0,300}"
                  r"|(?:this is )?a set of web collections curated by\b.{0,160}"
                  r"|(?:they include|these) web captures\b.{0,160}"
                  r"|the goal is to fix all broken links on the web\s*[.!]?|crawls of supported\W+no more 404\W+sites\.?"
                  r"|.{0,60}\bhas been donating (?:their|its) crawl data to the internet archive\.?"
                  r"|.{0,40}\bthese data are added to the wayback machine\b.{0,60}"
                  r"|(?:the seed for this crawl|this crawl was run at|the warc files associated with this crawl)\b.{0,300}"
                  r"|warczone is a collection\b.{0,300}|.{0,80}\bfor reference and clarity for the wayback team\b.{0,300}",
     ("crawl", "was live when", "archived pages", "web collections", "web captures", "broken links", "wayback", "warc")),
    ("furniture", r"advertisement(?:\s*[·|•-]\s*scroll to continue(?: reading)?)?|scroll (?:down )?to continue(?: reading)?\.?"
                  r"|sponsored(?: content)?|our standards\s*:.{0,80}|skip to (?:main )?content|(?:©|copyright)\s.{0,120}|all rights reserved\.?"
                  r"|(?:we|this (?:site|website)) uses? cookies\b.{0,200}|(?:accept|reject) all(?: cookies)?(?:\s*[|·]\s*manage (?:preferences|settings))?"
                  r"|manage preferences|reuse this (?:content|article|story)\b.{0,40}|purchase licensing rights\b.{0,40}"
                  r"|licen[cs]e this (?:content|article|story|photo|video)\b.{0,60}|was this (?:guide|article|story|page|answer) (?:helpful|useful)\?.{0,20}"
                  r"|(?:jump|skip) to\s*:\s*.{0,200}|(?:poll|quiz|survey)\s*:\s*.{0,160}|vote now[.!]?"
                  r"|cookie (?:settings|preferences|policy|notice|consent)\s*:.{0,250}|accept\s*\|\s*reject(?:\s*\|\s*manage(?: preferences| settings)?)?"
                  r"|(?:please\s+)?(?:do not|don't|you may not)\s+(?:copy|redistribute|republish|reproduce)\s+(?:our\s+)?(?:articles?|content|stories)\b.{0,160}"
                  r"|(?:developing|breaking)(?: news)? story\s*[:|–—-]\s*.{0,160}|this (?:story|article|page|report|post|item) (?:will be|is being) updated(?:\s+(?:as|when|with|throughout|regularly)\b.{0,80}|\s*[.!]?)"
                  r"|this is a (?:developing|breaking) (?:news )?story\b.{0,100}"
                  r"|(?:(?:spoiler )?warning\s*:\s*)?(?:this (?:article|story|post|piece|review) )?contains (?:major |minor |some )?spoilers\b.{0,120}", ()),
    ("correction", r"(?:correction|clarification)(?:\s*,\s*[^:]{1,30})?\s*:\s*.{0,300}|an earlier version of this (?:article|story|report|piece)\b.{0,200}"
                   r"|(?:this|the) (?:article|story|report|piece) was (?:amended|corrected) on\b.{0,120}", ()),
    ("caption", r"(?:for (?:movement|release)\b.{0,40}?\s)?file\s*(?:photo)?\s*[-–—:]\s.{0,400}", ()),
    # A caption in wire style, opening on the picture and when it was taken ("In this May 3,
    # 2027 photo, ...", "This undated photo provided by the family shows ..."); a gallery's
    # caption toggle ("Hide Caption 3 of 12 Photos: ...").
    ("caption", rf"(?:in )?this {_PICTURE_WHEN}(?:photo(?:graph)?|image|picture|frame grab)s?(?![\w-])"
                r"(?:,|\s+(?:released|provided|taken|take|made available|obtained|courtesy|shows|from)\b).{0,400}"
                rf"|{_TOGGLE}.{{0,400}}", ()),
    ("tip line", r"(?:do you )?(?:got|have|know of) (?:a|an|any|some)\s+(?:news\s+)?(?:tip|story|stories|report|article|video|photo|picture|question)s?\b[^.!?]{0,80}\?", ()),
    ("tip line", r"(?:please\s+)?(?:send|submit|email|e-mail)\s+(?:us\s+)?(?:it|them|your\s+\w+|news|tips?|a tip|a story|stories|photos?|videos?)\b.{0,40}\b(?:to|at|via)\b.{0,80}", ()),
    ("contact", r".{0,120}\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b.{0,60}", ("@",)),
    ("paywall", r"(?:this|the) (?:article|story|content) is (?:only )?(?:available|reserved|exclusive) (?:to|for) (?:our )?(?:\w+ )?subscribers\b.{0,80}"
                r"|(?:start|begin|try|get|claim)\s+(?:your|a|our)\s+(?:free\s+)?(?:\d+[- ]day\s+)?(?:free\s+)?trial\b.{0,60}"
                r"|subscriber(?:s|'s|s')?(?:-only| only| exclusive)\b.{0,160}"
                r"|.{0,60}\b(?:pro|premium|plus|digital|print)\s+subscribers?\s+(?:can|get|may)\b.{0,100}"
                r"|.{0,60}\b(?:unlimited|full|digital) access\b.{0,40}\bfor\s+[$€£¥]?\d[\d.,]*\s*(?:[a-z]+\s+)?(?:a|per|each) (?:week|month|year)\b.{0,30}",
     ("trial", "subscriber", "access")),
    ("paywall", r"(?:you have|you've got|you've)\s+(?:\d+|no|one|two|three|four|five)\s+(?:more\s+)?(?:free\s+)?(?:articles?|stories|reads)"
                r"\s+(?:left|remaining)\b.{0,40}"
                r"|(?:this is )?your (?:last|final) free (?:article|story)\b.{0,60}"
                r"|you(?:'ve| have) (?:reached|used up|used) (?:your|all(?: of)? your|the) .{0,20}free (?:articles?|stories)\b.{0,60}"
                r"|you(?:'ve| have) read (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten) (?:of|out of) (?:your |the |this month's )?"
                r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten) free (?:articles?|stories|reads)\b.{0,60}"
                r"|registration is (?:free|quick|required)\b.{0,80}"
                r"|(?:this|the) (?:content|article|page|site|section|material|information) is (?:intended|meant|only|solely|strictly)\s+"
                r"(?:intended\s+)?for (?:[\w-]+\s+){0,3}(?:professionals|practitioners|clinicians|subscribers|members|registered users)\b.{0,60}", ()),
    ("call to action", r".{0,80}\b(?:download|see|view|find|get|read)\b.{0,60}\bhere\s*[.!:]?", ("here",)),
    ("caption", _CAPTION, _CAPTION_NEEDLES),
    # A social network's embed widget around a post: how to embed it, the location notices.
    ("social widget", r"(?:embed|add) this (?:tweet|post|video|status|photo|image)\b.{0,80}"
                      r"|tweet with a location|add (?:a )?location to your tweets?\.?|when you tweet with a location\b.{0,80}"
                      r"|you can (?:add location information to your tweets|switch location on/off)\b.{0,160}"
                      r"|you always have the option to delete your (?:tweet )?location history\.?"
                      r"|twitter may be over capacity\b.{0,80}"
                      r"|(?:sorry,? )?(?:but )?you can only react (?:up to )?\d+ times?\b.{0,20}"
                      r"|(?:it (?:looks|seems) like )?you(?:'|’)?ve already used that reaction\b.{0,40}", ()),
    ("call to action", r"(?:learn|find out|read|see|discover) more\s*[.!:>»]?"
                       r"|(?:follow|like)\s+.{1,60}?\s+(?:on|at|via)\s+(?:twitter|x|facebook|instagram|tiktok|youtube|linkedin|threads"
                       r"|bluesky|mastodon|snapchat|whatsapp|telegram|google\+|(?:www\.)?(?:twitter|x|instagram|tiktok)\.com)\b.{0,120}"
                       r"|(?:download|get) (?:the|our)\s+(?:[\w&'’.-]+\s+){0,4}app\b.{0,100}", ()),
    ("log-in prompt", r"(?:please\s+)?(?:log|sign)\s*(?:in|on)(?:\s+(?:to|or|with|now|here|for)\b.{0,80}|\s*[.!]?)"
                      r"|already (?:a (?:digital |print )?(?:subscriber|member)|subscribed|registered|have an account"
                      r"|have a subscription)\s*\?.{0,80}", ()),
    ("appeal", r"(?:please\s+)?(?:help\s+(?:us\s+)?)?support\s+(?:(?:our|local|independent|quality|trusted|nonprofit|non-profit"
               r"|fact-based|public-service|community)[,\s]+(?:and\s+)?){1,3}(?:news\s+|journalism\b).{0,120}"
               r"|(?:please\s+)?(?:become|join (?:us )?as) an? (?:[\w&'’.-]+\s+){0,3}(?:member|subscriber|supporter|patron)\b.{0,120}"
               r"|(?:support|help)\s+(?:us|our \w+)\s+by becoming an? (?:[\w&'’.-]+\s+){0,3}(?:member|subscriber|supporter)\b.{0,80}", ()),
    ("appeal", r".{0,100}\b(?:support|fund|funds|sustain|sustains|powers?)\s+(?:our|this)\s+(?:[\w-]+\s+){0,2}journalism\b.{0,120}"
               r"|.{0,100}\byour (?:support|donation|subscription|contribution|gift)\b.{0,80}\bjournalism\b.{0,120}", ("journalism",)),
    ("furniture", r"(?:[\w&'’.-]+\s+){0,4}editorial (?:standards|guidelines|policy|principles|code|charter)\s*[:|].{0,120}"
                  r"|(?:[\w&'’.-]+\s+){1,4}(?:adheres? to|follows|abides by|is bound by) (?:its|our|the) (?:[\w&'’.-]+\s+){0,3}"
                  r"editorial (?:standards|guidelines|policy|principles|code|charter)\b.{0,80}"
                  r"|our (?:reporting|editorial|journalistic) (?:principles|standards|values|ethics)\s*[:|].{0,120}"
                  r"|(?:the\s+)?(?:[\w&'’.-]+\s+){0,4}editorial (?:standards|guidelines|policy|principles|code)\s+(?:governs?|guides?|applies to)\b.{0,80}"
                  r"|.{0,40}\bis not responsible for the content of external (?:sites|websites|links|pages)\b.{0,80}"
                  r"|read (?:about )?our approach to external link(?:s|ing)\.?"
                  r"|(?:this|the) (?:article|story|piece|report) is (?:free to read|free for all|free to access|available free)\b.{0,100}"
                  r"|(?:earn|claim|record|log) (?:\d+(?:\.\d+)?|one|two|three|an?) (?:cpd|cme|ce|ceu) (?:credits?|points?|hours?)\b.{0,100}"
                  r"|take (?:the|our|this) quiz\b.{0,60}"
                  r"|our (?:journalists|reporters|newsroom|journalism|editors) (?:follows?|adheres? to|abides? by|(?:is|are) regulated by"
                  r"|subscribes? to|(?:is|are) bound by) (?:the\s+)?(?:[\w&'’.-]+\s+){0,5}(?:code|codes|standards|guidelines|principles|rules)\b.{0,80}", ()),
    ("newsletter", r".{0,60}\bour (?:free\s+)?(?:[\w-]+\s+){0,2}newsletters?\b.{0,80}", ("newsletter",)),
    ("outlet notice", r"(?:[\w&'’.-]+\s+){1,6}is an? (?:(?:independent|nonprofit|non-profit|nonpartisan|non-partisan"
                      r"|reader-supported|reader-funded),?\s+(?:and\s+)?){1,3}(?:[\w-]+\s+){0,2}" + _NEWSROOM + r"\b.{0,200}"
                      r"|(?:[\w&'’.-]+\s+){1,4}is (?:" + _OWN_MONEY + r"(?:,\s+|\s+and\s+|,\s+and\s+)){1,2}" + _OWN_MONEY + r"[.!]?"
                      r"|about (?:us|the authors?|(?:the\s+)?(?-i:[A-Z][\w&'’.-]*)(?:\s+(?-i:[A-Z][\w&'’.-]*)){0,3})\s*:\s.{0,300}", ()),
    # A section and its topic, one middle dot between ("Politics · Marrow mayoral election 2027"); after the rest,
    # which name the lines they know ("Advertisement · Scroll to continue").
    ("breadcrumb", r"[\w&'’.-]+(?:\s+[\w&'’.-]+){0,3}\s+[›»·]\s+[\w&'’.-]+(?:\s+[\w&'’.-]+){0,4}", ()),
)


# "AVALEN (Northern Wire) - ", "LONDON, Nov. 20 (Reuters) — ", "BRUSSELS, Belgium (AP) - ",
# "SPOKANE, Wash. - ", "GAZA/JERUSALEM (Reuters) - ", "WASHINGTON (AP) _ ", "(CNN) — ": a wire
# dateline or source tag opening a lead sentence. It is removed so the same wire sentence
# matches across outlets and no headline or item starts with it.
_WIRE_DATELINE = re.compile(
    r"^(?:(?P<city>[A-Z][A-Z.'’]+(?:[ /-][A-Z][A-Z.'’]+){0,3})"  # AVALEN, NEW YORK, ST. PAUL
    r"(?P<place>,\s*[A-Z][A-Za-z.'’]+(?:\s[A-Z][A-Za-z.'’]+){0,2})?"  # , Belgium / , New Zealand / , Wash.
    r"(?P<day>,?\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+[A-Z][a-z]{2,8}\.?(?:\s+\d{4})?))?\s*)?"
    # , Nov. 20 / , Jan. 25, 2016 / , 16 June / , 3 Sept 2027
    r"(?P<tag>\([^()]{1,40}\)\s*)?"  # (AP), (Northern Wire)
    r"(?:(?:[-–—]{1,2}|_)\s+|[–—]\s*)(?=[A-Z0-9\"“‘'])"
    r"|^\((?:AP|Reuters|AFP|CNN|UPI|dpa|Bloomberg|[A-Z][A-Za-z]{1,15}(?: [A-Z][A-Za-z]{1,15})?)\)\s+(?=[A-Z\"“])"
    r"|^[A-Z][a-z]+(?:[ ,]+[A-Z][A-Za-z.]+){0,3}\s+\((?:AP|Reuters|AFP|CNN|UPI|dpa|Bloomberg)\)\s*(?:[-–—]+\s*)?(?=[A-Z\"“])"
)


def is_dateline(line: str) -> bool:
    """A line that is nothing but a wire dateline ("NORTHMERE (Valley Wire) -", "KELSA, Kelsa Islands (AP)")."""
    line = line.strip().rstrip("-–—_ ")
    return bool(line) and strip_dateline(f"{line} - A") == "A"


def strip_dateline(text: str) -> str:
    """The sentence without a leading wire dateline or source tag."""
    found = _WIRE_DATELINE.match(text)
    if not found:
        return text
    # A bare word of two capitals and a dash ("US - China talks") is no dateline.
    if found.group("city") and len(found.group("city")) < 3 and not (found.group("tag") or found.group("place")):
        return text
    return text[found.end():]


# The built-in patterns without needles as one alternation, each in a group named after
# its place in PATTERNS: nearly every line matches none of them, and this says so in one
# regex call; a line that matches one says which (see ``_builtin_rule``).
_ANCHORED = re.compile(
    r"\s*(?:" + "|".join(f"(?P<p{k}>{p})" for k, (_, p, n) in enumerate(PATTERNS) if not n) + r")\s*", re.IGNORECASE)


@lru_cache(maxsize=None)
def _whole_line(pattern: str) -> re.Pattern[str]:
    """A built-in pattern compiled to match a whole line, on first use: a run compiles only
    the needled patterns whose needles its lines hold (compiling all took 25 ms of a start)."""
    return re.compile(rf"\s*(?:{pattern})\s*", re.IGNORECASE)


def _builtin_rule(text: str) -> str | None:
    r"""The rule of the first built-in pattern matching the whole of ``text``, or None: the
    same answer as trying each in turn.

    A needled pattern is tried only if ``text`` holds one of its needles. Of the others, the
    first that matches on its own is the alternative ``_ANCHORED`` matched: with no leading
    space, its ``\s*`` matches nothing and the alternatives are tried in order. A leading
    space could be the ``\s*``'s or a pattern's, so then each is tried on its own.
    """
    found = _ANCHORED.fullmatch(text)
    if found is None:
        first = len(PATTERNS)
    elif text[:1].isspace():
        first = next(k for k, (_, p, n) in enumerate(PATTERNS) if not n and _whole_line(p).fullmatch(text))
    else:
        first = next(int(name[1:]) for name, value in found.groupdict().items() if value is not None)
    folded = text.casefold()
    for rule, pattern, needles in PATTERNS[:first]:
        if needles and any(n in folded for n in needles) and _whole_line(pattern).fullmatch(text):
            return rule
    return PATTERNS[first][0] if found else None


def normal(text: str) -> str:
    """A sentence or title as compared for copies: its words, lower-cased, one space apart."""
    return " ".join(w.lower() for w in words(text))


_ALNUM = re.compile(r"[^\W_]")  # one character for which str.isalnum() holds
# A sentence ends with . ! or ? (closing quotes and brackets after); "…" or "..." is a cut.
_WHOLE_END = re.compile(r"[.!?][\"'”’»)\]]*$")
_CUT_END = re.compile(r"(?:…|\.\.\.)[\"'”’»)\]]*$")
# A sentence that starts mid-sentence: punctuation that continues something.
_CONTINUATION = re.compile(r"^(?:[,;:)\]…]|\.\.\.|[-–—]+\s)")
# Titles that stand before a name: a sentence never ends on one ("... said Sen.").
_TITLES = frozenset("mr mrs ms dr sen rep gov lt gen sgt capt cmdr adm maj cpl pvt prof supt insp det atty rev fr".split())
_LAST_ABBREVIATION = re.compile(r"(\w+)\.[\"'”’)\]]*$")
# A short question that leads into a call to action ("Have a tip?" + "Email us at ...").
_LEAD_IN_WORDS = 12
# Page furniture mentioned anywhere in a sentence: the ranker's softer signal (a sentence
# that survived the patterns but talks about subscribing, cookies or the website).
_FURNITURE_WORDS = re.compile(
    r"\b(click|subscribe|sign up|newsletter|cookies?|copyright|all rights reserved|follow us|"
    r"read more|advertisement|javascript|your browser|this video|this tweet|website)\b|©|https?://|www\.",
    re.IGNORECASE,
)


def mentions_furniture(text: str) -> bool:
    """Whether a sentence mentions page furniture (subscribing, cookies, a web address) anywhere."""
    return bool(_FURNITURE_WORDS.search(text))


def quotable(facts: Sequence[Fact]) -> list[Fact]:
    """The facts a digest may print: those whose wording is a whole sentence.

    A line without a sentence ending (a sentence-case headline, a teaser, a list item) or one
    that starts mid-sentence is kept as news text, for the stories and dedup stages to read,
    but never printed as an item: the digest shows whole sentences only.
    """
    return [f for f in facts if is_whole_sentence(f.text)]


def is_whole_sentence(text: str) -> bool:
    """A sentence as a reader expects one: it starts as a sentence starts (not in lower case,
    not with punctuation that continues something), ends with . ! or ? (not cut, not on a
    title such as "Sen." that needs a name after it), and its quotes and brackets are balanced."""
    text = text.strip()
    if not (text[:1].isalnum() or text[:1] in "\"'“‘«([$£€¥"):  # "| Mark Wilson/Getty Images House panel ..."
        return False
    tail = text[-24:]  # end-anchored patterns on the tail only: a search would try every position
    if not _WHOLE_END.search(tail) or _CUT_END.search(tail) or _CONTINUATION.match(text):
        return False
    last = _LAST_ABBREVIATION.search(tail)
    if last and last.group(1).lower() in _TITLES:
        return False
    if text.count("“") != text.count("”") or text.count('"') % 2 or "``" in text or "''" in text:
        return False
    if text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        return False
    first = text.lstrip("\"'“‘«([")[:2]
    return not (first[:1].islower() and not (len(first) > 1 and first[1].isupper()))  # eBay, iPhone


# A notice about the outlet itself, opening with its name: "The Gazette is published by
# Harbour Media.", "Valley Post is an independent, nonprofit newsroom ...", "... is part of".
_ABOUT_OUTLET = (
    r"\s+(?:is|are)\s+(?:"
    r"(?:(?:wholly|proudly|independently|locally|jointly)\s+)?(?:published|owned|produced|operated|run|funded|supported|printed"
    r"|edited|distributed|brought to you|made possible)(?:\s+(?:and|in part|in full)?\s*(?:[\w-]+\s+)?)?\s*by\b"
    r"|an?\s+(?:[\w,'’-]+\s+){0,5}?" + _NEWSROOM + r"\b"
    r"|(?:an?\s+|the\s+)?(?:member|part|division|subsidiary|brand|publication|service|unit|project)\s+of\b)"
)
# What a notice never says: an event ("agreed to sell", "on Monday", "will close").
_NEWS_WORDS = re.compile(r"\b(?:said|says|told|announced|agreed|will|would|sold|sell|sale|bought|buy|acquired|merger|closed?|"
                         r"cut|cuts|laid|last|yesterday|today|tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.IGNORECASE)
_NOTICE_WORDS = 60


@lru_cache(maxsize=256)
def _about(outlet: str) -> re.Pattern[str]:
    name = re.escape(re.sub(r"^the\s+", "", outlet.strip(), flags=re.IGNORECASE)).replace(r"\ ", r"\s+")
    # As its own pages shorten it: "the Chronicle" for The Tarsel Chronicle, "DBD" for Drenn Business Daily.
    words = re.sub(r"^the\s+", "", outlet.strip(), flags=re.IGNORECASE).split()
    short = rf"the\s+(?:[\w-]+\s+)?{re.escape(words[-1])}"
    if len(words) > 1:
        short = rf"(?:{short}|(?-i:{re.escape(''.join(w[0] for w in words).upper())}))"
    return re.compile(rf"[\"'“‘]?(?:the\s+)?{name}(?:\s+\([^()]{{1,20}}\))?{_ABOUT_OUTLET}|{_CONTRIBUTOR}(?:the\s+)?{name}\b"
                      rf"|{_PERSON_IS}{short}['’]s\s+(?:[\w-]+\s+){{0,2}}{_ROLES}\b"
                      rf"|{_PERSON}\s+(?:covers|writes about|reports on)\s+.{{1,100}}?\s+for\s+(?:{short}|(?:the\s+)?{name})\s*\.?$",
                      re.IGNORECASE)


# A note on who wrote the piece, naming the outlet: "Nadia Ferrant is a senior fellow at the
# Lindqvist Centre and a contributing editor at Statecraft Review.", "Sofia Renquist is the
# Chronicle's labour correspondent."
_ROLES = r"(?:editor|writer|correspondent|columnist|reporter|critic|contributor|producer)"
_PERSON = r"(?-i:[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3})"
_PERSON_IS = rf"{_PERSON}\s+is\s+"  # "Sofia Renquist is "
_CONTRIBUTOR = rf"{_PERSON_IS}(?:a|an|the)\s+.{{0,160}}?\b{_ROLES}s?\s+(?:at|for|of|with)\s+"


def about_outlet(text: str, outlet: str | None) -> bool:
    """Whether ``text`` is a notice about the outlet ``outlet`` itself: it opens with the
    outlet's name (with or without "The") and says who publishes or owns it, what kind of
    newsroom it is or what it is part of ("The Gazette is published by Harbour Media."), or
    it says who wrote for it ("Ada Lind is a staff writer at the Gazette."); never a sentence
    that tells of an event ("... agreed on Monday to sell the Gazette")."""
    outlet = (outlet or "").strip()
    if len(outlet) < 2 or not _ALNUM.search(outlet):
        return False
    text = text.strip()
    return bool(_about(outlet).match(text)) and word_count(text, _NOTICE_WORDS + 1) <= _NOTICE_WORDS \
        and not _NEWS_WORDS.search(text)


class Boilerplate:
    """The one boilerplate detector: patterns, shape rules and headline copies.

    Args:
        extra: the user's ``boilerplate_patterns``.
        headlines: normalised titles of the day's articles (``normal``): a sentence that is
            one of them is a headline copy (a teaser of another story, or a repeated title).
    """

    def __init__(self, extra: Sequence[str] = (), headlines: Iterable[str] = (), remember: bool = False) -> None:
        self.extra = tuple(extra)
        self.user_patterns = [UserRegex(p, "boilerplate_patterns", r"\s*(?:{})\s*") for p in extra]
        self.headlines = frozenset(h for h in headlines if h)
        # With ``remember``, each distinct text's own verdicts are kept (for one day's run:
        # wire copy and furniture repeat a sentence across articles).
        self._verdicts: dict[str, tuple] | None = {} if remember else None

    def pattern_rule(self, text: str) -> str | None:
        """The rule of the first pattern matching the whole of ``text`` (the built-in ones,
        then the user's), or None."""
        rule = _builtin_rule(text)
        if rule is None and any(pattern.fullmatch(text) for pattern in self.user_patterns):
            return "user pattern"
        return rule

    def title_rule(self, text: str) -> str | None:
        """Why ``text`` cannot be a title (a separator, boilerplate pattern or editors' note), or None."""
        text = text.strip()
        if not _ALNUM.search(text):
            return "separator"
        return self.pattern_rule(text) or ("editors' note" if is_editors_note(text) else None)

    def rule(self, text: str, title_normal: str = "") -> str | None:
        """Why ``text`` is not news (the rule's name), or None when it is.

        ``title_normal`` is the ``normal`` form of the title of the sentence's own article.
        """
        text = text.strip()
        verdicts = self._verdicts.get(text) if self._verdicts is not None else None
        if verdicts is None:
            verdicts = self._text_verdicts(text)
            if self._verdicts is not None:
                self._verdicts[text] = verdicts
        first, n, key, last = verdicts
        if first:
            return first
        title_words = title_normal.count(" ") + 1 if title_normal else 0  # words hold no spaces
        if title_words >= _COUNTED:  # a title longer than the words counted
            n, key = word_count(text, limit=title_words + 1), normal(text)
        if (title_words and n == title_words and key == title_normal) or (
            self.headlines and n < 40 and key in self.headlines
        ):
            return "headline copy"
        return last

    def _text_verdicts(self, text: str) -> tuple[str | None, int, str, str | None]:
        """What ``rule`` reads of the (stripped) text alone: the rule that comes before
        headline copies, the word count (up to ``_COUNTED``), ``normal`` (when it may be
        needed) and the rule that comes after."""
        if not _ALNUM.search(text):
            return "separator", 0, "", None
        rule = self.pattern_rule(text)
        if rule:
            return rule, 0, "", None
        if is_editors_note(text):
            return "editors' note", 0, "", None
        # Enough to tell a fragment (under 4 words) and a line of a title's length apart.
        n = word_count(text, limit=_COUNTED)
        key = normal(text) if n < _COUNTED else ""  # a title is shorter than _COUNTED words
        if is_heading(text):
            return None, n, key, "heading"
        return None, n, key, "fragment" if n < 4 else None

    def learn(self, texts: Sequence[str], map_: Callable[[Callable, Sequence], list]) -> None:
        """Each text's own verdicts computed through ``map_`` (the run's workers), for a
        detector that remembers: the verdicts read the text alone, so any process's copy
        of this detector gives the same."""
        if self._verdicts is None:
            return
        todo = sorted({t.strip() for t in texts} - self._verdicts.keys())
        self._verdicts.update(zip(todo, map_(partial(_verdicts_of, extra=self.extra), todo)))

    def lead_in(self, question: str, following: str) -> str | None:
        """The rule that drops a short question leading into the sentence after it
        ("Have a report or article?" + "Send it to ..."), or None."""
        if not question.rstrip(" \"'”’)").endswith("?") or word_count(question, _LEAD_IN_WORDS + 1) > _LEAD_IN_WORDS:
            return None
        return self.pattern_rule(f"{question.strip()} {following.strip()}")


# Words ``Boilerplate.rule`` counts of a sentence: past 40 it is no headline copy (a
# title of more than 40 words is counted on its own).
_COUNTED = 41


@lru_cache(maxsize=8)
def detector(extra: tuple[str, ...] = ()) -> Boilerplate:
    """The detector for these user patterns (no headline copies), compiled once."""
    return Boilerplate(extra)


def _verdicts_of(text: str, extra: tuple[str, ...]) -> tuple:
    return detector(extra)._text_verdicts(text)


def is_boilerplate(text: str, config: Config, title: bool = False) -> bool:
    """Whether a sentence is boilerplate by the clean stage's rules (headline copies aside);
    with ``title``, whether a title is (its patterns only: a title is no sentence)."""
    found = detector(tuple(config.boilerplate_patterns))
    return (found.title_rule(text) if title else found.rule(text)) is not None


def remove_boilerplate(
    articles: Sequence[Article], sentences: Sequence[Sentence], config: Config,
    map_: Callable[[Callable, Sequence], list] | None = None,
) -> tuple[list[Sentence], list[Drop]]:
    """Split sentences into news and boilerplate drops (each with the rule that dropped it).

    Wire datelines are stripped from what is kept ("PARIS (AP) — " opening a lead). With
    ``map_`` (the run's workers) the patterns are matched in parallel, the result the same.
    """
    by_id = {a.id: a for a in articles}
    title_normals = {a.id: normal(a.title) for a in articles if not a.generated_title}
    boilerplate = Boilerplate(config.boilerplate_patterns, title_normals.values(), remember=True)
    # Each distinct text is read once: a day repeats wire sentences and furniture.
    undated = {text: strip_dateline(text) for text in {s.text for s in sentences}}
    normals = {text: normal(text) for text in set(undated.values())}
    if map_ is not None:
        boilerplate.learn([*undated, *undated.values()], map_)

    # Corpus signal: the same sentence (dateline aside) in several articles of one outlet.
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    keys = [normals[undated[s.text]] for s in sentences]
    for s, key in zip(sentences, keys):
        outlet = by_id[s.article].outlet
        if outlet:
            seen[(outlet, key)].add(s.article)
    repeated = {key for key, ids in seen.items() if len(ids) >= config.boilerplate_min_repeats}

    # Context: in a short paragraph ending in a short photo credit, what comes before it is
    # the photo's caption, if short too ("The estate nearest the depot. Photograph: K. Brenn").
    paragraphs: dict[tuple[int, int], list[Sentence]] = defaultdict(list)
    for s in sentences:
        paragraphs[(s.article, s.paragraph)].append(s)
    captions = {(c.article, c.position) for group in paragraphs.values()
                if len(group) <= CAPTION_SENTENCES and _is_credit(group[-1].text)
                for c in group[:-1] if word_count(c.text, CAPTION_WORDS + 1) <= CAPTION_WORDS}
    # ... or a paragraph of one short sentence that tells nothing, just above a credit of its own
    # ("Firefighters damp down a hedge on Mill Street.", then "Courier photo: A. Voss").
    order = sorted(paragraphs)
    captions |= {(above[0].article, above[0].position) for key, after in zip(order, order[1:])
                 if key[0] == after[0] and len(above := paragraphs[key]) == 1 and len(paragraphs[after]) == 1
                 and _is_credit(paragraphs[after][0].text) and word_count(above[0].text, CAPTION_WORDS + 1) <= CAPTION_WORDS
                 and not _TELLS.search(_RELATIVE_CLAUSE.sub("", above[0].text))}
    # A short question standing as a paragraph of its own before more text is a subheading
    # ("What is Legionnaires' disease?"): it asks, it reports nothing.
    last_paragraph = {s.article: s.paragraph for s in sentences}
    subheads = {(g[0].article, g[0].position) for g in paragraphs.values()
                if len(g) == 1 and g[0].paragraph < last_paragraph[g[0].article] and _is_subhead(g[0].text)}

    stripped: list[Sentence] = []  # datelines off
    rules: list[str | None] = []
    for k, (s, key) in enumerate(zip(sentences, keys)):
        article = by_id[s.article]
        own = title_normals.get(article.id, "")
        rule = boilerplate.rule(s.text, own)  # before the dateline goes: "FILE - In this photo ..."
        text = undated[s.text]
        if text != s.text:
            s = dataclasses.replace(s, text=text)
            rule = rule or boilerplate.rule(s.text, own)
        if rule is None and article.outlet and (article.outlet, key) in repeated:
            rule = f"repeated in {config.boilerplate_min_repeats}+ articles of {article.outlet}"
        if rule is None and (s.article, s.position) in captions:
            rule = "caption"
        if rule is None and article.outlet and about_outlet(s.text, article.outlet):
            rule = "outlet notice"
        if rule is None and k + 1 < len(sentences) and sentences[k + 1].article == s.article:
            rule = boilerplate.lead_in(s.text, sentences[k + 1].text)
        if rule is None and (s.article, s.position) in subheads:
            rule = "heading"
        stripped.append(s)
        rules.append(rule)
    index = {(s.article, s.position): k for k, s in enumerate(sentences)}
    _galleries(paragraphs, rules, index)
    _blocks(paragraphs, rules, index)
    kept = [s for s, rule in zip(stripped, rules) if rule is None]
    return kept, [Drop(sentence=s, rule=rule) for s, rule in zip(stripped, rules) if rule is not None]


# Rules whose sentence is page furniture wherever it stands: a short paragraph holding one is
# furniture throughout ("© 2027 TBN. TBN is not responsible for ...", "Got a story? Ring the
# newsdesk on ..."). A dateline, byline or heading says nothing of its neighbours, nor does a
# call to action ("Update: ... Read the updated story here.") or a caption, which has its rule.
_FURNITURE_RULES = frozenset({
    "comments", "newsletter", "contact", "media fallback", "furniture", "tip line", "paywall", "social widget",
    "log-in prompt", "appeal", "outlet notice", "tags", "reading time", "toolbar", "live banner", "correction", "related",
})
BLOCK_SENTENCES = 3
BLOCK_WORDS = 16  # a sentence of news beside furniture is longer ("... are assisting with this investigation.")
LINK_WORDS = 20  # a related link's headline is at most this long


def _blocks(
    paragraphs: dict[tuple[int, int], list[Sentence]], rules: list[str | None], index: dict[tuple[int, int], int],
) -> None:
    """Page furniture comes in blocks: ``rules`` (one per sentence, None for news) extended to
    the short sentences of a short paragraph holding furniture, and to the headlines listed after a
    related-links label ("More on this story", then one link a line, no sentence ending)."""
    after_label: dict[int, bool] = {}
    for (article, _), group in sorted(paragraphs.items()):
        ks = [index[s.article, s.position] for s in group]
        found = {rules[k] for k in ks}
        if len(group) <= BLOCK_SENTENCES and found & _FURNITURE_RULES:
            for s, k in zip(group, ks):
                if rules[k] is None and word_count(s.text, BLOCK_WORDS + 1) <= BLOCK_WORDS:
                    rules[k] = "furniture block"
        if len(group) != 1:
            after_label[article] = False
            continue
        text, k = group[0].text, ks[0]
        if rules[k] is None and after_label.get(article) and _is_link(text):
            rules[k] = "related"
        else:
            after_label[article] = bool(_LINKS_LINE.fullmatch(text)) or (after_label.get(article, False) and rules[k] is not None)


_LINKS_LINE = re.compile(rf"\s*{_LINKS_LABEL}\s*", re.IGNORECASE)
_GALLERY_TOGGLE = re.compile(rf"\s*{_TOGGLE}", re.IGNORECASE)


def _galleries(
    paragraphs: dict[tuple[int, int], list[Sentence]], rules: list[str | None], index: dict[tuple[int, int], int],
) -> None:
    """A paragraph holding a photo gallery (a page flattened into one paragraph, its toggles
    between the captions): everything from its first toggle to its last is a caption, also the
    sentences a caption's title split off ("Hide Caption 17 of 23 Photos: The rise and fall of
    O.J." / "Simpson Simpson cheers with his attorneys ...")."""
    for group in paragraphs.values():
        toggles = [k for k, s in enumerate(group) if _GALLERY_TOGGLE.match(s.text)]
        for s in group[toggles[0]:toggles[-1]] if len(toggles) > 1 else ():
            k = index[s.article, s.position]
            rules[k] = rules[k] or "caption"


def _is_link(text: str) -> bool:
    """A headline as a related link shows it: no sentence ending but a question mark, short."""
    return not text.rstrip(" \"'”’)»").endswith((".", "!", ":", ",", ";")) and word_count(text, LINK_WORDS + 1) <= LINK_WORDS
