# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The access policy of the reports: the officers, the leaders, and the
users excluded for a conflict of interest, to whom a report is missing"""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.scheduled_activity.enforce import user_call
from trytond.modules.scheduled_activity.values import missing_error
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from .exceptions import CopyError, ReportAccessError, ReportValidationError


def officer_group_id():
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    return ModelData.get_id('whistleblower', 'group_whistleblower_officer')


def check_officer():
    "Raise unless the user is a case officer"
    pool = Pool()
    User = pool.get('res.user')
    transaction = Transaction()
    if transaction.user and officer_group_id() not in User.get_groups():
        raise ReportAccessError(gettext('whistleblower.msg_officer_only'))


def check_leader():
    "Raise unless the user is a leader"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    group_id = ModelData.get_id('whistleblower', 'group_whistleblower_leader')
    if transaction.user and group_id not in User.get_groups():
        raise ReportAccessError(gettext('whistleblower.msg_leader_only'))


def report_models():
    "Return the models of the reports and of their records"
    return [Model for _, Model in Pool().iterobject()
        if issubclass(Model, ExcludedAsMissingMixin)]


def report_records(resources):
    """Return by model the ids of the resources ("model,id") that are
    reports or records of a report"""
    pool = Pool()
    records = defaultdict(set)
    for resource in filter(None, resources):
        name, _, record_id = resource.partition(',')
        try:
            Model = pool.get(name)
        except KeyError:
            continue
        if issubclass(Model, ExcludedAsMissingMixin) and record_id.isdigit():
            records[Model].add(int(record_id))
    return records


def officer_users(exclude_reports=()):
    "Return the active case officers not excluded from the reports"
    pool = Pool()
    User = pool.get('res.user')
    with without_check_access():
        users = User.search([
                ('groups', '=', officer_group_id()),
                ])
    excluded = {u for r in exclude_reports for u in r.excluded_users}
    return [u for u in users if u not in excluded]


class Activity(metaclass=PoolMeta):
    __name__ = 'scheduled.activity'

    @classmethod
    def _notify(cls, activities, recipient, label_id):
        "Give no notice of a report's activity to the users excluded from it"
        pool = Pool()
        Excluded = pool.get('whistleblower.report-res.user')
        report_ids = {a.resource.id for a in activities
            if a.resource and a.resource.__name__ == 'whistleblower.report'}
        skipped = {}
        if report_ids:
            with without_check_access():
                for exclusion in Excluded.search([
                            ('report', 'in', list(report_ids)),
                            ]):
                    skipped.setdefault(exclusion.report.id, set()).add(
                        exclusion.user.id)
        groups = {}
        for activity in activities:
            skip = frozenset()
            if (activity.resource
                    and activity.resource.__name__ == 'whistleblower.report'):
                skip = frozenset(skipped.get(activity.resource.id, ()))
            groups.setdefault(skip, []).append(activity)
        for skip, group in groups.items():
            # Read by res.user-company.employee's search (see company.py)
            with Transaction().set_context(
                    _whistleblower_skip_users=sorted(skip)):
                super()._notify(group, recipient, label_id)


class ReportExclusionMixin:
    "The users excluded from a report and the hand-over of their work"
    __slots__ = ()

    excluded_users = fields.Many2Many(
        'whistleblower.report-res.user', 'report', 'user', "Excluded Users",
        states={
            'readonly': Eval('state') == 'closed',
            },
        help="Users with a conflict of interest: "
        "they can read neither the report nor the reporter.")

    @classmethod
    @without_check_access
    def _hand_over(cls, reports):
        """Give the reports whose case officer is excluded to another
        officer, and the planned activities of excluded users to the case
        officer, with their reminders to come"""
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        UserEmployee = pool.get('res.user-company.employee')
        for report in cls.browse(reports):
            if not report.excluded_users:
                continue
            excluded = {l.employee.id for l in UserEmployee.search([
                        ('user', 'in', [u.id for u in report.excluded_users]),
                        ])}
            officer = report.case_officer
            if officer.id in excluded:
                officer = cls._other_officer(report, excluded)
                cls.write([report], {'case_officer': officer.id})
            activities = Activity.search([
                    ('resource', '=', str(report)),
                    ('state', '=', 'planned'),
                    ('assignee', 'in', list(excluded)),
                    ])
            if activities:
                Activity.write(activities, {
                        'assignee': officer.id,
                        'reminded_at': None,
                        'overdue_notified_at': None,
                        'escalated_at': None,
                        })

    @classmethod
    def _other_officer(cls, report, excluded_employees):
        "Return the employee of a case officer who is not excluded"
        for user in sorted(officer_users([report]), key=lambda u: u.id):
            employees = ([user.employee] if user.employee else []) + sorted(
                user.employees, key=lambda e: e.id)
            for employee in employees:
                if (employee.company == report.company
                        and employee.id not in excluded_employees):
                    return employee
        raise ReportValidationError(gettext(
                'whistleblower.msg_no_other_officer',
                report=report.rec_name))


class CopyRefusedMixin:
    "Refuse to duplicate the records of what happened on a report"
    __slots__ = ()

    @classmethod
    def copy(cls, records, default=None):
        # A copy keeps the text, the author and the date, on any report: it
        # would forge the conversation, the notes, the identity or the log
        if records:
            raise CopyError(gettext(
                    'whistleblower.msg_record_no_copy', **cls.__names__()))
        return super().copy(records, default=default)


class ExcludedIdsMixin:
    """Answer the calls naming records of a report that the user is
    excluded from with the error of the ids that do not exist

    The classes define `_excluded_ids(ids)`, which returns those records."""
    __slots__ = ()

    @classmethod
    def _existing_ids(cls, ids):
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        result = set()
        for sub_ids in grouped_slice(ids):
            cursor.execute(*table.select(
                    table.id, where=reduce_ids(table.id, sub_ids)))
            result.update(i for i, in cursor)
        return result

    @classmethod
    def _raise_missing(cls, ids, mode='read', always=False):
        """Raise the error of the ids that do not exist for those the user
        is excluded from, and for those that do not exist when always"""
        ids = {i for i in ids if isinstance(i, int) and i >= 0}
        if not ids or not Transaction().user:
            return
        excluded = cls._excluded_ids(ids)
        if not excluded and not always:
            return
        # As ModelSQL lists the ids that fail: a set difference
        wrong_ids = ids.difference(cls._existing_ids(ids) - excluded)
        if wrong_ids:
            raise missing_error(cls, wrong_ids, mode)

    @classmethod
    def copy(cls, records, default=None):
        if user_call():
            # The copy reads the records without access checks
            cls.read([r.id for r in records], ['id'])
        return super().copy(records, default=default)


class ExcludedAsMissingMixin(ExcludedIdsMixin):
    """To a user excluded from a report, the report and its records are
    missing ones

    The conflict-of-interest rules would refuse them with an error naming
    the rule, which tells that the record exists. Before the rules, every
    call of a user that names such records by their id (read, export,
    write, delete, copy, the buttons, wizards and reports, which all read
    first) gets the error of the ids that do not exist, word for word. The
    rules still apply, so nothing is opened by this.
    """
    __slots__ = ()
    # The Many2One to the report, None for the report itself
    _report_field = 'report'

    @classmethod
    def _excluded_ids(cls, ids):
        "Return the ids of the records of reports the user is excluded from"
        pool = Pool()
        Excluded = pool.get('whistleblower.report-res.user')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        excluded = Excluded.__table__()
        table = cls.__table__()
        result = set()
        for sub_ids in grouped_slice(ids):
            if cls._report_field is None:
                query = excluded.select(excluded.report,
                    where=(excluded.user == transaction.user)
                    & reduce_ids(excluded.report, sub_ids))
            else:
                column = getattr(table, cls._report_field)
                query = table.join(excluded,
                    condition=column == excluded.report
                    ).select(table.id,
                    where=(excluded.user == transaction.user)
                    & reduce_ids(table.id, sub_ids))
            cursor.execute(*query)
            result.update(i for i, in cursor)
        return result

    @classmethod
    def _before_read(cls, ids, fields_names):
        # After the model and field access checks, as for a missing id
        ids, fields_names = super()._before_read(ids, fields_names)
        if user_call():
            cls._raise_missing(ids)
        return ids, fields_names

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        # Before anything reads the records: their state would tell
        if external:
            cls._raise_missing_modification(mode, records, values)
        super().check_modification(
            mode, records, values=values, external=external)

    @classmethod
    def _raise_missing_modification(cls, mode, records, values):
        pool = Pool()
        Report = pool.get('whistleblower.report')
        if mode in {'write', 'delete'}:
            cls._raise_missing(
                [r.id for r in records], mode={
                    'write': 'write', 'delete': 'read'}[mode],
                always=True)
        if (cls._report_field is not None and values
                and isinstance(values.get(cls._report_field), int)):
            # A record moved to a report is read from that report
            Report._raise_missing([values[cls._report_field]], always=True)

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Report = pool.get('whistleblower.report')
        if user_call() and cls._report_field is not None:
            # Before the rules of creation, which name what fails
            ModelAccess.check(cls.__name__, 'create')
            Report._raise_missing(
                [v.get(cls._report_field) for v in vlist], always=True)
        return super().create(vlist)

    def resources(self):
        # The counts of attachments and notes would tell it exists
        if user_call():
            self.read([self.id], ['id'])
        return super().resources()


class ExcludedResourceAsMissingMixin(ExcludedIdsMixin):
    """To a user excluded from a report, the attachments and notes of the
    report and of its records are missing ones

    ResourceAccessMixin checks first the access to the resource, whose
    rules name the report: before it, every call of a user that names such
    attachments or notes by their id, or such a resource, gets the error of
    the ids that do not exist. Its search already finds only those of the
    resources that the user may read.
    """
    __slots__ = ()

    @classmethod
    def _resources(cls, ids):
        "Return the ids of the records by their resource"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        resources = defaultdict(list)
        for sub_ids in grouped_slice(ids):
            cursor.execute(*table.select(table.id, table.resource,
                    where=reduce_ids(table.id, sub_ids)))
            for record_id, resource in cursor:
                resources[resource].append(record_id)
        return resources

    @classmethod
    def _excluded_ids(cls, ids):
        """Return the ids of those on the reports the user is excluded from
        and on their records"""
        resources = cls._resources(ids)
        result = set()
        for Model, record_ids in report_records(resources).items():
            for record_id in Model._excluded_ids(record_ids):
                result.update(resources[f'{Model.__name__},{record_id}'])
        return result

    @classmethod
    def _raise_missing_resources(cls, resources, mode):
        """Raise the error of the ids that do not exist for the reports and
        their records among the resources that the user is excluded from
        or that do not exist"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        for Model, ids in report_records(resources).items():
            # As trytond checks the resource: who may not write its model
            # learns nothing of its records
            for model_name, check_mode in cls._convert_check_access(
                    Model.__name__, mode):
                ModelAccess.check(model_name, check_mode)
            Model._raise_missing(ids, always=True)

    @classmethod
    def read(cls, ids, fields_names):
        if user_call():
            cls._raise_missing(ids)
        return super().read(ids, fields_names)

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        if user_call():
            # As trytond refuses first who may not create any
            ModelAccess.check(cls.__name__, 'create')
            cls._raise_missing_resources([cls.resource.sql_format(
                        v['resource'] if 'resource' in v
                        else cls.default_resource())
                    for v in vlist], 'create')
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        if user_call():
            actions = iter(args)
            for records, values in zip(actions, actions):
                # Also those that do not exist: a note marked read is
                # written to another table, where PostgreSQL would answer
                # with the error of its foreign key
                cls._raise_missing([r.id for r in records], always=True)
                if 'resource' in values:
                    cls._raise_missing_resources(
                        [cls.resource.sql_format(values['resource'])],
                        'write')
        super().write(*args)

    @classmethod
    def delete(cls, records):
        if user_call():
            cls._raise_missing([r.id for r in records])
        super().delete(records)
