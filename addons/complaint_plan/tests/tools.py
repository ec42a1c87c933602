# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for the tests of complaint_plan and of the modules split from it"
from proteus import Model
from sql import Table

from trytond.pool import Pool
from trytond.transaction import Transaction


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


def as_before_the_split(module):
    """Give complaint_plan what the module holds and remove the module, as in
    a database from before the module was split out of complaint_plan"""
    cursor = Transaction().connection.cursor()
    for name in ['ir_model_data', 'ir_model', 'ir_model_field',
            'ir_translation', 'ir_ui_view', 'ir_action_report', 'ir_ui_icon']:
        table = Table(name)
        cursor.execute(*table.update([table.module], ['complaint_plan'],
                where=table.module == module))
    ir_module = Table('ir_module')
    dependency = Table('ir_module_dependency')
    cursor.execute(*ir_module.select(ir_module.id,
            where=ir_module.name == module))
    module_id, = cursor.fetchone()
    cursor.execute(*dependency.delete(
            where=dependency.module == module_id))
    cursor.execute(*ir_module.delete(where=ir_module.id == module_id))


def ids_of(module, fs_ids):
    "The database ids of the module's records of the fs_ids, by fs_id"
    ModelData = Pool().get('ir.model.data')
    return {d.fs_id: d.db_id for d in ModelData.search([
                ('module', '=', module), ('fs_id', 'in', fs_ids)])}
