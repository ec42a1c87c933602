# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from cryptography.fernet import Fernet

from trytond import config


def set_test_key():
    "Configure a fresh Fernet key unless the process already has one"
    if not config.has_section('whistleblower'):
        config.add_section('whistleblower')
    if not config.get('whistleblower', 'key'):
        config.set('whistleblower', 'key', Fernet.generate_key().decode())
    return config.get('whistleblower', 'key')


def create_whistleblowing_users(company, config=None):
    """Create, as the administrator, the users of the scenarios: two case
    officers, a leader, an auditor, an ordinary employee and the employee
    who reports, each with an employee of company"""
    from proteus import Model
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    Party = Model.get('party.party', config=config)
    Employee = Model.get('company.employee', config=config)
    Company = Model.get('company.company', config=config)

    def group(name):
        group, = Group.find([('name', '=', name)])
        return group

    roles = {
        'officer': ('Officer Zhou', ['Whistleblowing Case Officer']),
        'officer2': ('Officer Wu', ['Whistleblowing Case Officer']),
        'leader': ('Leader Wang', ['Whistleblowing Leader']),
        'auditor': ('Auditor Chen', ['Whistleblowing Auditor']),
        'employee': ('Employee Li', []),
        }
    users = {}
    for login, (name, groups) in roles.items():
        party = Party(name=name)
        party.save()
        employee = Employee(party=party, company=company)
        employee.save()
        user = User(login=login, name=name)
        user.groups.extend([group(g) for g in groups])
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        user.employees.append(Employee(employee.id))
        user.employee = Employee(employee.id)
        user.save()
        users[login] = user
    return users
