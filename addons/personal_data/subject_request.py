# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Subject requests: a person asks what is held about them (PIPL Art. 45),
or asks for its erasure (Art. 47)

The data protection officer types the person's name, phone or email and
finds what is held; the list is exported as a document for the person, and
erased with a reason, except what a hold keeps, shown line by line."""
import shutil
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company import CompanyReport
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.timezone import report_helpers
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import eraser, subject_search
from .erasure_log import KINDS
from .exceptions import SubjectRequestError

BLOCKS = [
    (None, ""),
    ('open', "Complaint Not Closed"),
    ('incident', "Part of an Emergency Incident"),
    ('hold', "Legal Hold"),
    ('law', "Kept by Law until Its Period Ends"),
    ('staff', "Employee or Company"),
    ]


class SubjectRequest(EnforcedStatesMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'personal_data.subject_request'
    _rec_name = 'number'

    _draft = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", required=True,
        states=_draft)
    received_on = fields.Date("Received On", required=True, states=_draft,
        help="When the person made the request.")
    name = fields.Char("Name", states=_draft,
        help="The person's name, as the complaints and parties hold it.")
    phone = fields.Char("Phone", states=_draft,
        help="Found however it was typed.")
    email = fields.Char("Email", states=_draft)
    state = fields.Selection([
            ('draft', "Draft"),
            ('found', "Found"),
            ('exported', "Exported"),
            ('erased', "Erased"),
            ], "State", readonly=True, required=True, sort=False)
    lines = fields.One2Many(
        'personal_data.subject_request.line', 'request', "Records Found",
        states={'readonly': ~Eval('state').in_(['found', 'exported'])},
        help="Remove the records that are not about the person before "
        "exporting or erasing.")
    reason = fields.Text("Erasure Reason",
        states={
            'readonly': Eval('state') == 'erased',
            'invisible': Eval('state') == 'draft',
            },
        help="Why the person's data is erased: their request, the purpose "
        "reached, consent withdrawn.")
    found_at = fields.Timestamp("Found At", readonly=True)
    exported_at = fields.Timestamp("Exported At", readonly=True)
    exported_by = fields.Many2One('res.user', "Exported By", readonly=True)
    erased_at = fields.Timestamp("Erased At", readonly=True)
    erased_by = fields.Many2One('res.user', "Erased By", readonly=True)

    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.state, Index.Equality(cardinality='low')),
                where=t.state.in_(['draft', 'found', 'exported'])))
        cls._order = [('received_on', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'found'),
            ('found', 'draft'),
            ('exported', 'draft'),
            ('found', 'exported'),
            ('found', 'erased'),
            ('exported', 'erased'),
            }
        cls._buttons.update({
                'find': {
                    'invisible': ~Eval('state').in_(['draft', 'found']),
                    'icon': If(Eval('state') == 'draft',
                        'tryton-search', 'tryton-refresh'),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(['found', 'exported']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'export': {
                    'invisible': ~Eval('state').in_(['found', 'exported']),
                    'icon': 'tryton-print',
                    'depends': ['state'],
                    },
                'erase': {
                    'invisible': ~Eval('state').in_(['found', 'exported']),
                    'icon': 'tryton-clear',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_received_on(cls):
        return clock.now().date()

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        vlist = [v.copy() for v in vlist]
        sequence = Sequence(ModelData.get_id(
                'personal_data', 'sequence_subject_request'))
        with without_check_access():
            for values in vlist:
                if not values.get('number'):
                    values['number'] = sequence.get()
        return super().create(vlist)

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'lines', 'reason', 'found_at', 'exported_at',
                'exported_by', 'erased_at', 'erased_by']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        return super().copy(requests, default=default)

    @classmethod
    @ModelView.button
    def find(cls, requests):
        """List what is held about the person; found again, the list is
        replaced"""
        pool = Pool()
        Line = pool.get('personal_data.subject_request.line')
        requests = [r for r in requests if r.state in {'draft', 'found'}]
        for request in requests:
            if not any([(request.name or '').strip(),
                        (request.phone or '').strip(),
                        (request.email or '').strip()]):
                raise SubjectRequestError(gettext(
                        'personal_data.msg_request_needs_identifier',
                        request=request.rec_name))
        with without_check_access():
            Line.delete(Line.search([
                        ('request', 'in', [r.id for r in requests]),
                        ]))
            vlist = []
            for request in requests:
                for kind, record in subject_search.find(
                        request.name, request.phone, request.email):
                    vlist.append({
                            'request': request.id,
                            'kind': kind,
                            'resource': str(record),
                            'blocked': subject_search.blocked_reason(
                                kind, record),
                            })
            Line.create(vlist)
            cls.write(requests, {'found_at': clock.now()})
        cls._found(requests)

    @classmethod
    @Workflow.transition('found')
    def _found(cls, requests):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, requests):
        pool = Pool()
        Line = pool.get('personal_data.subject_request.line')
        with without_check_access():
            Line.delete(Line.search([
                        ('request', 'in', [r.id for r in requests]),
                        ]))
            cls.write(requests, {'found_at': None})

    @classmethod
    @ModelView.button_action('personal_data.report_subject_request')
    def export(cls, requests):
        "Print the list of what is held, for the person"
        requests = [r for r in requests if r.state in {'found', 'exported'}]
        cls._export(requests)
        with without_check_access():
            cls.write(requests, {
                    'exported_at': clock.now(),
                    'exported_by': Transaction().user or None,
                    })

    @classmethod
    @Workflow.transition('exported')
    def _export(cls, requests):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('erased')
    def erase(cls, requests):
        """Erase what was found, except what a hold keeps; the query is
        masked so that the request no longer tells who asked"""
        pool = Pool()
        Log = pool.get('personal_data.erasure_log')
        for request in requests:
            if not (request.reason or '').strip():
                raise SubjectRequestError(gettext(
                        'personal_data.msg_request_needs_reason',
                        request=request.rec_name))
        with without_check_access():
            for request in requests:
                counts = request._erase_lines()
                for kind, _ in KINDS:
                    Log.record(kind, counts.get(kind, 0), 'request',
                        request=request)
            cls.write(requests, {
                    'erased_at': clock.now(),
                    'erased_by': Transaction().user or None,
                    })
            for request in requests:
                cls.write([request], {
                        'name': eraser.mask_name(request.name),
                        'phone': eraser.mask_phone(request.phone),
                        'email': eraser.mask_email(request.email),
                        })

    def _erase_lines(self):
        """Erase the records of the lines that nothing holds, mark the
        others with what holds them; return the counts by kind"""
        pool = Pool()
        Line = pool.get('personal_data.subject_request.line')
        records = defaultdict(list)
        to_write = []
        for line in self.lines:
            if line.erased:
                continue
            record = line.record
            blocked = (subject_search.blocked_reason(line.kind, record)
                if record is not None else None)
            if blocked != line.blocked:
                to_write.extend(([line], {'blocked': blocked}))
            if blocked or record is None:
                continue
            records[line.kind].append(record)
            to_write.extend(([line], {'erased': True}))
        counts = self._erase_records(records)
        if to_write:
            Line.write(*to_write)
        return counts

    @classmethod
    def _erase_records(cls, records):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Feedback = pool.get('complaint.feedback')
        Email = pool.get('complaint.email')
        counts = {}
        # The files and emails first: the identity is searched in them
        counts['attachment'] = eraser.delete_attachment_records(
            records['attachment'])
        feedbacks = eraser.claim_marked(
            Feedback, [f.id for f in records['feedback']])
        counts['feedback'] = eraser.erase_feedbacks(Feedback.browse(feedbacks))
        emails = [r for r in records['email'] if r.__name__ == Email.__name__]
        inbound = [r for r in records['email'] if r not in emails]
        emails = eraser.claim_marked(Email, [e.id for e in emails])
        counts['email'] = eraser.erase_emails(Email.browse(emails))
        counts['email'] += eraser.delete_inbound_emails([
                ('id', 'in', [i.id for i in inbound])]) if inbound else 0
        complaints = eraser.claim_marked(
            Complaint, [c.id for c in records['complaint']])
        counts['complaint'] = eraser.erase_complaints(
            Complaint.browse(complaints))
        counts['party'] = eraser.erase_parties(records['party'])
        return counts


class SubjectRequestLine(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'personal_data.subject_request.line'

    request = fields.Many2One('personal_data.subject_request', "Request",
        required=True, readonly=True, ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True,
        sort=False)
    kind_string = kind.translated('kind')
    resource = fields.Char("Resource", required=True, readonly=True)
    record_name = fields.Function(fields.Char("Record"), 'get_described')
    details = fields.Function(fields.Text("What Is Held"), 'get_described')
    blocked = fields.Selection(BLOCKS, "Kept Because", readonly=True,
        sort=False,
        help="Why the record is not erased at the request.")
    blocked_string = blocked.translated('blocked')
    erased = fields.Boolean("Erased", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('request')
        cls._order = [('request', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_erased(cls):
        return False

    @property
    def record(self):
        "The record of the line, read by the system; None when deleted"
        pool = Pool()
        model, _, id_ = self.resource.partition(',')
        Model = pool.get(model)
        with without_check_access(), Transaction().set_context(
                active_test=False):
            records = Model.search([('id', '=', int(id_))])
        return records[0] if records else None

    @classmethod
    def get_described(cls, lines, names):
        result = {n: {} for n in names}
        with without_check_access():
            for line in lines:
                record = line.record
                if 'record_name' in names:
                    result['record_name'][line.id] = (
                        record.rec_name if record is not None
                        else gettext('personal_data.msg_record_deleted'))
                if 'details' in names:
                    result['details'][line.id] = (
                        subject_search.describe(record)
                        if record is not None else '')
        return result

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external and mode in {'create', 'write'}:
            # Only the search makes lines; the officer may only remove
            # those that are not about the person
            raise AccessError(gettext('personal_data.msg_line_readonly'))


class SubjectRequestReport(CompanyReport):
    __name__ = 'personal_data.subject_request.report'

    @classmethod
    def check_access(cls, action, model, ids):
        pool = Pool()
        Request = pool.get('personal_data.subject_request')
        # Only through its own action, on requests that were exported by
        # the button (which logs who exported and when)
        if (action.report_name != cls.__name__
                or model != Request.__name__):
            raise AccessError(gettext('personal_data.msg_report_action'))
        super().check_access(action, model, ids)
        if Transaction().user:
            for request in Request.browse(ids):
                if request.state != 'exported':
                    raise AccessError(gettext(
                            'personal_data.msg_report_not_exported',
                            request=request.rec_name))

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context.update(report_helpers())
        return context

    @classmethod
    def convert(cls, report, data, **kwargs):
        if shutil.which('soffice') is None:
            # Without LibreOffice the document is delivered as ODT
            return report.template_extension, data
        return super().convert(report, data, **kwargs)
