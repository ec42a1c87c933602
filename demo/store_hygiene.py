"""Demo data of store_hygiene: stores, a schedule, a week of inspections,
health certificates and pre-shift checks (Chinese)."""
import datetime as dt
from unittest.mock import patch

from proteus import Model

from trytond.modules.scheduled_activity import clock
from trytond.tools import timezone as tz

from demo.base import get_demo_company, make_user

STORES = [
    # code, name, dusty region, address
    ('CS-01', '五一广场店', False, '长沙市芙蓉区五一大道 88 号'),
    ('CS-02', '河西万达店', True, '长沙市岳麓区金星中路 168 号'),
    ('CS-03', '梅溪湖店', False, '长沙市岳麓区梅溪湖路 36 号'),
    ]

# Results of the past days: item xml id -> failure note; the other items pass
FAILURES = {
    6: {'premises_floor': '店内地板有明显脚印。'},
    5: {'sample_products_clean': '样板商品表面有灰尘。'},
    4: {},
    3: {'staff_nails': '一名店员指甲内有污物，已要求立即清洁。',
        'shelves_tidy': '货架商品摆放不整齐。'},
    2: {'premises_tables': '洽谈桌未及时收拾。'},
    1: {},
    }


def load(config):
    Employee = Model.get('company.employee')
    Party = Model.get('party.party')
    Store = Model.get('hygiene.store')
    Checklist = Model.get('hygiene.checklist')
    Schedule = Model.get('hygiene.schedule')
    Certificate = Model.get('hygiene.health_certificate')
    Check = Model.get('hygiene.preshift_check')
    Module = Model.get('ir.module')

    company = get_demo_company(config)
    _, inspector = make_user(
        'inspector', '孙丽', ['store_hygiene.group_hygiene_inspector'],
        employee_name='孙丽', config=config)
    _, manager = make_user(
        'storemanager', '郑强', ['store_hygiene.group_hygiene_store_manager'],
        employee_name='郑强', config=config)

    def employee(name):
        party = Party(name=name)
        party.save()
        record = Employee(party=party, company=company)
        record.save()
        return record

    staff = {name: employee(name) for name in [
            '王芳', '李强', '吴婷', '陈刚', '刘燕']}
    stores = []
    for code, name, dusty, address in STORES:
        store = Store(
            code=code, name=name, dusty_region=dusty, address=address,
            inspector=Employee(inspector.id))
        stores.append(store)
    wuyi, hexi, meixi = stores
    wuyi.manager = Employee(manager.id)
    wuyi.staff.extend([Employee(manager.id), Employee(staff['王芳'].id),
            Employee(staff['李强'].id)])
    hexi.manager = Employee(manager.id)
    hexi.staff.extend([Employee(staff['吴婷'].id), Employee(staff['陈刚'].id)])
    meixi.manager = Employee(staff['刘燕'].id)
    meixi.staff.append(Employee(staff['刘燕'].id))
    Store.save(stores)

    checklist, = Checklist.find([])
    # The company's day, which the Today tabs list
    today = dt.datetime.now(tz.get_tzinfo(company.timezone)).date()
    schedule = Schedule(
        name='每日卫生检查', checklist=checklist, recurrence='daily',
        times_of_day='09:00', dusty_times_of_day='09:00 15:00',
        assignee='inspector', inspector=Employee(inspector.id),
        start_date=today - dt.timedelta(days=6))
    schedule.stores.extend([Store(s.id) for s in stores])
    schedule.save()
    weekly = Schedule(
        name='每周店面深度检查', checklist=checklist, recurrence='custom',
        rrule='FREQ=WEEKLY;BYDAY=MO', times_of_day='10:00',
        assignee='store_manager', inspector=Employee(inspector.id),
        start_date=today - dt.timedelta(days=6))
    weekly.stores.append(Store(wuyi.id))
    weekly.save()

    _inspection_history(config, today, stores)

    certificates = []
    for person, issued_days_ago in [
            (manager, 100), (staff['王芳'], 350), (staff['李强'], 380),
            (staff['吴婷'], 200), (staff['陈刚'], 20), (staff['刘燕'], 60)]:
        issued_on = today - dt.timedelta(days=issued_days_ago)
        certificates.append(Certificate(
                employee=Employee(person.id),
                number=f'湘健证{issued_on:%Y}-{person.id:05d}',
                issued_on=issued_on,
                expires_on=issued_on.replace(year=issued_on.year + 1)))
    Certificate.save(certificates)

    checks = []
    for store, person, fever, wound in [
            (wuyi, manager, False, False), (wuyi, staff['王芳'], False, False),
            (wuyi, staff['李强'], False, True),
            (hexi, staff['吴婷'], False, False),
            (hexi, staff['陈刚'], True, False)]:
        checks.append(Check(
                store=Store(store.id), employee=Employee(person.id),
                date=today, checked_by=Employee(manager.id), fever=fever,
                skin_wound=wound, fit_for_duty=not (fever or wound),
                note='手部有伤口，已安排后仓工作。' if wound else (
                    '体温 38.2℃，已安排回家休息。' if fever else None)))
    Check.save(checks)

    Cron = Model.get('ir.cron')
    for method in ['hygiene.health_certificate|send_expiry_reminders']:
        cron, = Cron.find([('method', '=', method)])
        cron.click('run_once')

    if Module.find([('name', '=', 'complaint_plan'),
                ('state', '=', 'activated')]):
        _complaint(config, hexi)
    if Module.find([('name', '=', 'complaint_intake'),
                ('state', '=', 'activated')]):
        # Each store's complaint QR code, ready to print
        Store.click(stores, 'complaint_qr_code')


