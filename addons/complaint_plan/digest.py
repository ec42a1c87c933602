# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The staff's mails of the complaints: the approval turn and the leaders'
daily digest of pending approvals and overdue complaints"""
from html import escape

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.email_ import format_address
from trytond.transaction import Transaction, without_check_access

from trytond.modules.public_page.lists import join_names
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.mail import queue_mail, record_url
from trytond.modules.scheduled_activity.notify import users_of_groups
from trytond.modules.scheduled_activity.res import channel_field
from trytond.modules.scheduled_activity.timezone import (
    format_company_date, format_company_datetime)

from .deadline import CLOCK_STATES


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    notice_approval = channel_field("Approval Turn")
    leaders_digest = fields.Boolean(
        "Leaders' Daily Digest",
        help="For the members of the leading group: each morning a mail "
        "lists the pending approvals and the overdue complaints.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields += ['notice_approval', 'leaders_digest']

    @classmethod
    def default_notice_approval(cls):
        # An approver away from the web client holds the plan up
        return 'email'

    @classmethod
    def default_leaders_digest(cls):
        return True


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('complaint.complaint|send_leaders_digest',
                "Mail the Leaders' Daily Digest"))


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    @classmethod
    @without_check_access
    def send_leaders_digest(cls):
        """Mail each member of the leading group who asks for it the pending
        approvals and the overdue complaints of their companies, in their
        language; nothing when there are none"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Approval = pool.get('complaint.approval')
        Lang = pool.get('ir.lang')
        now = clock.now()
        leaders = users_of_groups([ModelData.get_id(
                    'complaint_plan', 'group_leading_group')])
        default_language = Transaction().language
        # Leaders of the same companies share their lists: searched once
        listed = {}
        for leader in sorted(leaders, key=lambda u: u.id):
            if not leader.email or not leader.leaders_digest:
                continue
            companies = tuple(sorted(c.id for c in leader.companies)) or (
                (leader.company.id,) if leader.company else ())
            if companies not in listed:
                listed[companies] = (
                    Approval.search([
                            ('state', '=', 'pending'),
                            ('complaint.company', 'in', list(companies)),
                            ], order=[('due', 'ASC'), ('id', 'ASC')]),
                    cls.search([
                            ('company', 'in', list(companies)),
                            ('state', 'in', CLOCK_STATES),
                            ('resolution_due', '<', now),
                            ], order=[
                            ('resolution_due', 'ASC'), ('id', 'ASC')]))
            approvals, complaints = listed[companies]
            if not approvals and not complaints:
                continue
            language = (leader.language.code if leader.language
                else default_language)
            with Transaction().set_context(language=language):
                lang = Lang.get(language)
                company = leader.company or (
                    complaints or approvals)[0].company
                subject = gettext(
                    'complaint_plan.msg_leaders_digest_subject',
                    date=format_company_date(company, now, lang),
                    approvals=len(approvals), complaints=len(complaints))
                html = leaders_digest_html(
                    Approval.browse(approvals), cls.browse(complaints), lang)
                queue_mail(leader,
                    [format_address(leader.email, leader.name)],
                    subject, html, language=language)


def leaders_digest_html(approvals, complaints, lang):
    """The body of the leaders' digest, in the language of the context:
    numbers, steps, levels, due times and handlers, never what the
    complainant wrote"""
    def link(record):
        return '<a href="%s">%s</a>' % (
            escape(record_url(record)), escape(record.rec_name))

    def section(title_id, empty_id, items):
        lines = ['<h3>%s</h3>' % escape(gettext(title_id))]
        if items:
            lines += ['<ul>', *('<li>%s</li>' % i for i in items), '</ul>']
        else:
            lines.append('<p>%s</p>' % escape(gettext(empty_id)))
        return lines

    approval_items = [
        escape(gettext('complaint_plan.msg_leaders_digest_approval',
                due=format_company_datetime(
                    a.complaint.company, a.due, lang),
                approvers=join_names(u.rec_name for u in a.candidates)))
        + '<br/>' + link(a)
        for a in approvals]
    complaint_items = [
        escape(gettext('complaint_plan.msg_leaders_digest_complaint',
                level=c.level.rec_name if c.level else '',
                due=format_company_datetime(c.company, c.resolution_due, lang),
                responsible=(c.responsible.rec_name
                    if c.responsible else '-')))
        + '<br/>' + link(c)
        for c in complaints]
    return '\n'.join(
        section('complaint_plan.msg_leaders_digest_approvals',
            'complaint_plan.msg_leaders_digest_no_approval', approval_items)
        + section('complaint_plan.msg_leaders_digest_complaints',
            'complaint_plan.msg_leaders_digest_no_complaint',
            complaint_items)
        + ['<p><small>%s</small></p>' % escape(
                gettext('complaint_plan.msg_leaders_digest_why'))])
