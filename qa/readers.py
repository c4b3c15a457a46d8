"""Answer writers. The default reads the answer off the evidence: no LLM, 2 CPU cores."""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.articles import Article
from index.chunking import Chunk
from index.embeddings import MiniLMEmbeddings
from index.sentences import sentence_spans
from index.terms import STOPWORDS, stem, terms
from qa.citations import Claim, Draft, Quote
from qa.dates import Window, question_window
from qa.entities import NAMES, Entity, entities, noun_phrases, spread
from qa.evidence import Evidence
from qa.questions import NUMBER, PERSON, PHRASE, answer_labels, asked_kind, counted, labels_of

NOT_ANSWERED = "The coverage I have does not answer this."


@dataclass(frozen=True)
class Sentence:
    article_id: str
    start: int
    end: int
    text: str
    rank: int  # rank of the chunk it came from
    score: float = 0.0
    entities: tuple[Entity, ...] = ()

    def quote(self) -> Quote:
        return Quote(self.article_id, self.start, self.end, self.text)


@dataclass(frozen=True)
class Weights:
    """How sentence evidence is scored; calibrated on the evaluation questions."""

    dense: float = 1.0
    lexical: float = 0.6
    typed: float = 0.25
    rank: float = 0.3
    asks_back: float = 0.5  # a sentence that is itself a question rarely answers one
    abstain_below: float = 0.6  # calibrated on dev questions: see README, "Measuring"
    embed_sentences: int = 12
    ner_sentences: int = 12
    vote_temperature: float = 0.15  # how fast a weaker sentence's vote for an answer fades
    min_share: float = 0.4  # votes an answer needs to lead when its best sentence doesn't
    nearness: float = 1.0  # extra vote for an answer right next to the question's words
    counted: float = 1.0  # extra vote for a number followed by what the question counts
    slot: float = 1.0  # extra vote for an answer where the question has its "what"
    verb: float = 3.0  # extra vote for an answer right before the question's verb
    quotes: int = 2
    recent: float = 0.2  # with as_of: lift for sentences of articles from the days before it
    stale: float = 0.2  # most taken from sentences of articles a year or more older than those
    elsewhen: float = 0.2  # taken from sentences that tell of another year than the days asked
    tally: float = 0.2  # lift for sentences that count what a how-many question counts
    fit_temperature: float = 0.1  # how fast a phrase's vote fades as it fits the kind asked less