def _inspection_history(config, today, stores):
    """Generate the inspections of the past days and of today, complete the
    past ones with photos and leave one missed"""
    Cron = Model.get('ir.cron')
    Attachment = Model.get('ir.attachment')
    ModelData = Model.get('ir.model.data')
    codes = {ModelData.get_id('store_hygiene', 'item_' + code, config.context):
        code for failures in FAILURES.values() for code in failures}
    for day in sorted(FAILURES, reverse=True) + [0]:
        date = today - dt.timedelta(days=day)
        start = dt.datetime.combine(date, dt.time(0, 0))
        with patch.object(clock, 'now', return_value=start):
            cron, = Cron.find([
                    ('method', '=', 'hygiene.schedule|generate_inspections')])
            cron.click('run_once')
        if not day:
            continue
        noon = dt.datetime.combine(date, dt.time(12, 0))
        with patch.object(clock, 'now', return_value=noon):
            Inspection = Model.get('hygiene.inspection')
            inspections = Inspection.find([
                    ('planned_date', '=', date),
                    ('state', '=', 'planned'),
                    ])
            for inspection in inspections:
                if day == 4 and inspection.store.code == 'CS-03':
                    continue
                for line in inspection.lines:
                    note = (FAILURES[day].get(codes.get(line.item.id))
                        if inspection.store.code != 'CS-03' else None)
                    line.result = 'fail' if note else 'pass'
                    line.note = note
                inspection.save()
                for line in inspection.lines:
                    if line.photo_required:
                        Attachment(
                            resource=line, name='现场照片.png',
                            data=_PHOTO).save()
                inspection.click('complete')
    # CS-03 was not inspected four days ago
    midnight = dt.datetime.combine(today, dt.time(0, 0))
    with patch.object(clock, 'now', return_value=midnight):
        cron, = Cron.find([('method', '=', 'hygiene.inspection|mark_missed')])
        cron.click('run_once')


def _complaint(config, store):
    "A hygiene complaint about a store triggers a spot inspection"
    Complaint = Model.get('complaint.complaint')
    Store = Model.get('hygiene.store')
    Category = Model.get('complaint.category')
    ModelData = Model.get('ir.model.data')
    category = Category(ModelData.get_id(
            'complaint_plan', 'category_hygiene', config.context))
    complaint = Complaint(
        channel='phone', complainant_name='周女士',
        complainant_phone='13511112222', subject='样板商品积灰',
        description='河西万达店的样板商品和货架上积了厚厚一层灰。',
        category=category, respondent=Store(store.id))
    complaint.save()


# A 1×1 PNG: the demo photos only need to exist
_PHOTO = bytes.fromhex(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000'
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2d3'
    'c8a80000000049454e44ae426082')
