# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Related-complaint detection and the complaints of the same incident"
import datetime as dt
import math
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.complaint_related import related as related_module
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.complaint_plan.exceptions import (
    ComplaintValidationError)
from trytond.modules.complaint_plan.tests.test_access import (
    AUDITOR, CLERK, HANDLER)
from trytond.modules.complaint_related.related import (
    MAX_SHIFT, MIN_ANSWERS, RELATED_LIMIT, Suggestion, analyzer,
    calibration_shift, incident_logits, logit, related_model, segment,
    shown_suggestions)
from trytond.modules.complaint_related.tests.related_set import (
    evaluate, register_complaints, unseen_set)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import without_check_access

# What the held-out part of the labelled set reached when the model was
# trained (see doc/design.rst), less a small margin; never lower them. The
# targets of issue 19 are P@5 >= 0.90, MAP >= 0.75, unrelated <= 0.25 and
# English-Chinese recall >= 0.5.
PRECISION_FLOOR = 0.80
MAP_FLOOR = 0.67
UNRELATED_CEILING = 0.22
CROSS_RECALL_FLOOR = 0.84
# The same for the unseen set, written after the model and the glossary by
# someone who saw neither them nor the labelled set
UNSEEN_PRECISION_FLOOR = 0.88
UNSEEN_MAP_FLOOR = 0.41
UNSEEN_UNRELATED_CEILING = 0.07
UNSEEN_CROSS_RECALL_FLOOR = 0.5

FREEZER = [
    ("冰柜坏了冰淇淋全化了",
        "五一广场店冷冻柜里的冰淇淋都软了，盒子变形，明显是化过又冻上的。"),
    ("冷冻柜不制冷",
        "五一广场店冻品区的冷冻柜摸着一点都不冷，速冻水饺已经解冻粘在一起。"),
    ("买到融化的雪糕",
        "在五一广场店买的雪糕拿回家全是水，店员说冰柜这两天温度上不去。"),
    ]
PARKING = ("停车收费不合理",
    "在五一广场店购物满两百元，停车还是收了十五块，说好的免费停车呢。")


