# This file is part of the complaint_plan module.
"Helpers for the complaint_plan scenarios"
from proteus import Model


def create_user(login, name, group_xml_ids, employee=True, config=None):
    "Create a user of the company in the groups, with an employee"
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    Party = Model.get('party.party', config=config)
    Employee = Model.get('company.employee', config=config)
    ModelData = Model.get('ir.model.data', config=config)
    Company = Model.get('company.company', config=config)

    company, = Company.find([])
    user = User(login=login, name=name)
    for xml_id in group_xml_ids:
        module, fs_id = xml_id.split('.')
        user.groups.append(Group(ModelData.get_id(module, fs_id, {})))
    user.companies.append(company)
    user.company = company
    if employee:
        party = Party(name=name)
        party.save()
        employee = Employee(party=party, company=company)
        employee.save()
        user.employees.append(employee)
        user.employee = employee
    user.save()
    return user
