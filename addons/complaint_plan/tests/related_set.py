# This file is part of the complaint_plan module.
"""The labelled set of related complaints, shared by the test and the
benchmark of the related-complaint detection (without the test modules:
they would switch the pool to test mode).

related_complaints.json holds complaints of a supermarket chain, each
with its store, category, subject and description and, for those about a
known incident, the incident's name: 42 incidents of 5 complaints worded
differently, and 30 complaints about nothing else in the set."""
import datetime as dt
import json
from itertools import islice
from pathlib import Path

from trytond.modules.complaint_plan.related import RELATED_THRESHOLD
from trytond.pool import Pool

PATH = Path(__file__).with_name('related_complaints.json')
TOP = 5


def load_entries():
    return json.loads(PATH.read_text(encoding='utf-8'))


def register_complaints(company):
    """Create the complaints of the set in the company, about a party per
    store, and register them; return them with their incident's name"""
    pool = Pool()
    Party = pool.get('party.party')
    Category = pool.get('complaint.category')
    Complaint = pool.get('complaint.complaint')
    entries = load_entries()
    names = sorted({e['store'] for e in entries})
    stores = dict(zip(names,
            Party.create([{'name': f"华联超市{n}"} for n in names])))
    categories = {c.name: c for c in Category.search([])}
    now = dt.datetime.now().replace(microsecond=0)
    complaints = Complaint.create([{
                'company': company.id,
                'received_at': now - dt.timedelta(hours=len(entries) - i),
                'complainant_name': "顾客",
                'respondent': str(stores[e['store']]),
                'category': categories[e['category']].id,
                'subject': e['subject'],
                'description': e['description'],
                } for i, e in enumerate(entries)])
    Complaint.register(complaints)
    return complaints, [e['incident'] for e in entries]


def evaluate(complaints, incidents):
    """The precision and recall of the top 5 probably related complaints of
    each complaint of the set.

    The top 5 are the best candidates scoring at least the threshold, as
    the complaint's form lists them. Precision is the share of them that are
    of the complaint's incident; recall the share of the other complaints of
    its incident found there (out of at most 5)."""
    incident_of = {c.id: i for c, i in zip(complaints, incidents)}
    sizes = {i: incidents.count(i) for i in set(incidents) if i}
    shown = found = expected = 0
    for complaint, incident in zip(complaints, incidents):
        top = [c for c, score in islice(complaint.related_scores(), TOP)
            if score >= RELATED_THRESHOLD]
        shown += len(top)
        if incident:
            found += sum(incident_of[c.id] == incident for c in top)
            expected += min(TOP, sizes[incident] - 1)
    return found / shown, found / expected