class ExtractiveReader:
    """Scores the sentences of the retrieved chunks against the question (meaning, shared
    terms, and an entity of the kind asked for), leads with a short answer when the best
    evidence agrees on one, and quotes the best sentences verbatim."""

    name = "extractive"

    def __init__(self, embeddings: MiniLMEmbeddings, weights: Weights | None = None):
        self.embeddings = embeddings
        self.weights = weights or Weights()

    def stream(self, evidence: Evidence) -> Iterator[Draft]:
        yield self.read(evidence)  # nothing to show before the answer

    def read(self, evidence: Evidence) -> Draft:
        question, chunks, articles = evidence.question, evidence.chunks, evidence.articles
        idf, recent = evidence.idf, evidence.focus
        w = self.weights
        labels = answer_labels(question)
        q_terms = set(terms(question))

        # 1. The sentences of the retrieved chunks, once each.
        sentences = _sentences(chunks, articles)
        if not sentences:
            return Draft(question, (), abstained=True, lead=NOT_ANSWERED)

        # 2. Score by shared (IDF-weighted) terms and chunk rank; then, for the most
        #    promising sentences only (embedding is the costly step), by meaning.
        total_idf = sum(idf(t) for t in q_terms) or 1.0

        def coverage(text: str) -> float:
            return sum(idf(t) for t in q_terms & set(terms(text))) / total_idf

        timely = _timeliness(articles, recent, w)
        days_named = question_window(question, recent[1]) if recent else None  # "this week"
        elsewhen = _elsewhen(labels, days_named)
        tally = _tally(question)
        prior = [w.lexical * coverage(s.text) + w.rank / (1 + s.rank)
                 + timely.get(s.article_id, 0.0)
                 + (w.tally if tally and tally.search(s.text) else 0.0)
                 - (w.elsewhen if elsewhen(s.text) else 0.0)
                 - (w.asks_back if s.text.rstrip("”’\"' ").endswith("?") else 0.0)
                 for s in sentences]
        keep = np.argsort(prior)[::-1][: w.embed_sentences]
        vectors = self.embeddings.encode([question] + [sentences[i].text for i in keep])
        base = {int(i): prior[i] + w.dense * float(v @ vectors[0])
                for i, v in zip(keep, vectors[1:], strict=True)}
        order = sorted(base, key=base.get, reverse=True)[: w.ner_sentences]

        # 3. Entities of the kind asked for, in the best sentences, lift them.
        top = [sentences[i] for i in order]
        kind = asked_kind(question)[1] if labels == PHRASE else ""
        texts = [s.text for s in top]
        found = (noun_phrases(texts, kind) if labels == PHRASE
                 else spread(texts, entities(texts)) if labels else [[] for _ in top])
        scored = []
        for s, i, ents in zip(top, order, found, strict=True):
            ents = [_as_introduced(e, s.text, labels) for e in ents]
            typed = tuple(e for e in ents if e.label in labels and not _in_question(e, q_terms)
                          and _informative(e, s.text, question, kind))
            scored.append(Sentence(s.article_id, s.start, s.end, s.text, s.rank,
                                   base[i] + (w.typed if typed else 0.0), typed))
        scored.sort(key=lambda s: s.score, reverse=True)
        best = scored[0]

        # 4. Abstain when even the best evidence is weak, or when the coverage never
        #    mentions most of the names and numbers the question is about.
        picks = _distinct(scored, w.quotes)
        named = _named_terms(question)
        seen = {t[:6] for s in sentences for t in terms(s.text)}
        present = {t for t in named if t[:6] in seen}  # "Australian": "Australia" is seen
        if best.score < w.abstain_below or (named and len(present) < len(named) / 2):
            claims = tuple(Claim(f"“{s.text}”", (s.quote(),)) for s in picks)
            return Draft(question, claims, abstained=True,
                         lead=f"{NOT_ANSWERED} The closest passages I found:", score=best.score)

        # 5. Lead with a short answer when the evidence agrees on one (quoting the sentence
        #    that states it), then the best other quotes.
        fit = self._fit(kind, scored) if kind else {}
        short, support = _short_answer(scored, labels, question, w, fit,
                                       [s.text for s in sentences])
        claims = []
        if short:
            when = _as_of(short, support, scored, articles, recent if days_named else None)
            claims.append(Claim(f"{when}**{short}** — “{support.text}”", (support.quote(),)))
            picks = [support] + [s for s in scored if s != support]
            picks = _distinct(picks, w.quotes)[1:]
        claims += [Claim(f"“{s.text}”", (s.quote(),)) for s in picks]
        return Draft(question, tuple(claims), score=best.score)

    def _fit(self, kind: str, scored: Sequence[Sentence]) -> dict[str, float]:
        """How well each candidate phrase fits the kind of thing asked for ("which invasive
        species": "giant African land snails" more than "Miramar area"), by meaning."""
        names = list(dict.fromkeys(_norm(e.text) for s in scored[:6] for e in s.entities))
        if not names:
            return {}
        vectors = self.embeddings.encode([kind] + [_COUNT.sub("", n) or n for n in names],
                                         batch_size=64)
        return {n: float(v @ vectors[0]) for n, v in zip(names, vectors[1:], strict=True)}


_COUNT = re.compile(r"^(?:[\d.,]+|one|two|three|four|five|six|seven|eight|nine|ten|dozens|"
                    r"hundreds|thousands|millions)\s+")  # "two worms": what they are is "worms"


_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|\w+ty"


def _tally(question: str) -> re.Pattern | None:
    """For "how many seasons": a number followed by seasons ("23 seasons", "a 23-season
    career"), or None for other questions."""
    unit = counted(question)
    if not terms(unit):  # "how many more", "how much does": nothing counted
        return None
    return re.compile(rf"\b(?:\d[\d,.]*|{_NUMBER_WORDS})[- ]{re.escape(unit.removesuffix('s'))}",
                      re.I)


# "In 2022", "by 2029", "in March 2022", "in Nov. 8, 2022": when a sentence's event happened.
_IN_YEAR = re.compile(r"\b(?:[Ii]n|[Bb]y)\s+(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|"
                      r"Dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?)?(\d{4})\b")


