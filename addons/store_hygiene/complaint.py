# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.modules.complaint_intake.intake_point import IntakePointSheet
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)
from trytond.modules.scheduled_activity.timezone import (
    format_company_datetime)
from trytond.modules.scheduled_activity.working_calendar import add_delay



class Category(metaclass=PoolMeta):
    __name__ = 'complaint.category'

    hygiene_spot_inspection = fields.Boolean(
        "Hygiene Spot Inspection",
        help="A complaint of this category (or of its subcategories) about "
        "a store triggers a spot inspection of the store.")

    def triggers_spot_inspection(self):
        category = self
        while category:
            if category.hygiene_spot_inspection:
                return True
            category = category.parent
        return False


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    hygiene_inspections = fields.One2Many(
        'hygiene.inspection', 'complaint', "Hygiene Inspections",
        readonly=True)

    @classmethod
    def _get_respondent_models(cls):
        return super()._get_respondent_models() + ['hygiene.store']

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('hygiene_inspections', None)
        return super().copy(complaints, default=default)

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'delete':
            return
        if field_names is None or {'category', 'respondent'} & field_names:
            cls._create_spot_inspections(complaints)

    def _spot_inspection_store(self):
        pool = Pool()
        Store = pool.get('hygiene.store')
        if (isinstance(self.respondent, Store)
                and self.category
                and self.category.triggers_spot_inspection()):
            return self.respondent

    @classmethod
    @without_check_access
    def _create_spot_inspections(cls, complaints):
        "Create once the spot inspection of the store complained about"
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Configuration = pool.get('hygiene.configuration')
        configuration = Configuration(1)
        complaints = [c for c in complaints if c._spot_inspection_store()]
        if not complaints:
            return []
        inspected = {i.complaint for i in Inspection.search([
                    ('complaint', 'in', [c.id for c in complaints]),
                    ])}
        checklist = configuration.spot_checklist
        current = clock.now().replace(microsecond=0)
        vlist = []
        for complaint in complaints:
            store = complaint._spot_inspection_store()
            inspector = store.inspector or store.manager
            if complaint in inspected or not checklist or not inspector:
                continue
            vlist.append({
                    'company': store.company.id,
                    'kind': 'spot',
                    'store': store.id,
                    'checklist': checklist.id,
                    'inspector': inspector.id,
                    'planned_at': current,
                    'due_at': add_delay(store.company, current,
                        configuration.spot_inspection_delay,
                        configuration.spot_inspection_delay_unit),
                    'complaint': complaint.id,
                    'note': gettext(
                        'store_hygiene.msg_spot_inspection_note',
                        complaint=complaint.rec_name),
                    'lines': [('create', [{
                                    'item': i.id,
                                    'sequence': i.sequence,
                                    'weight': i.weight,
                                    'critical': i.critical,
                                    'photo_required': i.photo_required,
                                    } for i in checklist.items if i.active])],
                    })
        inspections = Inspection.create_planned(vlist)
        for inspection in inspections:
            notify([inspection], users_of_employees([inspection.inspector]),
                'tryton-notification',
                'store_hygiene.msg_spot_inspection_label',
                'store_hygiene.msg_spot_inspection_description',
                variables=lambda: {
                    'store': inspection.store.rec_name,
                    'complaint': inspection.complaint.rec_name,
                    'due': format_company_datetime(
                        inspection.company, inspection.due_at),
                    })
        return inspections


class Inspection(metaclass=PoolMeta):
    __name__ = 'hygiene.inspection'

    complaint = fields.Many2One(
        'complaint.complaint', "Complaint", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('complaint'),
            },
        help="The complaint that triggered this spot inspection.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.complaint, Index.Equality())))

    @classmethod
    def copy(cls, inspections, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('complaint', None)
        return super().copy(inspections, default=default)


class Store(metaclass=PoolMeta):
    __name__ = 'hygiene.store'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'complaint_qr_code': {
                    'icon': 'tryton-public',
                    },
                })

    @classmethod
    @without_check_access
    def complaint_intake_points(cls, stores):
        """Return the active intake points of the stores, in the order of the
        stores, creating one for each store that has none"""
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        points = IntakePoint.search([
                ('respondent', 'in', [str(s) for s in stores]),
                ], order=[('id', 'ASC')])
        with_point = {p.respondent for p in points}
        points += IntakePoint.create([{
                    'company': s.company.id,
                    'name': s.name,
                    'respondent': str(s),
                    } for s in stores if s not in with_point])
        position = {s.id: i for i, s in enumerate(stores)}
        return sorted(points, key=lambda p: position[p.respondent.id])

    @classmethod
    @ModelView.button_action(
        'store_hygiene.act_store_complaint_intake_point')
    def complaint_qr_code(cls, stores):
        points = cls.complaint_intake_points(stores)
        return {'res_id': [p.id for p in points]}

    @classmethod
    def on_modification(cls, mode, stores, field_names=None):
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        super().on_modification(mode, stores, field_names=field_names)
        if mode == 'delete':
            # A point must not outlive its store; one that received
            # complaints keeps the store from being deleted.
            with Transaction().set_context(active_test=False):
                IntakePoint.delete(IntakePoint.search([
                            ('respondent', 'in', [str(s) for s in stores]),
                            ]))


class StoreComplaintSheet(IntakePointSheet):
    __name__ = 'hygiene.store.complaint_sheet'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Printing creates the intake point of a store that has none
        cls.__rpc__['execute'] = RPC(readonly=False)

    @classmethod
    def _get_records(cls, ids, model, data):
        pool = Pool()
        Store = pool.get('hygiene.store')
        points = Store.complaint_intake_points(Store.browse(ids))
        return super()._get_records(
            [p.id for p in points], 'complaint.intake.point', data)