class RelatedTestCase(ModuleDatabaseTestCase):
    "Related-complaint detection"
    # With the emergency plans, which count an incident's complaints together
    modules = ['complaint_related', 'complaint_emergency']

    def create_complaints(self, company, texts, category="Product Quality",
            **values):
        "Create the complaints about the store of the texts"
        pool = Pool()
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')
        Party = pool.get('party.party')
        category, = Category.search([('name', '=', category)])
        stores = Party.search([('name', '=', "华联超市五一广场店")])
        if not stores:
            stores = Party.create([{'name': "华联超市五一广场店"}])
        store, = stores
        return Complaint.create([{
                    'company': company.id,
                    'complainant_name': "顾客",
                    'respondent': str(store),
                    'category': category.id,
                    'subject': subject,
                    'description': description,
                    **values,
                    } for subject, description in texts])

    def read(self, complaint, name):
        "The value of the field of the complaint, as the client reads it"
        Complaint = Pool().get('complaint.complaint')
        record, = Complaint.read([complaint.id], [name])
        return record[name]

    def related(self, complaint):
        "The subjects of the probably related complaints"
        Related = Pool().get('complaint.related')
        return sorted(r['subject'] for r in Related.read(
                list(self.read(complaint, 'related_complaints')),
                ['subject']))

    def count(self, complaint):
        "The number of probably related complaints"
        return self.read(complaint, 'related_count')

    def test_segment(self):
        """Chinese is segmented into words and characters, English
        lower-cased without plurals; both name the glossary's concepts and
        the stores' names in pinyin"""
        terms = segment("Freezers BROKEN: 冷冻柜坏了！")
        self.assertIn('freezer', terms)
        self.assertIn('broken', terms)
        self.assertIn('冷冻柜', terms)
        self.assertIn('冷冻', terms)
        self.assertIn('柜', terms)
        self.assertFalse({':', '！', ' '} & set(terms))

        english = analyzer().terms("Melted ice cream",
            "The chest freezer at the Xuhui store is not cooling.")
        chinese = analyzer().terms("冰淇淋化了",
            "在徐汇店买的冰激凌全化了，冰柜不制冷。")
        # 冰柜 and 冷冻柜, freezer: the same concept
        self.assertIn('c:freezer', analyzer().terms("冷冻柜", ""))
        shared = set(english) & set(chinese)
        self.assertTrue({'c:freezer', 'c:ice_cream', 'c:melted',
                'c:not_cold', 'p:xu_hui'} <= shared, shared)
        self.assertIn('p:jing_an', analyzer().terms(
                "Rude guard at Jing'an", ""))
        self.assertIn('p:jing_an', analyzer().terms(
                "保安", "", "华联超市静安店"))
        # A clerk is no store
        self.assertFalse([t for t in analyzer().terms("店员态度差", "")
                if t.startswith('p:')])

    def test_calibration_shift(self):
        """The handlers' answers shift the log-odds only once there are
        enough of them, never beyond the bound, and little for a few"""
        self.assertEqual(calibration_shift(
                [(2.0, False)] * (MIN_ANSWERS - 1)), 0)
        few = calibration_shift([(2.0, False)] * MIN_ANSWERS)
        self.assertLess(few, 0)
        self.assertGreater(few, -1)
        self.assertEqual(
            calibration_shift([(2.0, False)] * 10_000), -MAX_SHIFT)
        self.assertEqual(
            calibration_shift([(-2.0, True)] * 10_000), MAX_SHIFT)
        # Answers that agree with the model leave it as it is
        balanced = [(0.0, True), (0.0, False)] * 50
        self.assertAlmostEqual(calibration_shift(balanced), 0, places=6)

    def test_shown_suggestions(self):
        """Nothing is shown unless the most probable suggestion is confident;
        then those reaching the threshold, at most RELATED_LIMIT, shifted by
        the calibration"""
        def suggestions(*probabilities):
            return [Suggestion(i, logit(p), '', False, 0)
                for i, p in enumerate(probabilities)]

        def shown(values, shift=0.0):
            return [s.id for s, _ in shown_suggestions(
                    values, 0.5, 0.8, shift)]

        self.assertEqual(shown([]), [])
        self.assertEqual(shown(suggestions(0.79, 0.7, 0.6)), [])
        self.assertEqual(shown(suggestions(0.81, 0.7, 0.49)), [0, 1])
        self.assertEqual(
            shown(suggestions(*[0.9] * (RELATED_LIMIT + 2))),
            list(range(RELATED_LIMIT)))
        # The shift moves the log-odds of all
        self.assertEqual(shown(suggestions(0.81, 0.7), shift=-1), [])
        self.assertEqual(shown(suggestions(0.7, 0.4), shift=1), [0, 1])
        (_, probability), = shown_suggestions(
            suggestions(0.7), 0.5, 0.8, 1)
        self.assertAlmostEqual(
            probability, 1 / (1 + 0.3 / 0.7 * math.exp(-1)), places=6)

    def test_incident_logits(self):
        """A complaint related to one shown is as probable as the weaker of
        the two links less the margin, and comes when that reaches the
        threshold; one shown already does not come again"""
        shown = [(Suggestion(1, 3.0, '', False, 0), None),
            (Suggestion(2, 2.5, '', False, 0), None)]
        neighbours = {
            1: {2: 4.0, 3: 4.0, 4: 0.5, 5: 2.0},
            2: {3: 6.0},
            9: {6: 9.0},
            }
        threshold = 0.75
        self.assertEqual(
            incident_logits(shown, neighbours, threshold, 1.0),
            {3: 2.0})
        # The shift moves them as the others
        self.assertEqual(
            incident_logits(shown, neighbours, threshold, 1.0, shift=0.5),
            {3: 2.0, 5: 1.0})
        self.assertEqual(
            incident_logits(shown, neighbours, threshold, 0.0),
            {3: 3.0, 5: 2.0})

    def test_model(self):
        "The shipped model is a logistic model with two thresholds"
        model = related_model()
        self.assertGreater(model.threshold, 0.5)
        self.assertLess(model.threshold, 1)
        self.assertGreaterEqual(model.confident, model.threshold)
        self.assertLess(model.confident, 1)
        # Time apart and another store make a pair less probable
        self.assertLess(model.coefficients['days'], 0)
        self.assertLess(model.coefficients['other_store'], 0)
        self.assertGreater(model.coefficients['text'], 0)
        self.assertGreater(model.coefficients['concepts'], 0)

    @with_transaction()
    def test_labelled_set(self):
        """The held-out part of the labelled set: the top 5 are precise,
        the lists ranked, few lone complaints are shown anything and English
        complaints find their Chinese incident"""
        pool = Pool()
        Related = pool.get('complaint.related')
        company = create_company()
        with set_company(company):
            complaints = register_complaints(company)
            measures = evaluate(complaints)
            self.assertGreaterEqual(
                measures['precision'], PRECISION_FLOOR, measures)
            self.assertGreaterEqual(measures['map'], MAP_FLOOR, measures)
            self.assertLessEqual(
                measures['unrelated'], UNRELATED_CEILING, measures)
            self.assertGreaterEqual(
                measures['cross_recall'], CROSS_RECALL_FLOOR, measures)
            self.assertLessEqual(
                measures['precision_strict'], measures['precision'])

            pairs = {(r.complaint.id, r.related.id)
                for r in Related.search([])}
            self.assertTrue(pairs)
            self.assertEqual(pairs, {(b, a) for a, b in pairs})

    @with_transaction()
    def test_unseen_set(self):
        """The unseen set, among the training part of the labelled set: the
        top 5 are precise, hardly any lone complaint is shown anything and
        English complaints find their Chinese incident"""
        company = create_company()
        with set_company(company):
            entries = unseen_set()
            complaints = register_complaints(company, entries)
            measures = evaluate(complaints, entries)
            self.assertGreaterEqual(
                measures['precision'], UNSEEN_PRECISION_FLOOR, measures)
            self.assertGreaterEqual(
                measures['map'], UNSEEN_MAP_FLOOR, measures)
            self.assertLessEqual(
                measures['unrelated'], UNSEEN_UNRELATED_CEILING, measures)
            self.assertGreaterEqual(
                measures['cross_recall'], UNSEEN_CROSS_RECALL_FLOOR,
                measures)

    @with_transaction()
    def test_english(self):
        "English complaints are related whatever their case"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        company = create_company()
        with set_company(company):
            card, terminal, cheese = self.create_complaints(company, [
                    ("Foreign credit card rejected",
                        "The card terminal refuses my VISA card."),
                    ("Card terminal declines my Visa",
                        "The terminal declined my visa credit card twice."),
                    ("Mouldy cheese",
                        "The cheddar was covered in mould."),
                    ])
            Complaint.register([card, terminal, cheese])
            self.assertEqual(self.related(terminal),
                ["Foreign credit card rejected"])
            self.assertEqual(self.related(cheese), [])

    @with_transaction()
    def test_register_and_change(self):
        """Related complaints are found on registration, again when the text
        changes, and forgotten when cancelled"""
        pool = Pool()
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')
        company = create_company()
        with set_company(company):
            first, second, third = self.create_complaints(company, FREEZER)
            Complaint.register([first])
            self.assertEqual(self.count(first), 0)
            Complaint.register([second])
            self.assertEqual(self.related(second), ["冰柜坏了冰淇淋全化了"])
            self.assertEqual(self.related(first), ["冷冻柜不制冷"])

            # A received complaint is not searched yet
            self.assertEqual(self.count(third), 0)
            Complaint.register([third])
            self.assertEqual(self.count(third), 2)

            service, = Category.search([('name', '=', "Service")])
            Complaint.write([second], {
                    'subject': PARKING[0], 'description': PARKING[1],
                    'category': service.id})
            self.assertEqual(self.related(second), [])
            self.assertEqual(self.related(first), ["买到融化的雪糕"])

            Complaint.write([third], {'cancel_reason': "重复登记"})
            Complaint.cancel([third])
            self.assertEqual(self.count(first), 0)

    @with_transaction()
    def test_candidates(self):
        """Only the complaints of the company, not cancelled and not closed
        for longer than configured are candidates"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Configuration = pool.get('complaint.configuration')
        company = create_company()
        other_company = create_company(name="Other")
        now = dt.datetime.now()
        with set_company(other_company):
            other, = self.create_complaints(other_company, FREEZER[:1])
            Complaint.register([other])
        with set_company(company):
            closed, new = self.create_complaints(company, FREEZER[:2])
            Complaint.register([closed])
            Complaint.write([closed], {
                    'state': 'closed',
                    'closed_at': now - dt.timedelta(days=10),
                    })

            def candidates():
                return [c for c, _ in new.related_scores()]

            Complaint.register([new])
            self.assertEqual(candidates(), [closed])

            Complaint.write([closed], {
                    'closed_at': now - dt.timedelta(days=40)})
            self.assertEqual(candidates(), [])

            Configuration.write([Configuration(1)], {
                    'related_closed_days': 60})
            self.assertEqual(candidates(), [closed])

            Configuration.write([Configuration(1)], {
                    'related_closed_days': None})
            self.assertEqual(candidates(), [])

    @with_transaction()
    def test_postings_per_company(self):
        """The complaints of another company, however many and recent, do
        not take the place of the company's among the postings read"""
        Complaint = Pool().get('complaint.complaint')
        company = create_company()
        other_company = create_company(name="Other")
        with set_company(company):
            first, = self.create_complaints(company, FREEZER[:1])
            Complaint.register([first])
        with set_company(other_company):
            others = self.create_complaints(other_company, FREEZER * 2)
            Complaint.register(others)
        with set_company(company), patch.object(
                related_module, 'POSTINGS_LIMIT', len(FREEZER)):
            new, = self.create_complaints(company, FREEZER[1:2])
            Complaint.register([new])
            self.assertEqual([c for c, _ in new.related_scores()], [first])

    @with_transaction()
    def test_same_incident(self):
        """Linking merges incidents, both ways; taking a complaint out leaves
        the others linked"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        SameIncident = pool.get('complaint.same_incident')
        company = create_company()
        other_company = create_company(name="Other")
        with set_company(other_company):
            other, = self.create_complaints(other_company, [PARKING])
        with set_company(company):
            a, b, c = self.create_complaints(company, FREEZER)
            d, = self.create_complaints(company, [PARKING])

            def incident(complaint):
                return sorted(x.subject
                    for x in Complaint(complaint.id).same_incident)

            SameIncident.link([(a, b)])
            SameIncident.link([(c, d)])
            self.assertEqual(incident(a), [b.subject])
            self.assertEqual(incident(d), [c.subject])

            Complaint.write([b], {'same_incident': [('add', [c.id])]})
            self.assertEqual(incident(a), sorted([
                        b.subject, c.subject, d.subject]))
            self.assertEqual(SameIncident.search_count([]), 12)

            Complaint.write([a], {'same_incident': [('remove', [b.id])]})
            self.assertEqual(incident(b), [])
            self.assertEqual(incident(a), sorted([c.subject, d.subject]))

            SameIncident.link([(a, a)])
            self.assertEqual(incident(a), sorted([c.subject, d.subject]))
            with self.assertRaises(ComplaintValidationError):
                SameIncident.link([(a, other)])

    @with_transaction()
    def test_emergency_plan(self):
        """A complaint of the same incident as one of an active incident
        joins it, whenever it was received and whatever its category"""
        pool = Pool()
        Category = pool.get('complaint.category')
        Plan = pool.get('complaint.emergency_plan')
        Incident = pool.get('complaint.incident')
        SameIncident = pool.get('complaint.same_incident')
        company = create_company()
        now = dt.datetime.now()
        with set_company(company):
            owner = create_employee(company, "陈静")
            quality, = Category.search([('name', '=', "Product Quality")])
            Plan.create([{
                        'name': "商品质量投诉应急处置预案",
                        'owner': owner.id,
                        'categories': [('add', [quality.id])],
                        'activation_count': 2,
                        'activation_window': dt.timedelta(hours=24),
                        'activate_on_level': False,
                        'activate_on_media': False,
                        }])
            old, = self.create_complaints(company, FREEZER[:1],
                category="Service",
                received_at=now - dt.timedelta(days=2))
            first, second = self.create_complaints(company, FREEZER[1:])
            incident, = Incident.search([])
            self.assertEqual(
                sorted(incident.complaints), sorted([first, second]))

            SameIncident.link([(first, old)])
            incident, = Incident.search([])
            self.assertEqual(
                sorted(incident.complaints), sorted([old, first, second]))

    @with_transaction()
    def test_access(self):
        """Clerks and handlers list, count and link only the complaints they
        may read"""
        pool = Pool()
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')
        Related = pool.get('complaint.related')
        SameIncident = pool.get('complaint.same_incident')
        company = create_company()
        with set_company(company):
            handler_employee = create_employee(company, "张伟")
            other_employee = create_employee(company, "刘洋")
            quality, = Category.search([('name', '=', "Product Quality")])
            Category.write([quality], {
                    'responsible_employees': [
                        ('add', [handler_employee.id])],
                    })
            clerk = create_user('clerk', [CLERK], company)
            handler = create_user(
                'handler', [HANDLER], company, handler_employee)
            auditor = create_user('auditor', [AUDITOR], company)
            theirs, = self.create_complaints(company, FREEZER[:1])
            # Of another category and handler: hidden from both; worded as
            # the clerk's, so probably related whatever its category
            hidden, = self.create_complaints(company, FREEZER[1:2],
                category="Billing", responsible=other_employee.id)
            Complaint.register([theirs, hidden])

            with as_user(clerk):
                mine, = self.create_complaints(company, FREEZER[1:2])
                Complaint.register([mine])
                # The clerk sees their complaints and the unassigned ones:
                # the related ones are assigned
                self.assertEqual(self.count(mine), 0)
                self.assertEqual(self.related(mine), [])
                self.assertEqual(Related.search([]), [])

            with as_user(handler):
                self.assertEqual(self.related(mine), [FREEZER[0][0]])
                self.assertEqual(self.count(mine), 1)
                self.assertEqual(
                    {r.related for r in Related.search([])},
                    {Complaint(theirs.id), Complaint(mine.id)})
                row, = Related.search([('complaint', '=', mine.id)])
                Related.link_incident([row])
                self.assertEqual(
                    self.read(mine, 'same_incident'), (theirs.id,))
                with self.assertRaises(AccessError):
                    Complaint.write([mine], {
                            'same_incident': [('add', [hidden.id])]})
                with self.assertRaises(AccessError):
                    Related.write([row], {'score': 1})
                with self.assertRaises(AccessError):
                    SameIncident.create([{
                                'complaint': mine.id,
                                'related': hidden.id}])

            # Without access checks, the hidden complaint is probably related
            self.assertIn(hidden, [r.related
                    for r in Complaint(mine.id).related_complaints])

            with as_user(auditor):
                self.assertEqual(self.count(mine), 2)
                row, = Related.search([
                        ('complaint', '=', mine.id),
                        ('related', '=', theirs.id),
                        ])
                with self.assertRaises(AccessButtonError):
                    Related.unlink_incident([row])

    @with_transaction()
    def test_days_apart_and_english(self):
        """Two freezer failures of the same store weeks apart are not
        related; an English complaint finds the Chinese ones of its
        incident, and the list tells why"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Related = pool.get('complaint.related')
        company = create_company()
        now = dt.datetime.now().replace(microsecond=0)
        with set_company(company):
            old, = self.create_complaints(company, FREEZER[:1],
                received_at=now - dt.timedelta(days=20))
            first, second = self.create_complaints(company, FREEZER[1:],
                received_at=now - dt.timedelta(hours=5))
            Complaint.register([old, first, second])
            self.assertEqual(self.related(first), [FREEZER[2][0]])
            self.assertEqual(self.count(old), 0)

            english, = self.create_complaints(company, [
                    ("Melted ice cream at Wuyi Square",
                        "The ice cream I bought at your Wuyi Square store "
                        "was soft, the freezer is not cold."),
                    ], respondent=None, received_at=now)
            Complaint.register([english])
            self.assertEqual(self.related(english),
                sorted([FREEZER[1][0], FREEZER[2][0]]))
            row = Related.search([('complaint', '=', english.id)])[0]
            self.assertGreaterEqual(row.score, related_model().threshold)
            self.assertIn("same store", row.reason)
            self.assertIn("received the same day", row.reason)
            self.assertIn("freezer", row.reason)

    @with_transaction()
    def test_answers(self):
        """Same Incident and Not Same Incident are recorded as answers;
        a complaint answered not of the incident is not suggested again"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Related = pool.get('complaint.related')
        Answer = pool.get('complaint.related.answer')
        company = create_company()
        with set_company(company):
            a, b, c = self.create_complaints(company, FREEZER)
            Complaint.register([a, b, c])
            ab, = Related.search([
                    ('complaint', '=', a.id), ('related', '=', b.id)])
            ac, = Related.search([
                    ('complaint', '=', a.id), ('related', '=', c.id)])
            self.assertEqual((ab.answer, ac.answer), (None, None))

            Related.link_incident([ab])
            Related.unlink_incident([ac])
            answers = {(x.complaint.id, x.related.id): x.same
                for x in Answer.search([])}
            self.assertEqual(answers, {
                    tuple(sorted([a.id, b.id])): True,
                    tuple(sorted([a.id, c.id])): False,
                    })
            self.assertEqual(Related(ab.id).answer, 'same')
            self.assertEqual(Related(ac.id).answer, 'not_same')
            # Not linked: nothing taken out of an incident
            self.assertEqual(
                [x.id for x in Complaint(a.id).same_incident], [b.id])
            # The other way round shows the same answer
            ca, = Related.search([
                    ('complaint', '=', c.id), ('related', '=', a.id)])
            self.assertEqual(ca.answer, 'not_same')

            # Searched again, the complaint answered not of the incident is
            # not suggested
            Complaint.find_related([c])
            self.assertEqual(self.related(c), [FREEZER[1][0]])

            # Answering again replaces the answer
            Related.link_incident([Related(ab.id)])
            self.assertEqual(Answer.search_count([]), 2)

    @with_transaction()
    def test_through_another(self):
        """A complaint probably related to one found, or linked to it as the
        same incident, comes with it, marked as found through another,
        unless answered Not Same Incident"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Related = pool.get('complaint.related')
        SameIncident = pool.get('complaint.same_incident')
        company = create_company()
        with set_company(company):
            first, second = self.create_complaints(company, FREEZER[:2])
            parking, receipt = self.create_complaints(company, [PARKING,
                    ("小票看不清", "五一广场店打印的小票字迹模糊，看不清金额。")])
            Complaint.register([first, second, parking, receipt])
            self.assertEqual(self.related(parking), [])
            # As if the module had found the parking complaint related to
            # the first freezer complaint
            Related.create([{
                        'complaint': a.id, 'related': b.id, 'score': 0.99,
                        'logit': 5.0, 'shared': '', 'same_store': True,
                        'days_apart': 0,
                        } for a, b in [(first, parking), (parking, first)]])

            third, = self.create_complaints(company, FREEZER[2:])
            Complaint.register([third])
            self.assertIn(PARKING[0], self.related(third))
            row, = Related.search([
                    ('complaint', '=', third.id),
                    ('related', '=', parking.id)])
            self.assertTrue(row.indirect)
            self.assertIn("related to the same complaints", row.reason)
            self.assertGreaterEqual(row.score, related_model().threshold)
            self.assertFalse(Related.search([
                        ('complaint', '=', third.id),
                        ('related', '=', first.id)])[0].indirect)

            Related.unlink_incident([row])
            Complaint.find_related([third])
            self.assertNotIn(PARKING[0], self.related(third))
            self.assertIn(FREEZER[0][0], self.related(third))
            self.assertNotIn("小票看不清", self.related(third))

            # A handler linked the receipt to the first freezer complaint
            SameIncident.link([(first, receipt)])
            Complaint.find_related([third])
            row, = Related.search([
                    ('complaint', '=', third.id),
                    ('related', '=', receipt.id)])
            self.assertTrue(row.indirect)

    @with_transaction()
    def test_answers_calibrate(self):
        """Once there are enough answers of the company, they shift the
        log-odds of the next searches, within the bound"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Answer = pool.get('complaint.related.answer')
        company = create_company()
        with set_company(company):
            freezer = self.create_complaints(company, FREEZER)
            Complaint.register(freezer)
            before = {c.id: p for c, p in freezer[-1].related_scores()}
            self.assertTrue(before)

            # Not Same Incident on pairs the model found very probable
            others = self.create_complaints(
                company, [PARKING] * (2 * MIN_ANSWERS))
            answers = [{
                    'complaint': a.id, 'related': b.id,
                    'same': False, 'logit': 3.0,
                    } for a, b in zip(others[::2], others[1::2])]
            with without_check_access():
                Answer.create(answers[1:])
            Answer._calibration_cache.clear()
            self.assertEqual(Answer.calibration(company.id), 0)
            with without_check_access():
                Answer.create(answers[:1])
            Answer._calibration_cache.clear()
            shift = Answer.calibration(company.id)
            self.assertLess(shift, 0)
            self.assertGreaterEqual(shift, -MAX_SHIFT)

            after = {c.id: p for c, p in freezer[-1].related_scores()}
            self.assertEqual(set(after), set(before))
            for complaint_id, probability in after.items():
                self.assertAlmostEqual(
                    logit(probability) - logit(before[complaint_id]),
                    shift, places=6)
