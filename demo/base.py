"""Company, currency and user helpers shared by the modules' demo data."""
from decimal import Decimal

from proteus import Model, Wizard

DEMO_PASSWORD = 'demo-2026!'
COMPANY_NAME = '华联商贸有限公司'


def create_demo_company(config):
    Currency = Model.get('currency.currency', config=config)
    Party = Model.get('party.party', config=config)
    User = Model.get('res.user', config=config)

    currency = Currency(
        name='人民币', code='CNY', symbol='¥', rounding=Decimal('0.01'))
    currency.save()
    company_config = Wizard('company.company.config', config=config)
    company_config.execute('company')
    party = Party(name=COMPANY_NAME)
    party.save()
    company_config.form.party = party
    company_config.form.currency = currency
    company_config.form.timezone = 'Asia/Shanghai'
    company_config.execute('add')
    config._context = User.get_preferences(True, {})
    return get_demo_company(config)


def get_demo_company(config=None):
    Company = Model.get('company.company', config=config)
    company, = Company.find([])
    return company


def make_user(login, name, group_xml_ids, employee_name=None, lang='zh_CN',
        config=None):
    """Create a user in the given groups, linked to a new employee when
    employee_name is given; return (user, employee)."""
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    ModelData = Model.get('ir.model.data', config=config)
    Lang = Model.get('ir.lang', config=config)
    Party = Model.get('party.party', config=config)
    Employee = Model.get('company.employee', config=config)

    company = get_demo_company(config)
    user = User(login=login, name=name, password=DEMO_PASSWORD)
    user.language, = Lang.find([('code', '=', lang)])
    for xml_id in group_xml_ids:
        module, fs_id = xml_id.split('.')
        user.groups.append(
            Group(ModelData.get_id(module, fs_id, config.context)))
    user.companies.append(company)
    user.company = company
    employee = None
    if employee_name:
        party = Party(name=employee_name)
        party.save()
        employee = Employee(party=party, company=company)
        employee.save()
        user.employees.append(employee)
        user.employee = employee
    user.save()
    return user, employee