def _elsewhen(labels: frozenset[str], named: Window | None) -> Callable[[str], bool]:
    """For a question about the last days ("this week", "yesterday") that does not ask for
    a date: whether a sentence places its event in another year ("In 2022, an average of
    99.18 million viewers watched ..."), so it tells of another time than the one asked."""
    asks_date = "DATE" in labels and not labels & NUMBER  # "what year", not "how many days"
    if not named or asks_date or (named[1] - named[0]).days > 14:
        return lambda text: False
    years = {named[0].year, named[1].year}
    return lambda text: any(int(m.group(1)) not in years for m in _IN_YEAR.finditer(text))


def _sentences(chunks: Sequence[Chunk], articles: Mapping[str, Article]) -> list[Sentence]:
    seen: set[str] = set()
    out = []
    for rank, chunk in enumerate(chunks):
        article = articles.get(chunk.article_id)
        if article is None:
            continue
        for start, end in sentence_spans(article.text, chunk.start, chunk.end):
            text = article.text[start:end]
            key = " ".join(text.lower().split())
            if key in seen or len(terms(text)) < 3:
                continue
            seen.add(key)
            out.append(Sentence(article.id, start, end, text, rank))
    return out


def _timeliness(articles: Mapping[str, Article],
                window: tuple[datetime.date, datetime.date] | None, w: Weights) -> dict[str, float]:
    """Per article: a lift when it is from the days in focus, a penalty growing over a year
    when it is older than them (the news moved on)."""
    if window is None:
        return {}
    since, until = window
    out = {}
    for a in articles.values():
        day = datetime.date.fromisoformat(a.date[:10]) if a.date else None
        if day and since <= day <= until:
            out[a.id] = w.recent
        elif day and day < since:
            out[a.id] = -w.stale * min(1.0, (since - day).days / 365)
    return out


def _named_terms(question: str) -> set[str]:
    """Terms of the capitalised words (past the first) and numbers in the question, but not
    initials ("U.S.", "UK": spelled too many ways to be missed)."""
    words = re.findall(r"[A-Za-z0-9][\w'’.-]*", question)[1:]
    return {t for w in words if w[0].isupper() or w[0].isdigit() for t in terms(w) if len(t) > 2}


def _distinct(sentences: Sequence[Sentence], n: int) -> list[Sentence]:
    picks: list[Sentence] = []
    for s in sentences:
        if len(picks) == n:
            break
        if all(len(set(terms(s.text)) ^ set(terms(p.text))) > 3 for p in picks):
            picks.append(s)
    return picks


def _in_question(entity: Entity, q_terms: set[str]) -> bool:
    """Whether the question already names the entity, or its people ("English": England)."""
    words = terms(entity.text)
    return bool(words) and all(w in q_terms or _demonym_of(w, q_terms) for w in words)


def _demonym_of(word: str, q_terms: set[str]) -> bool:
    return len(word) >= 4 and any(t.startswith(word[:4]) and t.endswith(("ish", "ese", "an", "i"))
                                  for t in q_terms)


# A dateline: "ST. LOUIS — ", "NORTH CHARLESTON, S.C. − ", "WASHINGTON (AP) — ".
_DATELINE = re.compile(r"[A-Z][A-Z.' -]+(?:, [A-Z][\w.' ]*)?(?: \(\w+\))? [—–−-] ")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_VAGUE = {stem(w) for w in """today yesterday tomorrow time day week month year decade monday
           tuesday wednesday thursday friday saturday sunday january february march april may
           june july august september october november december people thing lot part way
           number kind type sort""".split()}
_AGE = re.compile(r"\d+[- ]years?[- ]old")
_COMPOUND = re.compile(r"-([a-z]+)")  # "seven-time", "three-day"


