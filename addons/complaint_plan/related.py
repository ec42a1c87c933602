# This file is part of the complaint_plan module.
"""Related-complaint detection.

The terms of each registered complaint are kept in an inverted index
(complaint.term). The complaints that share the rarer terms of a complaint
are its candidates; the best of them are scored by the cosine of their TF-IDF
vectors, with a bonus for the same respondent and the same category, and
those above the threshold are stored as probably related (complaint.related).
The complaints of the same incident are linked (complaint.same_incident)."""
import datetime as dt
import logging
from collections import Counter, defaultdict
from itertools import islice

import jieba
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity
from sql import Literal
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import Check, Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from .exceptions import ComplaintValidationError

# jieba logs the loading of its dictionary to stderr; it loads it once per
# process, at the first segmentation
jieba.setLogLevel(logging.WARNING)

# The postings read per term, most recent first. A term of more complaints is
# too common to tell them apart; reading no more keeps the cost of a search
# independent of the number of complaints.
POSTINGS_LIMIT = 500
# The candidates scored with TF-IDF: those sharing the rarest terms
CANDIDATES_LIMIT = 100
# Added to the text similarity (TF-IDF cosine, 0 to 1) when the candidate is
# about the same respondent (store, employee, party or description) and when
# it is of the same category
RESPONDENT_WEIGHT = 0.2
CATEGORY_WEIGHT = 0.1
# A candidate scoring this much is probably related
RELATED_THRESHOLD = 0.4
# The most probably related complaints kept for a complaint
RELATED_LIMIT = 10
# States whose complaints are searched for related ones; a received
# complaint is searched when it is registered
SEARCHED_STATES = {'registered', 'verifying', 'planning', 'approving',
    'processing', 'waiting'}
# The fields of a complaint that its score with another depends on
SCORED_FIELDS = {'subject', 'description', 'respondent', 'respondent_name',
    'category'}


def segment(text):
    """The terms of the text: the words of jieba's search mode (compound
    words and their parts) with the characters of its Chinese words, so that
    differently worded complaints share terms (冰柜 and 冷冻柜 share 柜);
    lower-cased, without punctuation and spaces"""
    words = [w.lower() for w in jieba.cut_for_search(text or '')
        if any(c.isalnum() for c in w)]
    return words + [c for w in words if len(w) > 1 and not w.isascii()
        for c in w if c.isalnum()]


def _now():
    return dt.datetime.now()


def _respondent_key(respondent, respondent_name):
    """What tells the respondent of a complaint: its record ("model,id"), or
    else its description"""
    if respondent:
        return respondent
    if respondent_name and respondent_name.strip():
        return respondent_name.strip().lower()


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
        "best first.")
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
        if {'subject', 'description'} & field_names:
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
        "Store the terms of the subject and description of the complaints"
        pool = Pool()
        Term = pool.get('complaint.term')
        term = Term.__table__()
        cursor = Transaction().connection.cursor()
        for sub_complaints in grouped_slice(complaints):
            sub_complaints = list(sub_complaints)
            cursor.execute(*term.delete(where=term.complaint.in_(
                        [c.id for c in sub_complaints])))
            rows = [[c.id, t, n, Literal(0), CurrentTimestamp()]
                for c in sub_complaints
                for t, n in c._term_counts().items()]
            for sub_rows in grouped_slice(rows):
                cursor.execute(*term.insert([
                            term.complaint, term.term, term.occurrences,
                            term.create_uid, term.create_date],
                        list(sub_rows)))

    def _term_counts(self):
        return Counter(segment(self.subject) + segment(self.description))

    @classmethod
    def find_related(cls, complaints):
        """Store the probably related complaints of each complaint, and each
        complaint as probably related to them"""
        pool = Pool()
        Related = pool.get('complaint.related')
        scores = {}
        for complaint in complaints:
            for candidate, score in islice(
                    complaint.related_scores(), RELATED_LIMIT):
                if score >= RELATED_THRESHOLD:
                    for pair in [
                            (complaint, candidate), (candidate, complaint)]:
                        scores[pair] = max(score, scores.get(pair, 0))
        with without_check_access():
            Related.forget(complaints)
            Related.save([
                    Related(complaint=complaint, related=related,
                        score=round(score, 2))
                    for (complaint, related), score in scores.items()])

    def related_scores(self):
        """The candidate complaints and their score, best first.

        Reads no more than POSTINGS_LIMIT postings per term and scores no
        more than CANDIDATES_LIMIT candidates."""
        pool = Pool()
        Term = pool.get('complaint.term')
        term = Term.__table__()
        cursor = Transaction().connection.cursor()
        counts = self._term_counts()
        # The query of the postings of a term, built once for all terms
        word = object()
        query, params = tuple(term.select(term.complaint,
                where=(term.term == word) & (term.complaint != self.id),
                order_by=[term.complaint.desc],
                limit=POSTINGS_LIMIT))
        # The rarer the shared term, the more it says
        shared = Counter()
        for value in counts:
            cursor.execute(query, [value if p is word else p for p in params])
            postings = [c for c, in cursor]
            for complaint_id in postings:
                shared[complaint_id] += 1 / len(postings)
        candidates = self._eligible_candidates(
            [c for c, _ in shared.most_common()])
        if not candidates:
            return []
        candidate_terms = defaultdict(dict)
        for sub_ids in grouped_slice(candidates):
            cursor.execute(*term.select(
                    term.complaint, term.term, term.occurrences,
                    where=term.complaint.in_(list(sub_ids))))
            for complaint_id, value, occurrences in cursor:
                candidate_terms[complaint_id][value] = occurrences
        ids = list(candidates)
        documents = DictVectorizer().fit_transform(
            [counts] + [candidate_terms[i] for i in ids])
        vectors = TfidfTransformer(sublinear_tf=True).fit_transform(
            documents)
        similarities = cosine_similarity(vectors[0], vectors[1:])[0]
        respondent = _respondent_key(
            str(self.respondent) if self.respondent else None,
            self.respondent_name)
        category = self.category.id if self.category else None
        scores = []
        for candidate_id, similarity in zip(ids, similarities):
            if not similarity:
                continue
            score = float(similarity)
            candidate_respondent, candidate_category = candidates[
                candidate_id]
            if respondent and candidate_respondent == respondent:
                score += RESPONDENT_WEIGHT
            if category and candidate_category == category:
                score += CATEGORY_WEIGHT
            scores.append((candidate_id, round(score, 4)))
        scores.sort(key=lambda s: (-s[1], -s[0]))
        return [(self.__class__(i), score) for i, score in scores]

    def _eligible_candidates(self, ids):
        """The respondent and category of the first CANDIDATES_LIMIT of the
        ids that are complaints of the company, not cancelled and not closed
        for longer than configured"""
        pool = Pool()
        Configuration = pool.get('complaint.configuration')
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        days = Configuration(1).related_closed_days
        searched = ~table.state.in_(['closed', 'cancelled'])
        if days is not None:
            searched |= ((table.state == 'closed')
                & (table.closed_at >= _now() - dt.timedelta(days=days)))
        eligible = {}
        for sub_ids in grouped_slice(ids, 2 * CANDIDATES_LIMIT):
            sub_ids = list(sub_ids)
            cursor.execute(*table.select(
                    table.id, table.respondent, table.respondent_name,
                    table.category,
                    where=table.id.in_(sub_ids)
                    & (table.company == self.company.id)
                    & searched))
            found = {i: (_respondent_key(r, n), c) for i, r, n, c in cursor}
            for i in sub_ids:
                if i in found and len(eligible) < CANDIDATES_LIMIT:
                    eligible[i] = found[i]
            if len(eligible) >= CANDIDATES_LIMIT:
                break
        return eligible


