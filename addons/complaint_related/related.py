# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Related-complaint detection.

The terms of each registered complaint are kept in an inverted index
(complaint.term): its words and Chinese character n-grams, the concepts of
the bilingual glossary it names (related_glossary.json) and the store and
place names it names, transliterated to pinyin. The complaints that share the
rarer terms of a complaint are its candidates; a logistic model
(related_model.json, trained by tests/train_related.py on labelled pairs)
gives the probability that each is about the same incident, from their text
similarity, shared or conflicting concepts, respondent, place, category and
time apart. When the most probable reaches the confident threshold, those
above the calibrated threshold, and the complaints stored as probably
related to them, are stored as probably related (complaint.related) with
why. The handlers' answers (complaint.related.answer)
shift the calibration within bounds. The complaints of the same incident are
linked (complaint.same_incident)."""
import datetime as dt
import functools
import json
import logging
import math
import re
from collections import Counter, defaultdict, namedtuple
from itertools import islice
from pathlib import Path

import jieba
from pypinyin import lazy_pinyin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity
from sql import Literal, Null
from sql.functions import CurrentTimestamp

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import Check, Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.modules.complaint_plan.exceptions import (
    ComplaintValidationError)
from trytond.modules.complaint_plan.upgrade import (
    take_over_from_complaint_plan)
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin


# jieba logs the loading of its dictionary to stderr; it loads it once per
# process, at the first segmentation
jieba.setLogLevel(logging.WARNING)

GLOSSARY_PATH = Path(__file__).with_name('related_glossary.json')
MODEL_PATH = Path(__file__).with_name('related_model.json')

# The postings read per term, most recent first. A term of more complaints is
# too common to tell them apart; reading no more keeps the cost of a search
# independent of the number of complaints.
POSTINGS_LIMIT = 500
# The candidates scored: those sharing the rarest terms
CANDIDATES_LIMIT = 100
# The most probably related complaints kept for a complaint
RELATED_LIMIT = 10
# The handlers' answers shift the model's log-odds by at most this much, and
# only once there are MIN_ANSWERS of them; the shipped calibration weighs as
# much as PRIOR_ANSWERS answers, so that a few clicks move it little
MIN_ANSWERS = 10
PRIOR_ANSWERS = 100
MAX_SHIFT = 1.5
# States whose complaints are searched for related ones; a received
# complaint is searched when it is registered
SEARCHED_STATES = {'registered', 'verifying', 'planning', 'approving',
    'processing', 'waiting'}
# The fields of a complaint that its score with another depends on
SCORED_FIELDS = {'subject', 'description', 'respondent', 'respondent_name',
    'category', 'received_at'}
# The fields whose terms are indexed
INDEXED_FIELDS = {'subject', 'description', 'respondent', 'respondent_name'}
# The kinds of glossary concepts that name what the complaint is about
THINGS = {'product', 'brand', 'equipment'}

HAN = re.compile('[\u4e00-\u9fff]')
HAN_RUN = re.compile('[\u4e00-\u9fff]+')
# A capitalised word (a name in English text), "Jing'an" included
NAME = re.compile(r"[A-Z][a-z]+(?:'[a-z]+)?")
NAME_GROUP = re.compile(
    r"[A-Z][a-z]+(?:'[a-z]+)?(?:[ -][A-Z][a-z]+(?:'[a-z]+)?)*")


def _respondent_key(respondent, respondent_name):
    """What tells the respondent of a complaint: its record ("model,id"), or
    else its description"""
    if respondent:
        return respondent
    if respondent_name and respondent_name.strip():
        return respondent_name.strip().lower()


def sigmoid(z):
    if z < -30:
        return 0.0
    return 1 / (1 + math.exp(-z))


def logit(p):
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@functools.cache
def glossary():
    "The bilingual glossary shipped with the module"
    return json.loads(GLOSSARY_PATH.read_text(encoding='utf-8'))


@functools.cache
def pinyin_syllables():
    "The toneless pinyin syllables"
    return frozenset(lazy_pinyin(
            ''.join(chr(c) for c in range(0x4e00, 0x9fa6))))


def _syllables(word):
    """The pinyin syllables that spell the word (lower-cased), fewest first,
    or None"""
    if "'" in word:
        # An apostrophe separates syllables: Jing'an
        parts = [_syllables(p) for p in word.split("'")]
        if all(parts):
            return [s for p in parts for s in p]
        return None
    syllables = pinyin_syllables()
    word = word.lower()
    best = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] is not None and word[start:end] in syllables:
                candidate = best[start] + [word[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[-1]


def _stem(word):
    "A light English stemmer: plurals"
    if len(word) > 4 and word.endswith('ies'):
        return word[:-3] + 'y'
    if len(word) > 3 and word.endswith('s') and not word.endswith('ss'):
        return word[:-1]
    return word


class Analyzer:
    """What the text of a complaint is indexed by: its terms, as a Counter.

    * words: jieba's search mode (compound words and their parts),
      lower-cased, English plurals stemmed, without stop words;
    * Chinese character n-grams (`chars`: single characters, shipped;
      `bigrams`: pairs of consecutive characters, measured and left out);
    * `concepts`: "c:" and the id of each glossary concept named, in Chinese
      or English, and of its broader concept;
    * `places`: "p:" and each pair of pinyin syllables of the store and place
      names: the Chinese characters before 店, 超市, 广场 or 商场, and the
      capitalised English words spelt in pinyin ("Xuhui" and 徐汇 both give
      p:xu_hui)."""

    def __init__(self, chars=True, bigrams=False, concepts=True,
            places=True):
        self.chars = chars
        self.bigrams = bigrams
        self.concepts = concepts
        self.places = places
        data = glossary()
        self.stopwords = (
            set(data['stopwords']['zh']) | set(data['stopwords']['en']))
        self.markers = data['place_markers']
        self.place_stop = re.compile('|'.join(
                map(re.escape, sorted(data['place_stop'], key=len,
                        reverse=True))))
        self.concept_type = {}
        self.broader = {}
        zh_terms, en_terms = {}, {}
        for concept in data['concepts']:
            self.concept_type[concept['id']] = concept['type']
            self.broader[concept['id']] = concept['broader']
            for term in concept['zh']:
                zh_terms.setdefault(term, concept['id'])
            for term in concept['en']:
                en_terms.setdefault(term.lower(), concept['id'])
        self.labels = {c['id']: {'zh': c['zh'][0], 'en': c['en'][0]}
            for c in data['concepts']}
        self.zh_terms = zh_terms
        self.en_terms = en_terms
        self.zh_pattern = re.compile('|'.join(
                map(re.escape, sorted(zh_terms, key=len, reverse=True))))
        self.en_pattern = re.compile(
            r"(?<![a-z])(" + '|'.join(
                re.escape(t).replace(r'\ ', r'[\s-]+')
                for t in sorted(en_terms, key=len, reverse=True))
            + r")(?:s|es)?(?![a-z])")

    def words(self, text):
        words = []
        for word in jieba.cut_for_search(text):
            word = word.lower()
            if not any(c.isalnum() for c in word):
                continue
            if word.isascii():
                word = _stem(word)
            if word not in self.stopwords:
                words.append(word)
        return words

    def ngrams(self, text):
        grams = []
        for run in HAN_RUN.findall(text):
            if self.chars:
                grams.extend(c for c in run if c not in self.stopwords)
            if self.bigrams:
                grams.extend(run[i:i + 2] for i in range(len(run) - 1))
        return grams

    def concept_ids(self, text):
        ids = [self.zh_terms[m] for m in self.zh_pattern.findall(text)]
        for match in self.en_pattern.finditer(text.lower()):
            term = re.sub(r'[\s-]+', ' ', match.group(1))
            ids.append(self.en_terms.get(term) or self.en_terms.get(
                    match.group(1)))
        ids = [i for i in ids if i]
        return ids + [self.broader[i] for i in ids
            if self.broader[i] and self.broader[i] != i]

    def place_names(self, text):
        "The pinyin syllable pairs of the store and place names"
        pairs = set()
        cleaned = self.place_stop.sub(' ', text)
        for marker in self.markers:
            for match in re.finditer(
                    '([\u4e00-\u9fff]{2,4})' + re.escape(marker), cleaned):
                following = cleaned[match.end():match.end() + 1]
                if marker == '店' and following and following in '员长里内铺面':
                    continue
                syllables = lazy_pinyin(match.group(1))
                pairs.update(zip(syllables, syllables[1:]))
        for group in NAME_GROUP.findall(text):
            syllables = []
            for word in NAME.findall(group):
                spelt = _syllables(word)
                if spelt:
                    syllables.extend(spelt)
                else:
                    pairs.update(zip(syllables, syllables[1:]))
                    syllables = []
            pairs.update(zip(syllables, syllables[1:]))
        return {f'{a}_{b}' for a, b in pairs}

    def terms(self, subject, description, respondent=None):
        "The terms of a complaint, and their occurrences"
        text = f'{subject or ""}\n{description or ""}'
        terms = Counter(self.words(text))
        terms.update(self.ngrams(text))
        if self.concepts:
            terms.update('c:' + i for i in self.concept_ids(text))
        if self.places:
            terms.update('p:' + p for p in self.place_names(
                    f'{text}\n{respondent or ""}'))
        return terms

    def label(self, term, language):
        "How a term is shown in the language"
        if term.startswith('c:'):
            labels = self.labels.get(term[2:])
            if labels:
                return labels['zh' if language.startswith('zh') else 'en']
            return term[2:]
        if term.startswith('p:'):
            return term[2:].replace('_', '')
        return term


@functools.cache
def analyzer():
    return Analyzer()


def segment(text):
    "The surface terms of the text: its words and n-grams"
    analyzer_ = analyzer()
    return analyzer_.words(text or '') + analyzer_.ngrams(text or '')


# A complaint as the model sees it: its id, its terms, its respondent key,
# category and reception time
Doc = namedtuple('Doc', ['id', 'terms', 'respondent', 'category', 'received'])

# The features of a pair of complaints, in the order of the model's
# coefficients
FEATURES = ['text', 'concepts', 'same_thing', 'same_problem',
    'other_thing', 'other_problem', 'same_role', 'other_role',
    'other_department', 'same_store', 'other_store',
    'same_category', 'days', 'within_1', 'within_3', 'near_store',
    'near_text', 'rare_shared', 'cross_language', 'cross_concepts']


def _split(terms):
    surface, concepts, places = {}, set(), set()
    for term, count in terms.items():
        if term.startswith('c:'):
            concepts.add(term[2:])
        elif term.startswith('p:'):
            places.add(term[2:])
        else:
            surface[term] = count
    return surface, concepts, places


def _language(surface):
    return 'zh' if any(HAN.search(t) for t in surface) else 'en'


def candidate_ids(terms, postings):
    """The ids of the complaints sharing the terms, those sharing the rarest
    first: each gains 1/n for a term of n postings. postings(term) gives the
    ids of the most recent complaints having the term, newest first."""
    shared = Counter()
    for term in terms:
        ids = postings(term)
        for i in ids:
            shared[i] += 1 / len(ids)
    return [i for i, _ in shared.most_common()]


Suggestion = namedtuple('Suggestion',
    ['id', 'logit', 'shared', 'same_store', 'days', 'indirect'],
    defaults=[False])


def candidate_features(query, candidates):
    """The features of the query (Doc) with each candidate (Doc), with what
    the handler is shown: (id, features, shared terms, same store, days
    apart), in the order of the candidates"""
    if not candidates:
        return []
    analyzer_ = analyzer()
    split = [_split(d.terms) for d in [query] + candidates]
    surfaces = [s for s, _, _ in split]
    if any(surfaces):
        vectorizer = DictVectorizer()
        documents = vectorizer.fit_transform(surfaces)
        transformer = TfidfTransformer(sublinear_tf=True)
        vectors = transformer.fit_transform(documents)
        similarities = cosine_similarity(vectors[0], vectors[1:])[0]
        idf = dict(zip(vectorizer.feature_names_, transformer.idf_))
    else:
        similarities = [0.0] * len(candidates)
        idf = {}

    def kinds(concepts, types):
        return {c for c in concepts
            if analyzer_.concept_type.get(c) in types}
    q_surface, q_concepts, q_places = split[0]
    q_language = _language(q_surface)
    q_things = kinds(q_concepts, THINGS)
    q_problems = kinds(q_concepts, {'problem'})
    q_roles = kinds(q_concepts, {'role'})
    q_departments = kinds(q_concepts, {'department'})
    result = []
    for doc, (surface, concepts, places), similarity in zip(
            candidates, split[1:], similarities):
        common = q_concepts & concepts
        things = kinds(concepts, THINGS)
        problems = kinds(concepts, {'problem'})
        roles = kinds(concepts, {'role'})
        departments = kinds(concepts, {'department'})
        specific = {c for c in common if c in analyzer_.concept_type}
        q_specific = {c for c in q_concepts if c in analyzer_.concept_type}
        specific_all = {c for c in concepts if c in analyzer_.concept_type}
        concept_cosine = (len(specific) / math.sqrt(
                len(q_specific) * len(specific_all))
            if specific else 0.0)
        cross = float(_language(surface) != q_language)
        same_respondent = bool(query.respondent and doc.respondent
            and query.respondent == doc.respondent)
        same_place = bool(q_places & places)
        same_store = same_respondent or same_place
        other_store = not same_store and (
            bool(query.respondent and doc.respondent)
            or bool(q_places and places))
        days = (abs((query.received - doc.received).total_seconds()) / 86400
            if query.received and doc.received else 0.0)
        within_3 = float(days <= 3.5)
        # How rare the rarest shared word is, 0 (in every candidate) to 1
        # (in these two only)
        rare = max((idf[t] - 1 for t in set(q_surface) & set(surface)),
            default=0.0) / math.log((len(candidates) + 2) / 3) if (
            len(candidates) > 1) else 0.0
        features = {
            'text': float(similarity),
            'concepts': concept_cosine,
            'same_thing': float(bool(q_things & common)),
            'same_problem': float(bool(q_problems & common)),
            'other_thing': float(bool(q_things and things
                    and not q_things & things)),
            'other_problem': float(bool(q_problems and problems
                    and not q_problems & problems)),
            # A rude cashier is not a rude guard
            'same_role': float(bool(q_roles & roles)),
            'other_role': float(bool(q_roles and roles
                    and not q_roles & roles)),
            'other_department': float(bool(q_departments and departments
                    and not q_departments & departments)),
            'same_store': float(same_store),
            'other_store': float(other_store),
            'same_category': float(bool(query.category
                    and query.category == doc.category)),
            'days': math.log1p(days),
            'within_1': float(days <= 1.5),
            'within_3': within_3,
            'near_store': within_3 * same_store,
            'near_text': within_3 * max(float(similarity), concept_cosine),
            'rare_shared': rare,
            'cross_language': cross,
            'cross_concepts': cross * concept_cosine,
            }
        shared = sorted(set(q_surface) & set(surface),
            key=lambda t: (-idf.get(t, 0), t))[:3]
        shown = {c for c in common if analyzer_.concept_type.get(c)}
        shared += sorted('c:' + c for c in shown)[:5 - len(shared)]
        result.append((doc.id, features, ' '.join(shared),
                same_store, round(days)))
    return result


def score_candidates(query, candidates, model):
    """The suggestions of the candidates (Doc) for the query (Doc), the most
    probably of the same incident first"""
    suggestions = [Suggestion(i, model.logit(f), shared, same_store, days)
        for i, f, shared, same_store, days in candidate_features(
            query, candidates)]
    suggestions.sort(key=lambda s: (-s.logit, -s.id))
    return suggestions


def shown_suggestions(suggestions, threshold, confident, shift=0.0):
    """The suggestions shown, most probable first, with their probability
    (their log-odds shifted): none unless the most probable reaches the
    confident threshold, then at most RELATED_LIMIT of those reaching the
    threshold.

    A complaint of an incident has a complaint of it among the candidates
    much more probable than any a complaint of no incident has; once it is
    found, the others of the incident are shown from a lower probability."""
    shown = [(s, sigmoid(s.logit + shift))
        for s in islice(suggestions, RELATED_LIMIT)]
    if not shown or shown[0][1] < confident:
        return []
    return [(s, p) for s, p in shown if p >= threshold]


def incident_logits(shown, neighbours, threshold, margin, shift=0.0):
    """The log-odds of the complaints reached through the suggestions shown
    (see shown_suggestions): those stored as probably related to one of them
    (neighbours: id -> {id: log-odds}), each as probable as the weaker of
    its two links less the margin, when that reaches the threshold; not
    those shown already.

    The complaints of one incident are worded apart, some in another
    language: once a complaint is found related to one of them, the others
    the first one is related to come with it."""
    found = {s.id for s, _ in shown}
    logits = {}
    for suggestion, _ in shown:
        for other, logit in neighbours.get(suggestion.id, {}).items():
            z = min(suggestion.logit, logit) - margin
            if (other not in found and sigmoid(z + shift) >= threshold
                    and z > logits.get(other, -math.inf)):
                logits[other] = z
    return logits


class RelatedModel:
    "The logistic model of related_model.json"

    def __init__(self, data):
        self.data = data
        self.coefficients = dict(zip(data['features'], data['coefficients']))
        self.intercept = data['intercept']
        # The probability every suggestion shown reaches, and the one the
        # most probable of a complaint must reach for any to be shown
        self.threshold = data['threshold']
        self.confident = data['confident']
        # What a complaint reached through another is less probable by
        # (see incident_logits)
        self.margin = data['margin']

    @classmethod
    def load(cls, path=MODEL_PATH):
        return cls(json.loads(Path(path).read_text(encoding='utf-8')))

    def logit(self, features):
        return self.intercept + sum(
            w * features[f] for f, w in self.coefficients.items())


@functools.cache
def related_model():
    return RelatedModel.load()


def calibration_shift(answers, prior=PRIOR_ANSWERS, minimum=MIN_ANSWERS,
        bound=MAX_SHIFT):
    """The shift of the model's log-odds that fits the answers (log-odds at
    the time, same incident or not), the shipped calibration weighing as
    much as prior answers at even odds; 0 below minimum answers, never
    beyond bound"""
    answers = list(answers)
    if len(answers) < minimum:
        return 0.0
    precision = prior / 4
    shift = 0.0
    for _ in range(25):
        gradient = -precision * shift
        hessian = -precision
        for z, same in answers:
            p = sigmoid(z + shift)
            gradient += (1 if same else 0) - p
            hessian -= p * (1 - p)
        step = gradient / hessian
        shift -= step
        if abs(step) < 1e-6:
            break
    return max(-bound, min(bound, shift))


class Configuration(metaclass=PoolMeta):
    __name__ = 'complaint.configuration'

    related_closed_days = fields.Integer("Related Closed Days",
        domain=['OR',
            ('related_closed_days', '=', None),
            ('related_closed_days', '>=', 0),
            ],
        help="How many days after closing a complaint is still searched "
        "as probably related to new ones.\n"
        "Leave empty to search only complaints not closed.")

    @classmethod
    def default_related_closed_days(cls):
        return 30


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    related_complaints = fields.One2Many(
        'complaint.related', 'complaint', "Probably Related", readonly=True,
        help="The complaints probably about the same thing, "
        "most probable first.")
    related_count = fields.Function(
        fields.Integer("Probably Related"), 'get_related_count')
    same_incident = fields.Function(fields.Many2Many(
            'complaint.complaint', None, None, "Same Incident",
            domain=[
                ('company', '=', Eval('company', -1)),
                ('id', '!=', Eval('id', -1)),
                ],
            states={
                'readonly': Eval('state') == 'cancelled',
                },
            help="The complaints about the same incident as this one.\n"
            "Adding a complaint merges its incident with this one; "
            "removing a complaint takes it out of the incident."),
        'get_same_incident', setter='set_same_incident')

    @classmethod
    def __register__(cls, module_name):
        # Until 8.0.0 the detection was part of complaint_plan
        take_over_from_complaint_plan(module_name, Path(__file__).parent,
            ['related.xml', 'message.xml'],
            models=['complaint.term', 'complaint.related',
                'complaint.related.answer', 'complaint.same_incident'],
            fields={
                'complaint.complaint': [
                    'related_complaints', 'related_count', 'same_incident'],
                'complaint.configuration': ['related_closed_days'],
                })
        super().__register__(module_name)

    @classmethod
    def get_related_count(cls, complaints, name):
        pool = Pool()
        Related = pool.get('complaint.related')
        counts = dict.fromkeys(map(int, complaints), 0)
        # Count what the reader may read, as the list shows it
        with check_access():
            for sub_complaints in grouped_slice(complaints):
                for related in Related.search([
                            ('complaint', 'in', [
                                    c.id for c in sub_complaints]),
                            ]):
                    counts[related.complaint.id] += 1
        return counts

    @classmethod
    def get_same_incident(cls, complaints, name):
        pool = Pool()
        SameIncident = pool.get('complaint.same_incident')
        members = SameIncident.members(map(int, complaints))
        # List what the reader may read
        with check_access():
            readable = set(map(int, cls.search([
                            ('id', 'in', list(set().union(
                                        *members.values()))),
                            ], order=[])))
        return {c.id: sorted(members[c.id] & readable) for c in complaints}

    @classmethod
    def set_same_incident(cls, complaints, name, value):
        pool = Pool()
        SameIncident = pool.get('complaint.same_incident')
        for action, *args in value:
            if action not in {'add', 'remove'}:
                raise NotImplementedError(action)
            ids, = args
            # Only what the writer may read can be linked or taken out
            with check_access():
                cls.read(ids, ['id'])
            if action == 'add':
                SameIncident.link([(complaint, cls(i))
                        for complaint in complaints for i in ids])
            else:
                SameIncident.take_out(cls.browse(ids))

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('related_complaints', None)
        return super().copy(complaints, default=default)

    @classmethod
    def register(cls, complaints):
        super().register(complaints)
        registered = [c for c in complaints if c.state == 'registered']
        cls.index_terms(registered)
        cls.find_related(registered)

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        pool = Pool()
        Related = pool.get('complaint.related')
        super().on_modification(mode, complaints, field_names=field_names)
        if mode != 'write':
            return
        if INDEXED_FIELDS & field_names:
            # A received complaint is indexed when it is registered
            cls.index_terms([c for c in complaints
                    if c.state not in {'received', 'cancelled'}])
        if SCORED_FIELDS & field_names:
            cls.find_related(
                [c for c in complaints if c.state in SEARCHED_STATES])
        if 'state' in field_names:
            # A cancelled complaint is not a complaint: related to nothing
            Related.forget([c for c in complaints if c.state == 'cancelled'])

    @classmethod
    def index_terms(cls, complaints):
        "Store the terms of the complaints"
        pool = Pool()
        Term = pool.get('complaint.term')
        term = Term.__table__()
        cursor = Transaction().connection.cursor()
        for sub_complaints in grouped_slice(complaints):
            sub_complaints = list(sub_complaints)
            cursor.execute(*term.delete(where=term.complaint.in_(
                        [c.id for c in sub_complaints])))
            rows = [
                [c.id, c.company.id, t, n, Literal(0), CurrentTimestamp()]
                for c in sub_complaints
                for t, n in c._term_counts().items()]
            for sub_rows in grouped_slice(rows):
                cursor.execute(*term.insert([
                            term.complaint, term.company, term.term,
                            term.occurrences, term.create_uid,
                            term.create_date],
                        list(sub_rows)))

    def _respondent_text(self):
        "The respondent as named: the record's name or the description"
        if self.respondent:
            return self.respondent.rec_name
        return self.respondent_name

    def _term_counts(self):
        return analyzer().terms(
            self.subject, self.description, self._respondent_text())

    @classmethod
    def find_related(cls, complaints):
        """Store the probably related complaints of each complaint, and each
        complaint as probably related to them, with why"""
        pool = Pool()
        Related = pool.get('complaint.related')
        Answer = pool.get('complaint.related.answer')
        model = related_model()
        rows = {}
        for complaint in complaints:
            shift = Answer.calibration(complaint.company.id)
            query = complaint._query_doc()
            suggestions = complaint.related_suggestions(query)
            rejected = Answer.rejected(complaint, [s.id for s in suggestions])
            shown = shown_suggestions(
                [s for s in suggestions if s.id not in rejected],
                model.threshold, model.confident, shift)
            shown += complaint.incident_suggestions(query, shown, shift)
            shown.sort(key=lambda x: (-x[0].logit, -x[0].id))
            for suggestion, probability in shown[:RELATED_LIMIT]:
                values = {
                    'score': round(probability, 2),
                    'logit': round(suggestion.logit, 4),
                    'shared': suggestion.shared,
                    'same_store': suggestion.same_store,
                    'days_apart': suggestion.days,
                    'indirect': suggestion.indirect,
                    }
                for pair in [(complaint.id, suggestion.id),
                        (suggestion.id, complaint.id)]:
                    if pair not in rows or (
                            rows[pair]['logit'] < values['logit']):
                        rows[pair] = values
        with without_check_access():
            Related.forget(complaints)
            Related.save([
                    Related(complaint=c, related=r, **values)
                    for (c, r), values in rows.items()])

    def related_scores(self):
        """The candidate complaints and the probability that each is of the
        same incident, most probable first"""
        pool = Pool()
        Answer = pool.get('complaint.related.answer')
        shift = Answer.calibration(self.company.id)
        return [(self.__class__(s.id), sigmoid(s.logit + shift))
            for s in self.related_suggestions(self._query_doc())]

    def related_suggestions(self, query):
        """The suggestions for the candidate complaints of the query (the
        Doc of the complaint), most probable first.

        Reads no more than POSTINGS_LIMIT postings per term and scores no
        more than CANDIDATES_LIMIT candidates."""
        pool = Pool()
        Term = pool.get('complaint.term')
        term = Term.__table__()
        cursor = Transaction().connection.cursor()
        # The query of the postings of a term, built once for all terms
        word = object()
        sql, params = tuple(term.select(term.complaint,
                where=(term.company == self.company.id)
                & (term.term == word) & (term.complaint != self.id),
                order_by=[term.complaint.desc],
                limit=POSTINGS_LIMIT))

        def postings(value):
            cursor.execute(sql, [value if p is word else p for p in params])
            return [c for c, in cursor]

        docs = self._candidate_docs(candidate_ids(query.terms, postings))
        if not docs:
            return []
        return score_candidates(query, docs, related_model())

    def incident_suggestions(self, query, shown, shift):
        """The suggestions of the complaints reached through the suggestions
        shown for the query (the Doc of the complaint; see
        incident_logits), with their probability, not those answered Not
        Same Incident

        A complaint a handler linked as the same incident as one shown is
        reached as surely as that one."""
        pool = Pool()
        Related = pool.get('complaint.related')
        SameIncident = pool.get('complaint.same_incident')
        Answer = pool.get('complaint.related.answer')
        model = related_model()
        related, link = Related.__table__(), SameIncident.__table__()
        cursor = Transaction().connection.cursor()
        neighbours = defaultdict(dict)
        for sub_ids in grouped_slice([s.id for s, _ in shown]):
            sub_ids = list(sub_ids)
            cursor.execute(*related.select(
                    related.complaint, related.related, related.logit,
                    where=related.complaint.in_(sub_ids)
                    & (related.related != self.id)
                    & (related.logit != Null)))
            for complaint_id, related_id, logit in cursor:
                neighbours[complaint_id][related_id] = logit
            cursor.execute(*link.select(link.complaint, link.related,
                    where=link.complaint.in_(sub_ids)
                    & (link.related != self.id)))
            for complaint_id, related_id in cursor:
                neighbours[complaint_id][related_id] = math.inf
        logits = incident_logits(
            shown, neighbours, model.threshold, model.margin, shift)
        rejected = Answer.rejected(self, list(logits))
        docs = self._candidate_docs([i for i in logits if i not in rejected])
        if not docs:
            return []
        return [(Suggestion(i, logits[i], shared, same_store, days, True),
                sigmoid(logits[i] + shift))
            for i, _, shared, same_store, days in candidate_features(
                query, docs)]

    def _query_doc(self):
        "The Doc of the complaint: its terms, respondent, category and time"
        return Doc(self.id, self._term_counts(),
            _respondent_key(
                str(self.respondent) if self.respondent else None,
                self.respondent_name),
            self.category.id if self.category else None, self.received_at)

    def _candidate_docs(self, ids):
        "The Docs of the eligible candidates among the ids, in their order"
        pool = Pool()
        Term = pool.get('complaint.term')
        term = Term.__table__()
        cursor = Transaction().connection.cursor()
        candidates = self._eligible_candidates(ids)
        candidate_terms = defaultdict(dict)
        for sub_ids in grouped_slice(candidates):
            cursor.execute(*term.select(
                    term.complaint, term.term, term.occurrences,
                    where=term.complaint.in_(list(sub_ids))))
            for complaint_id, value, occurrences in cursor:
                candidate_terms[complaint_id][value] = occurrences
        return [Doc(i, candidate_terms[i], *candidates[i])
            for i in candidates]

    def _eligible_candidates(self, ids):
        """The respondent, category and reception time of the first
        CANDIDATES_LIMIT of the ids that are complaints of the company, not
        cancelled and not closed for longer than configured"""
        pool = Pool()
        Configuration = pool.get('complaint.configuration')
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        days = Configuration(1).related_closed_days
        searched = ~table.state.in_(['closed', 'cancelled'])
        if days is not None:
            searched |= ((table.state == 'closed')
                & (table.closed_at >= clock.now() - dt.timedelta(days=days)))
        eligible = {}
        for sub_ids in grouped_slice(ids, 2 * CANDIDATES_LIMIT):
            sub_ids = list(sub_ids)
            cursor.execute(*table.select(
                    table.id, table.respondent, table.respondent_name,
                    table.category, table.received_at,
                    where=table.id.in_(sub_ids)
                    & (table.company == self.company.id)
                    & searched))
            found = {i: (_respondent_key(r, n), c, a)
                for i, r, n, c, a in cursor}
            for i in sub_ids:
                if i in found and len(eligible) < CANDIDATES_LIMIT:
                    eligible[i] = found[i]
            if len(eligible) >= CANDIDATES_LIMIT:
                break
        return eligible


class Term(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.term'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    # The complaint's, so that the postings of a term are read per company
    company = fields.Many2One('company.company', "Company", required=True,
        ondelete='CASCADE')
    term = fields.Char("Term", required=True)
    occurrences = fields.Integer("Occurrences", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
        t = cls.__table__()
        cls._sql_indexes.update({
                # The postings of a term in a company, most recent first
                Index(t,
                    (t.company, Index.Equality()),
                    (t.term, Index.Equality()),
                    (t.complaint, Index.Range(order='DESC'))),
                Index(t, (t.complaint, Index.Equality())),
                })

    @classmethod
    def __register__(cls, module_name):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        table_h = cls.__table_handler__(module_name)
        term = cls.__table__()
        complaint = Complaint.__table__()
        cursor = Transaction().connection.cursor()
        company_exist = table_h.column_exist('company')

        super().__register__(module_name)

        # Migration from 8.0.0: the postings are read per company
        if not company_exist:
            cursor.execute(*term.update([term.company],
                    complaint.select(complaint.company,
                        where=complaint.id == term.complaint)))
            table_h.not_null_action('company', 'add')


class PairMixin:
    """A row about two complaints, listed to who may read both and written
    only by the module (the message tells how)"""
    __slots__ = ()
    _written_by_message = None

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            raise AccessError(gettext(cls._written_by_message))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The record rules of the related complaint apply
        cls.__access__.add('related')

    @classmethod
    def search(cls, domain, *args, **kwargs):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        if Transaction().check_access:
            # The complaint's rules apply too: __access__ with both fields
            # would list a row when either complaint is readable
            domain = [domain, ('complaint', 'in',
                    Complaint.search([], order=[], query=True))]
        return super().search(domain, *args, **kwargs)


class Related(EnforcedStatesMixin, PairMixin, ModelSQL, ModelView):
    __name__ = 'complaint.related'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    related = fields.Many2One('complaint.complaint', "Related Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    score = fields.Float("Probability", digits=(16, 2), readonly=True,
        help="The probability that both complaints are about the same "
        "incident, learnt from complaints labelled by hand and adjusted "
        "by the handlers' answers.")
    logit = fields.Float("Log-odds", readonly=True)
    shared = fields.Char("Shared Terms", readonly=True)
    same_store = fields.Boolean("Same Store", readonly=True)
    days_apart = fields.Integer("Days Apart", readonly=True)
    indirect = fields.Boolean("Through Another", readonly=True,
        help="Found through another complaint probably of the same incident, "
        "to which both are probably related.")
    reason = fields.Function(fields.Char("Why",
            help="The words and concepts both complaints name, whether "
            "they were found through other complaints, whether they are "
            "about the same store and how many days apart they were "
            "received."), 'get_reason')
    subject = fields.Function(fields.Char("Subject"), 'get_related_field')
    respondent = fields.Function(
        fields.Char("Respondent"), 'get_respondent')
    category = fields.Function(fields.Many2One(
            'complaint.category', "Category"), 'get_related_field')
    state = fields.Function(fields.Selection(
            'get_states', "State"), 'get_related_field')
    same_incident = fields.Function(
        fields.Boolean("Same Incident"), 'get_same_incident')
    answer = fields.Function(fields.Selection([
                (None, ""),
                ('same', "Same Incident"),
                ('not_same', "Not Same Incident"),
                ], "Answer",
            help="The handlers' last answer about the two complaints."),
        'get_answer')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.complaint, Index.Equality())),
                Index(t, (t.related, Index.Equality())),
                })
        cls._order = [('score', 'DESC'), ('id', 'ASC')]
        cls._buttons.update({
                'link_incident': {
                    'invisible': Eval('same_incident', False),
                    'icon': 'tryton-link',
                    'depends': ['same_incident'],
                    },
                'unlink_incident': {
                    'invisible': (~Eval('same_incident', False)
                        & (Eval('answer') == 'not_same')),
                    'icon': 'tryton-unlink',
                    'depends': ['same_incident', 'answer'],
                    },
                })

    @classmethod
    def get_states(cls):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        return Complaint.fields_get(['state'])['state']['selection']

    def get_related_field(self, name):
        value = getattr(self.related, name)
        if isinstance(value, ModelSQL):
            return value.id
        return value

    def get_respondent(self, name):
        if self.related.respondent:
            return self.related.respondent.rec_name
        return self.related.respondent_name

    def get_reason(self, name):
        language = Transaction().language or 'en'
        analyzer_ = analyzer()
        parts = []
        if self.shared:
            words = []
            for term in self.shared.split():
                label = analyzer_.label(term, language)
                if label not in words:
                    words.append(label)
            parts.append(gettext('complaint_related.msg_related_reason_shared',
                    words=', '.join(words)))
        if self.indirect:
            parts.append(gettext(
                    'complaint_related.msg_related_reason_indirect'))
        if self.same_store:
            parts.append(gettext('complaint_related.msg_related_reason_store'))
        if self.days_apart is not None:
            if self.days_apart:
                parts.append(gettext(
                        'complaint_related.msg_related_reason_days',
                        days=self.days_apart))
            else:
                parts.append(gettext(
                        'complaint_related.msg_related_reason_same_day'))
        return ' · '.join(parts)

    @classmethod
    def get_same_incident(cls, records, name):
        pool = Pool()
        SameIncident = pool.get('complaint.same_incident')
        link = SameIncident.__table__()
        cursor = Transaction().connection.cursor()
        pairs = set()
        for sub_records in grouped_slice(records):
            cursor.execute(*link.select(link.complaint, link.related,
                    where=link.complaint.in_(
                        [r.complaint.id for r in sub_records])))
            pairs.update(cursor)
        return {r.id: (r.complaint.id, r.related.id) in pairs
            for r in records}

    @classmethod
    def get_answer(cls, records, name):
        pool = Pool()
        Answer = pool.get('complaint.related.answer')
        answers = Answer.answers([(r.complaint, r.related) for r in records])
        result = {}
        for record in records:
            same = answers.get(
                Answer.key(record.complaint, record.related))
            result[record.id] = (None if same is None
                else 'same' if same else 'not_same')
        return result

    _written_by_message = 'complaint_related.msg_related_computed'

    @classmethod
    def forget(cls, complaints):
        "Delete the probable relations of the complaints, both ways"
        ids = [c.id for c in complaints]
        with without_check_access():
            for sub_ids in grouped_slice(ids):
                sub_ids = list(sub_ids)
                cls.delete(cls.search(['OR',
                            ('complaint', 'in', sub_ids),
                            ('related', 'in', sub_ids),
                            ]))

    @classmethod
    @ModelView.button
    def link_incident(cls, records):
        "Link the complaints as the same incident"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        SameIncident = pool.get('complaint.same_incident')
        Answer = pool.get('complaint.related.answer')
        # The button checks the rules of the related complaint, not those
        # of the complaint
        Complaint.read([r.complaint.id for r in records], ['id'])
        SameIncident.link([(r.complaint, r.related) for r in records])
        Answer.record([(r, True) for r in records])

    @classmethod
    @ModelView.button
    def unlink_incident(cls, records):
        """Answer that the related complaints are not of the incident of the
        complaint, and take those linked out of it"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        SameIncident = pool.get('complaint.same_incident')
        Answer = pool.get('complaint.related.answer')
        Complaint.read([r.complaint.id for r in records], ['id'])
        SameIncident.take_out([r.related for r in records
                if r.same_incident])
        Answer.record([(r, False) for r in records])