def _informative(entity: Entity, sentence: str, question: str, kind: str = "") -> bool:
    """Whether an entity could stand alone as an answer: not a dateline ("WASHINGTON —"),
    not a relative date ("this Saturday", "today"), not an age unless one is asked for."""
    text = entity.text.strip()
    if entity.start == 0 and text.isupper() and (len(text) > 3 or _DATELINE.match(sentence)):
        return False
    if entity.label == "PHRASE":
        # Not a time, nor a thing the question already names unless it is a thing of the
        # kind asked ("which seed": "sesame seeds").
        words = terms(text)
        q_terms = terms(question)
        named = words[-1:] != terms(kind)[-1:] or all(t in q_terms for t in words)
        vague = stem(text.split()[-1]) in _VAGUE
        return bool(words) and not vague and not (named and words[-1] in q_terms)
    unit = terms(counted(question))
    if unit and entity.label in ("DATE", "TIME") and unit[0] not in terms(text):
        return False  # "how many years": "30 years", not "March 2022"
    compound = _COMPOUND.match(sentence, entity.end)
    if unit and compound and stem(compound.group(1)) != unit[0]:
        return False  # "how many seasons": not the "seven" of "seven-time winner"
    if entity.label == "DATE":
        lowered = text.lower()
        counting = counted(question) and re.search(rf"\b(?:{_NUMBER_WORDS})\b", lowered)
        if not (any(c.isdigit() for c in text) or any(m in lowered for m in _MONTHS)
                or counting):  # "how many years": "eight years", not "this week"
            return False
        if _AGE.search(lowered) and not re.search(r"\b(old|age)\b", question.lower()):
            return False
    return True


_NOUN_BEFORE = re.compile(r"\b([a-z]+) $")


def _as_introduced(entity: Entity, sentence: str, labels: frozenset[str]) -> Entity:
    """A name the sentence introduces with what it is ("chain Panera Bread", "automaker
    Tesla") is of that kind, whatever the tagger said ("Panera Bread": a PERSON)."""
    before = _NOUN_BEFORE.search(sentence, 0, entity.start)
    kind = labels_of(before.group(1)) & labels if before else None
    if not kind or entity.label in labels or entity.label not in NAMES:
        return entity
    return dataclasses.replace(entity, label=min(kind))


def _norm(text: str) -> str:
    return re.sub(r"^(the|a|an)\s+|['’]s$", "", text.strip().lower())


def _as_of(short: str, support: Sentence, scored: Sequence[Sentence],
           articles: Mapping[str, Article], named: Window | None = None) -> str:
    """"As of DATE, " when other articles of other dates give a different answer of the same
    kind (the coverage changed over time, so the answer says when it holds), or when the
    question names days ("this week") and the answer comes from before them."""
    date = articles[support.article_id].date
    if date and named and date[:10] < named[0].isoformat():
        return f"As of {date}, "
    others = {articles[s.article_id].date for s in scored[:6]
              if s.entities and s.article_id != support.article_id
              and not any(_norm(short) in _norm(e.text) or _norm(e.text) in _norm(short)
                          for e in s.entities)}
    return f"As of {date}, " if date and others - {date, None} else ""


