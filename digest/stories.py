"""Stories: group the day's facts into the sections of the digest."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .config import Config
from .models import Article, Fact


@dataclass(frozen=True)
class Story:
    title: str
    articles: tuple[int, ...]  # every Article id of the story
    facts: tuple[Fact, ...]


def one_story(articles: Sequence[Article], facts: Sequence[Fact], config: Config) -> list[Story]:
    """Everything in one section."""
    return [Story(title="Top stories", articles=tuple(a.id for a in articles), facts=tuple(facts))]


group_stories = one_story