class Answer(EnforcedStatesMixin, PairMixin, ModelSQL):
    """Answer about a probably related complaint

    The last answer of the handlers, Same Incident or Not Same Incident,
    about two complaints suggested as probably related, with the model's
    log-odds at the time: the labelled pairs that adjust the calibration."""
    __name__ = 'complaint.related.answer'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    related = fields.Many2One('complaint.complaint', "Related Complaint",
        required=True, ondelete='CASCADE')
    same = fields.Boolean("Same Incident")
    logit = fields.Float("Log-odds", required=True)
    _calibration_cache = Cache(
        'complaint.related.answer.calibration', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('complaint_related_unique', Unique(t, t.complaint, t.related),
                'complaint_related.msg_related_answer_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.related, Index.Equality())))

    _written_by_message = 'complaint_related.msg_related_answer_from_button'

    @staticmethod
    def key(complaint, related):
        "The pair as stored: the lower id first"
        return tuple(sorted([int(complaint), int(related)]))

    @classmethod
    def answers(cls, pairs):
        "The last answer (same or not) of each pair answered"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        keys = {cls.key(c, r) for c, r in pairs}
        answers = {}
        for sub_keys in grouped_slice(sorted(keys)):
            sub_keys = list(sub_keys)
            cursor.execute(*table.select(
                    table.complaint, table.related, table.same,
                    where=table.complaint.in_(list({c for c, _ in sub_keys}))))
            for complaint, related, same in cursor:
                if (complaint, related) in keys:
                    answers[complaint, related] = bool(same)
        return answers

    @classmethod
    def rejected(cls, complaint, ids):
        "The ids answered not of the same incident as the complaint"
        answers = cls.answers([(complaint, i) for i in ids])
        return {i for i in ids
            if answers.get(cls.key(complaint, i)) is False}

    @classmethod
    def record(cls, answers):
        "Record the answers (probably related row, same) as the last ones"
        rows = {}
        for related, same in answers:
            row_logit = related.logit
            if row_logit is None:
                row_logit = logit(related.score or 0.5)
            rows[cls.key(related.complaint, related.related)] = {
                'same': same, 'logit': row_logit}
        with without_check_access():
            for sub_keys in grouped_slice(list(rows)):
                cls.delete(cls.search(['OR'] + [[
                                ('complaint', '=', c),
                                ('related', '=', r),
                                ] for c, r in sub_keys]))
            cls.create([{'complaint': c, 'related': r, **values}
                    for (c, r), values in rows.items()])
        cls._calibration_cache.clear()

    @classmethod
    def calibration(cls, company_id):
        """The shift of the model's log-odds learnt from the answers about
        the complaints of the company"""
        shift = cls._calibration_cache.get(company_id)
        if shift is not None:
            return shift
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        table = cls.__table__()
        complaint = Complaint.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.join(complaint,
                condition=table.complaint == complaint.id
                ).select(table.logit, table.same,
                where=complaint.company == company_id))
        shift = calibration_shift(
            (z, bool(same)) for z, same in cursor)
        cls._calibration_cache.set(company_id, shift)
        return shift


class SameIncident(EnforcedStatesMixin, PairMixin, ModelSQL):
    """Complaints of the same incident

    The complaints of an incident are each linked to each other, both ways:
    linking two complaints merges their incidents, and taking a complaint out
    removes all its links."""
    __name__ = 'complaint.same_incident'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    related = fields.Many2One('complaint.complaint', "Related Complaint",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('complaint_related_unique', Unique(t, t.complaint, t.related),
                'complaint_related.msg_same_incident_unique'),
            ('complaint_related_different',
                Check(t, t.complaint != t.related),
                'complaint_related.msg_same_incident_itself'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.complaint, Index.Equality())),
                Index(t, (t.related, Index.Equality())),
                })

    @classmethod
    def validate_fields(cls, links, field_names):
        super().validate_fields(links, field_names)
        if field_names & {'complaint', 'related'}:
            for link in links:
                if link.complaint.company != link.related.company:
                    raise ComplaintValidationError(gettext(
                            'complaint_related.msg_same_incident_company',
                            complaint=link.complaint.rec_name,
                            related=link.related.rec_name))

    _written_by_message = (
        'complaint_related.msg_same_incident_from_complaint')

    @classmethod
    def members(cls, complaint_ids):
        "The other complaints of the incident of each complaint"
        link = cls.__table__()
        cursor = Transaction().connection.cursor()
        members = defaultdict(set)
        for sub_ids in grouped_slice(complaint_ids):
            cursor.execute(*link.select(link.complaint, link.related,
                    where=link.complaint.in_(list(sub_ids))))
            for complaint_id, related_id in cursor:
                members[complaint_id].add(related_id)
        return members

    @classmethod
    def link(cls, pairs):
        """Link each pair of complaints as the same incident, merging their
        incidents"""
        pairs = [(int(c), int(r)) for c, r in pairs if int(c) != int(r)]
        members = cls.members({i for p in pairs for i in p})
        groups = []
        for complaint, related in pairs:
            group = ({complaint, related}
                | members[complaint] | members[related])
            for other in [g for g in groups if g & group]:
                groups.remove(other)
                group |= other
            groups.append(group)
        members = cls.members({i for g in groups for i in g})
        missing = [{'complaint': c, 'related': r}
            for group in groups for c in group for r in group
            if c != r and r not in members[c]]
        with without_check_access():
            cls.create(missing)

    @classmethod
    def take_out(cls, complaints):
        "Take the complaints out of their incident"
        ids = [c.id for c in complaints]
        with without_check_access():
            for sub_ids in grouped_slice(ids):
                sub_ids = list(sub_ids)
                cls.delete(cls.search(['OR',
                            ('complaint', 'in', sub_ids),
                            ('related', 'in', sub_ids),
                            ]))