class Term(EnforcedStatesMixin, ModelSQL):
    "Complaint term"
    __name__ = 'complaint.term'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    term = fields.Char("Term", required=True)
    occurrences = fields.Integer("Occurrences", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
        t = cls.__table__()
        cls._sql_indexes.update({
                # The postings of a term, most recent first
                Index(t,
                    (t.term, Index.Equality()),
                    (t.complaint, Index.Range(order='DESC'))),
                Index(t, (t.complaint, Index.Equality())),
                })


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
    "Probably related complaint"
    __name__ = 'complaint.related'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    related = fields.Many2One('complaint.complaint', "Related Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    score = fields.Float("Score", digits=(16, 2), readonly=True,
        help="The text similarity, plus a bonus for the same respondent "
        "and the same category.")
    subject = fields.Function(fields.Char("Subject"), 'get_related_field')
    respondent = fields.Function(
        fields.Char("Respondent"), 'get_respondent')
    category = fields.Function(fields.Many2One(
            'complaint.category', "Category"), 'get_related_field')
    state = fields.Function(fields.Selection(
            'get_states', "State"), 'get_related_field')
    same_incident = fields.Function(
        fields.Boolean("Same Incident"), 'get_same_incident')

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
                    'invisible': ~Eval('same_incident', False),
                    'icon': 'tryton-unlink',
                    'depends': ['same_incident'],
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

    _written_by_message = 'complaint_plan.msg_related_computed'

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
        # The button checks the rules of the related complaint, not those
        # of the complaint
        Complaint.read([r.complaint.id for r in records], ['id'])
        SameIncident.link([(r.complaint, r.related) for r in records])

    @classmethod
    @ModelView.button
    def unlink_incident(cls, records):
        "Take the related complaints out of the incident of the complaint"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        SameIncident = pool.get('complaint.same_incident')
        Complaint.read([r.complaint.id for r in records], ['id'])
        SameIncident.take_out([r.related for r in records])


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
                'complaint_plan.msg_same_incident_unique'),
            ('complaint_related_different',
                Check(t, t.complaint != t.related),
                'complaint_plan.msg_same_incident_itself'),
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
                            'complaint_plan.msg_same_incident_company',
                            complaint=link.complaint.rec_name,
                            related=link.related.rec_name))

    _written_by_message = (
        'complaint_plan.msg_same_incident_from_complaint')

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
        incidents, and check the activation of the emergency plans"""
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
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
        Plan.check_activation([i for g in groups for i in g])

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