def _short_answer(scored: Sequence[Sentence], labels: frozenset[str], question: str,
                  w: Weights, fit: Mapping[str, float] | None = None,
                  context: Sequence[str] = ()) -> tuple[str, Sentence | None]:
    """The entity the best sentences agree on, and the best sentence that states it; for a
    who-question whose best sentence names several people, all of them."""
    unit = terms(counted(question))  # "how many years": a number followed by "years"
    asks_state = asked_kind(question)[1].lower().endswith("state")

    def counts(s: Sentence, e: Entity) -> bool:
        return bool(unit) and unit[0] in terms(s.text[e.start : e.end + 12])

    def apt(s: Sentence, e: Entity) -> bool:
        """What the question asks for exactly: a number followed by what it counts ("one
        Super Bowl"), or one of the US states for "which state"."""
        return counts(s, e) or (asks_state and _spelled_out(e.text) in _STATE_NAMES)

    typed = [s for s in scored if s.entities]
    if any(apt(s, e) for s in typed[:6] for e in s.entities):
        # Some answers are apt: only those answer (not the "15" of "15 as the team's
        # starting quarterback" for "how many Super Bowls", not "Los Angeles" for a state).
        typed = [t for s in typed if (t := dataclasses.replace(
            s, entities=tuple(e for e in s.entities if apt(s, e)))).entities]
    if not typed:
        return "", None
    votes: dict[str, float] = {}
    shown: dict[str, str] = {}
    q_terms = set(terms(question))
    slot = _slot(question)
    verb, told = _verb_slot(question)
    for s in typed[:6]:
        weight = math.exp((s.score - typed[0].score) / w.vote_temperature)
        near = [m.start() for m in re.finditer(r"[A-Za-z0-9]+", s.text)
                if terms(m.group()) and terms(m.group())[0] in q_terms]
        best: dict[str, float] = {}
        for e in s.entities:
            # An answer tends to stand next to the words the question asked about.
            distance = min((abs(p - e.start) for p in near), default=200)
            closeness = 1.0 + w.nearness * math.exp(-distance / 60)
            if counts(s, e):
                closeness += w.counted
            if slot and slot.search(s.text[max(0, e.start - 40) : e.start]):
                closeness += w.slot
            if verb and verb.match(s.text[e.end : e.end + 40]) and (
                    not told or told & set(terms(s.text))):
                closeness += w.verb
            name = _norm(e.text)
            if fit:
                closeness *= math.exp((fit.get(name, 0.0) - 1.0) / w.fit_temperature)
            best[name] = max(best.get(name, 0.0), closeness)
            shown.setdefault(name, e.text)
        for name, closeness in best.items():
            votes[name] = votes.get(name, 0.0) + weight * closeness
    # "Iger" and "Bob Iger" are one candidate, also when only a weaker sentence says "Bob Iger".
    for e in (e for s in typed[6:] for e in s.entities):
        fuller = _norm(e.text)
        if any(fuller.endswith(" " + name) for name in votes):
            votes.setdefault(fuller, 0.0)
            shown.setdefault(fuller, e.text)
    for name in sorted(votes, key=len):
        longer = [o for o in votes if o != name and re.search(rf"\b{re.escape(name)}\b", o)]
        if longer:
            votes[max(longer, key=votes.get)] += votes.pop(name)
    ranked = sorted(votes, key=votes.get, reverse=True)
    lead = typed[0]
    if labels == PERSON and re.match(r"\s*who\b", question.lower()):
        people = [e.text for e in lead.entities if _norm(e.text) in votes]
        people = list(dict.fromkeys(people))[:4]
        if len(people) > 1:
            return ", ".join(people[:-1]) + " and " + people[-1], lead
    winner = ranked[0]
    share = votes[winner] / (sum(votes.values()) or 1.0)
    support = next(s for s in typed if any(winner in _norm(e.text) or _norm(e.text) in winner
                                           for e in s.entities))
    if share >= w.min_share or support is lead:
        name = _with_region(_widened(shown[winner], support.text), support)
        if labels & {"PERSON", "ORG"} and not labels & {"GPE"}:
            name = _fullest(name, context)
        return _spelled_out(name), support
    return "", None


_BEFORE_WH = re.compile(r"\b([A-Za-z]{4,})(?:\s+(?:of|to|for|on|in|as|with|by|at|from))?"
                        r"\s+(?:what|which)\b", re.I)


def _slot(question: str) -> re.Pattern | None:
    """Where the answer sits in a sentence that says it the question's way: after the word
    before "what" ("balancing what on his finger": "balancing an umbrella")."""
    found = _BEFORE_WH.search(question)
    if not found or found.group(1).lower() in STOPWORDS:
        return None
    word = found.group(1).lower()[:5]
    return re.compile(rf"\b{word}\w*(?:\s+\S+){{0,3}}\s+$", re.I)


_VERB_AFTER = re.compile(r"^\s+(?:(?:recently|reportedly|just|has|have|had|will|did|does)\s+|"
                         r"(?:is|are|was|were)\s+(?=[a-z]+ing\b))?"
                         r"([a-z]{3,})\b")
_NOT_VERBS = {"is", "are", "was", "were", "been", "being", "the", "and", "that", "this", "for"}


def _verb_slot(question: str) -> tuple[re.Pattern | None, set[str]]:
    """Where the answer sits in a sentence that says it the question's way: before the verb
    that follows "who" or "which ..." ("Which tech company confirmed": "Microsoft confirmed");
    and the terms the question says after that verb, which such a sentence shares ("which
    politician announced ... she's running for president": not "Porter announced her bid
    for the seat")."""
    at, phrase = asked_kind(question)
    who = list(re.finditer(r"\bwho\b", question, re.I))
    if who and who[-1].start() > at:
        rest = question[who[-1].end() :]
    elif phrase:
        rest = question[question.find(phrase, at) + len(phrase) :]
    else:
        return None, set()
    found = _VERB_AFTER.match(rest)
    if not found or found.group(1) in _NOT_VERBS:
        return None, set()
    word = found.group(1)[:5]
    told = set(terms(rest[found.end() :])) - _VAGUE
    return re.compile(rf"[’'s]*\s+(?:\S+\s+){{0,2}}?{word}\w*\b", re.I), told


