# This file is part of the complaint_plan module.
"""The handling plan as a record: each submission freezes a version

The handler writes the six elements of the plan on the complaint. Submitting
the plan for approval, or starting to carry it out when the level has no
approval chain, copies them into a new *Plan Version* that nobody changes
afterwards: the approvers decide on that version, processing carries out the
approved one, the documents print it. A change after submission goes through
"Revise Plan" and a new version, compared element by element with the
previous one.
"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import (
    EnforcedStatesMixin, user_call)
from trytond.pool import Pool
from trytond.transaction import Transaction

# The six elements of the seed's plan (安全事故客诉 §四.3) and their fields
ELEMENTS = [
    ('team', ['investigation_team', 'investigation_duties']),
    ('time_place', ['investigation_time', 'investigation_place']),
    ('methods', ['investigation_methods']),
    ('measures', [
            'measures', 'compensation_amount', 'compensation_description']),
    ('responsibility', ['responsibility']),
    ('prevention', ['prevention']),
    ]
# What a version copies from the complaint: the elements' fields and the
# currency of the compensation
PLAN_FIELDS = [name for _, names in ELEMENTS for name in names] + ['currency']
# A version in one of these states is the plan to carry out
CARRIED_OUT = ['approved', 'adopted']


def element_label(code):
    "The translated heading of the element, numbered as on the form"
    return gettext(f'complaint_plan.msg_plan_element_{code}')


class PlanVersion(EnforcedStatesMixin, ModelSQL, ModelView):
    "Handling plan version"
    __name__ = 'complaint.plan.version'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    number = fields.Integer("Version", required=True, readonly=True)
    state = fields.Selection([
            ('submitted', "Awaiting Approval"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('withdrawn', "Withdrawn"),
            ('adopted', "Carried Out Without Approval"),
            ], "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    previous = fields.Many2One('complaint.plan.version', "Previous Version",
        readonly=True, ondelete='SET NULL')
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True)
    submitted_at = fields.Timestamp("Frozen At", readonly=True)
    decided_at = fields.Timestamp("Decided At", readonly=True)

    # The six elements, as the complaint had them when frozen
    investigation_team = fields.Many2Many(
        'complaint.plan.version-company.employee', 'version', 'employee',
        "Investigation Team", readonly=True)
    investigation_duties = fields.Text("Team Duties", readonly=True)
    investigation_time = fields.DateTime("Investigation Time", readonly=True)
    investigation_place = fields.Char("Investigation Place", readonly=True)
    investigation_methods = fields.Text("Methods and Means", readonly=True)
    measures = fields.Text("Measures", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)
    compensation_amount = Monetary("Compensation", currency='currency',
        digits='currency', readonly=True)
    compensation_description = fields.Char("Compensation Details",
        readonly=True)
    responsibility = fields.Text("Responsibility Determination",
        readonly=True)
    prevention = fields.Text("Prevention and Improvement", readonly=True)

    approvals = fields.One2Many('complaint.approval', 'plan_version',
        "Approvals", readonly=True)
    changes = fields.Function(fields.Text("Changes Since the Previous Version",
            help="What changed in each element of the plan since the "
            "previous version."), 'get_changes')
    changed_elements = fields.Function(fields.Char("Changed Elements"),
        'get_changed_elements')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('complaint')
        cls._sql_constraints += [
            ('complaint_number_unique', Unique(t, t.complaint, t.number),
                'complaint_plan.msg_plan_version_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.complaint, Index.Equality()),
                (t.number, Index.Range(order='DESC'))))
        cls._order = [('complaint', 'ASC'), ('number', 'DESC'), ('id', 'DESC')]

    @classmethod
    def create(cls, vlist):
        # Refused before anything is stored
        if user_call():
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, versions, values=None, external=False):
        # Read access follows the complaint's, whose writers would
        # otherwise write its versions too
        if external:
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        super().check_modification(
            mode, versions, values=values, external=external)

    def get_rec_name(self, name):
        return gettext('complaint_plan.msg_plan_version_rec_name',
            complaint=self.complaint.rec_name, number=self.number)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('complaint.rec_name', *clause[1:])]

    # Freezing

    @classmethod
    def freeze(cls, complaints, state):
        """Freeze the plans of the complaints into new versions in the
        state; return them in the order of the complaints"""
        user = Transaction().user
        now = clock.now()
        vlist = []
        for complaint in complaints:
            previous = complaint.plan_version
            values = {
                'complaint': complaint.id,
                'number': previous.number + 1 if previous else 1,
                'previous': previous.id if previous else None,
                'state': state,
                'submitted_by': user or None,
                'submitted_at': now,
                }
            for name in PLAN_FIELDS:
                value = getattr(complaint, name)
                if name == 'investigation_team':
                    value = [('add', [e.id for e in value])]
                elif isinstance(value, ModelSQL):
                    value = value.id
                values[name] = value
            vlist.append(values)
        return cls.create(vlist)

    @classmethod
    def decide(cls, versions, state):
        "Record the outcome of the approval of the submitted versions"
        versions = [v for v in versions if v.state == 'submitted']
        if versions:
            cls.write(versions, {'state': state, 'decided_at': clock.now()})

    # Reading

    def _comparable(self, names):
        "The comparable values of the fields"
        values = {}
        for name in names:
            value = getattr(self, name)
            if name == 'investigation_team':
                value = tuple(sorted(e.id for e in value))
            elif isinstance(value, ModelSQL):
                value = value.id
            elif isinstance(value, str):
                value = value.strip() or None
            values[name] = value
        return values

    def format_value(self, name):
        "The field's value as a reader sees it, in the context's language"
        pool = Pool()
        Lang = pool.get('ir.lang')
        value = getattr(self, name)
        if name == 'investigation_team':
            return '、'.join(sorted(e.rec_name for e in value)) or None
        if value is None or value == '':
            return None
        if name == 'investigation_time':
            from trytond.modules.scheduled_activity.timezone import (
                format_company_datetime)
            return format_company_datetime(self.complaint.company, value)
        if name == 'compensation_amount':
            lang = Lang.get()
            if self.currency:
                return lang.currency(value, self.currency, grouping=True)
            return lang.format_number(value, grouping=True, monetary=True)
        if isinstance(value, str):
            return value.strip() or None
        return str(value)

    def element_text(self, code):
        "The element as lines of 'Field: value', empty fields left out"
        names = dict(ELEMENTS)[code]
        strings = self.__class__.fields_get(names)
        lines = []
        for name in names:
            text = self.format_value(name)
            if text is None:
                continue
            label = strings[name]['string']
            if '\n' in text:
                lines.append(gettext(
                        'complaint_plan.msg_plan_field_heading', field=label))
                lines.extend(f"  {line}" for line in text.splitlines())
            else:
                lines.append(gettext('complaint_plan.msg_plan_field',
                        field=label, value=text))
        return '\n'.join(lines)

    def changed_codes(self):
        "The codes of the elements that differ from the previous version"
        if not self.previous:
            return [code for code, _ in ELEMENTS]
        return [code for code, names in ELEMENTS
            if self._comparable(names) != self.previous._comparable(names)]

    def get_changed_elements(self, name):
        if not self.previous:
            return gettext('complaint_plan.msg_plan_diff_first_short')
        codes = self.changed_codes()
        if not codes:
            return gettext('complaint_plan.msg_plan_diff_none_short')
        return '; '.join(element_label(c) for c in codes)

    def get_changes(self, name):
        """A readable, translated comparison with the previous version: for
        each changed element, the changed fields as they were and as they
        are now; then the unchanged elements"""
        if not self.previous:
            return gettext('complaint_plan.msg_plan_diff_first',
                number=self.number)
        previous = self.previous
        strings = self.__class__.fields_get(PLAN_FIELDS)
        empty = gettext('complaint_plan.msg_plan_diff_empty')
        blocks, unchanged = [], []
        for code, names in ELEMENTS:
            before, after = previous._comparable(names), self._comparable(names)
            if before == after:
                unchanged.append(element_label(code))
                continue
            lines = [element_label(code)]
            for name in names:
                if before[name] == after[name]:
                    continue
                lines.append(gettext('complaint_plan.msg_plan_field_heading',
                        field=strings[name]['string']))
                for message, version in [
                        ('complaint_plan.msg_plan_diff_was', previous),
                        ('complaint_plan.msg_plan_diff_now', self)]:
                    text = version.format_value(name) or empty
                    text = text.replace('\n', ' / ')
                    lines.append('  ' + gettext(message, value=text))
            blocks.append('\n'.join(lines))
        header = gettext('complaint_plan.msg_plan_diff_header',
            number=previous.number, changed=len(blocks))
        if not blocks:
            return gettext('complaint_plan.msg_plan_diff_none',
                number=previous.number)
        text = header + '\n\n' + '\n\n'.join(blocks)
        if unchanged:
            text += '\n\n' + gettext('complaint_plan.msg_plan_diff_unchanged',
                elements='; '.join(unchanged))
        return text


class PlanVersionEmployee(EnforcedStatesMixin, ModelSQL):
    "Handling plan version - Investigation team member"
    __name__ = 'complaint.plan.version-company.employee'

    version = fields.Many2One('complaint.plan.version', "Version",
        required=True, readonly=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('version')

    @classmethod
    def create(cls, vlist):
        if user_call():
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, links, values=None, external=False):
        if external:
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        super().check_modification(
            mode, links, values=values, external=external)
