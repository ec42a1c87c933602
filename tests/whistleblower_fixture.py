"""Records shared by the whistleblower access matrix and leak probes.

Everything is created as root and committed, so that each probe runs in a
transaction of its own as a real user with the access checks on, and rolls
back.
"""
import datetime as dt

from trytond.modules.company.tests import create_company
from trytond.modules.whistleblower.tests.tools import set_test_key
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

MODULES = ['whistleblower', 'complaint_plan']
# Distinct from every party name, so that finding it anywhere is a leak
REPORTER_NAME = '举报人李雷（仓库二组）'
REPORTER_CONTACT = '手机 13800138000，仓库二组'
ROLES = [
    'officer', 'excluded_officer', 'leader', 'complaint_handler',
    'employee', 'auditor']
ROLE_GROUPS = {
    'officer': ['whistleblower.group_whistleblower_officer'],
    'excluded_officer': ['whistleblower.group_whistleblower_officer'],
    'leader': ['whistleblower.group_whistleblower_leader'],
    'complaint_handler': ['complaint_plan.group_complaint_handler'],
    'employee': [],
    'auditor': ['whistleblower.group_whistleblower_auditor'],
    }


def setup_database():
    "Activate the modules and build the records; return their ids"
    set_test_key()
    drop_db()
    activate_module(MODULES)
    # The digest secret is created under a lock of the configuration
    with Transaction().start(
            DB_NAME, 0,
            _lock_tables=['whistleblower_configuration']) as transaction:
        ids = _build()
        transaction.commit()
    return ids


def _build():
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Report = pool.get('whistleblower.report')
    Reporter = pool.get('whistleblower.reporter')
    Message = pool.get('whistleblower.message')
    Note = pool.get('whistleblower.note')
    Sanction = pool.get('whistleblower.sanction')
    AccessLog = pool.get('whistleblower.access_log')
    Configuration = pool.get('whistleblower.configuration')

    company = create_company()
    ids = {'company': company.id, 'users': {}, 'employees': {}}
    with Transaction().set_context(company=company.id):
        for role in ROLES + ['reporter']:
            party = Party(name=f'Employee {role}')
            party.save()
            employee = Employee(party=party, company=company)
            employee.save()
            user = User(
                login=role, name=f'User {role}',
                groups=[ModelData.get_id(*g.split('.'))
                    for g in ROLE_GROUPS.get(role, [])],
                companies=[company], company=company,
                employees=[employee], employee=employee)
            user.save()
            ids['users'][role] = user.id
            ids['employees'][role] = employee.id

        officer_employee = Employee(ids['employees']['officer'])
        report = Report(
            company=company, channel='written',
            received_at=dt.datetime.now(), category='equipment',
            description='The press guard is removed on line 4.',
            persons_concerned='Line 4 foreman',
            case_officer=officer_employee,
            excluded_users=[ids['users']['excluded_officer']])
        report.save()
        Reporter.record_identity(
            report, REPORTER_NAME, Employee(ids['employees']['reporter']),
            REPORTER_CONTACT)
        Report.verify([report])
        Report.investigate([report])
        ids['report'] = report.id
        ids['reporter'], = [r.id for r in Reporter.search([])]
        ids['message'], = [m.id for m in Message.create([{
                        'report': report.id, 'direction': 'incoming',
                        'text': 'More photos follow.',
                        }])]
        ids['note'], = [n.id for n in Note.create([{
                        'report': report.id, 'text': 'Visit line 4.',
                        }])]
        ids['sanction'], = [s.id for s in Sanction.create([{
                        'report': report.id, 'person': 'Line 4 foreman',
                        'type': 'warning',
                        }])]
        ids['access_log'], = [a.id for a in AccessLog.record(
                    [report], 'reveal', 'Interview')]
        Configuration.write([Configuration(1)], {'retention_months': 36})
        ids['configuration'] = 1
    return ids