def _with_region(name: str, sentence: Sentence) -> str:
    """A place with the larger place the sentence names right after it: "Tuscaloosa,
    Alabama", as a dateline or an address would give it."""
    at = sentence.text.find(name)
    after = at + len(name)
    for e in sentence.entities:
        if at >= 0 and e.label == "GPE" and e.start == after + 2 \
                and sentence.text[after : e.start] == ", ":
            return f"{name}, {e.text}"
    return name


# The Associated Press's abbreviations of US states, as datelines use them ("NORTH
# CHARLESTON, S.C. —"); the states not listed are never abbreviated.
_STATES = dict(pair.replace("_", " ").split("=") for pair in """Ala.=Alabama Ariz.=Arizona
    Ark.=Arkansas Calif.=California Colo.=Colorado Conn.=Connecticut Del.=Delaware Fla.=Florida
    Ga.=Georgia Ill.=Illinois Ind.=Indiana Kan.=Kansas Ky.=Kentucky La.=Louisiana Md.=Maryland
    Mass.=Massachusetts Mich.=Michigan Minn.=Minnesota Miss.=Mississippi Mo.=Missouri
    Mont.=Montana Neb.=Nebraska Nev.=Nevada N.H.=New_Hampshire N.J.=New_Jersey N.M.=New_Mexico
    N.Y.=New_York N.C.=North_Carolina N.D.=North_Dakota Okla.=Oklahoma Ore.=Oregon
    Pa.=Pennsylvania R.I.=Rhode_Island S.C.=South_Carolina S.D.=South_Dakota Tenn.=Tennessee
    Vt.=Vermont Va.=Virginia Wash.=Washington W.Va.=West_Virginia Wis.=Wisconsin
    Wyo.=Wyoming""".split())
_STATE_NAMES = frozenset(_STATES.values()) | {"Alaska", "Hawaii", "Idaho", "Iowa", "Maine",
                                              "Ohio", "Texas", "Utah"}


def _spelled_out(name: str) -> str:
    """A state's abbreviation in full: "S.C." -> "South Carolina", "Tuscaloosa, Ala." ->
    "Tuscaloosa, Alabama"."""
    head, _, last = name.rpartition(" ")
    return head + (" " if head else "") + _STATES.get(last, last)


_NAME_BEFORE = re.compile(r"(?:\b[A-Z0-9][\w’'.-]* ){1,3}$")


def _fullest(name: str, texts: Sequence[str]) -> str:
    """The fullest form the retrieved sentences give a one-word name, past their first
    word: "New York Jets" for "Jets" when the tagger knew only "his Jets debut"."""
    if " " in name:
        return name
    pattern = re.compile(rf"(?<=\s)(?:[A-Z][a-z]+ ){{1,3}}{re.escape(name)}\b")
    fuller = Counter(m.group() for text in texts for m in pattern.finditer(text))
    return max(fuller, key=fuller.get) if fuller else name


_PLUS_AFTER = re.compile(r"(?: [A-Z]\w*)?\+")  # "Apple TV+", "Disney+"


def _widened(name: str, sentence: str) -> str:
    """The name with the capitalised words or numbers right before it in the sentence, and
    a "+" right after, which the entity tagger sometimes leaves out: "Three 6 Mafia",
    "House Speaker Kevin McCarthy", "Apple TV+"."""
    at = sentence.find(name)
    plus = _PLUS_AFTER.match(sentence, at + len(name)) if at >= 0 else None
    name += plus.group() if plus else ""
    before = _NAME_BEFORE.search(sentence[:at]) if at > 0 else None
    if not before or before.start() == 0 or not sentence[before.start() - 1].isspace():
        return name  # not at the start of the sentence (a capital there says nothing)
    return sentence[before.start() : at] + name
