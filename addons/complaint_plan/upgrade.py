# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The update of a database from before a module was split out of
complaint_plan"""
from collections import defaultdict

from lxml import etree
from sql import Literal

from trytond.pool import Pool
from trytond.transaction import Transaction


def take_over_from_complaint_plan(module_name, directory, xml_files, models,
        fields):
    """Give the module what complaint_plan created of it while it was part of
    complaint_plan, so that updating complaint_plan does not delete it and
    the module updates it in place: the records of its XML files in the
    directory, the models and the fields ({model: [field names]}) it adds
    to the models of other modules, with their translations.
    To be called first in the __register__ of the module's classes."""
    cursor = Transaction().connection.cursor()
    pool = Pool()
    model_data = pool.get('ir.model.data').__table__()
    model = pool.get('ir.model').__table__()
    field = pool.get('ir.model.field').__table__()
    translation = pool.get('ir.translation').__table__()
    view = pool.get('ir.ui.view').__table__()
    report = pool.get('ir.action.report').__table__()
    old = 'complaint_plan'
    fs_ids = set()
    for filename in xml_files:
        tree = etree.parse(str(directory / filename))
        fs_ids.update(tree.xpath('//record/@id | //menuitem/@id'))
    cursor.execute(*model_data.select(model_data.model, model_data.db_id,
            where=(model_data.module == old)
            & model_data.fs_id.in_(sorted(fs_ids))))
    records = list(cursor)
    cursor.execute(*model_data.update([model_data.module], [module_name],
            where=(model_data.module == old)
            & model_data.fs_id.in_(sorted(fs_ids))))
    # The records that keep their module in their own table too
    for record_model, table in [
            ('ir.ui.view', view), ('ir.action.report', report)]:
        ids = [i for m, i in records if m == record_model]
        if ids:
            cursor.execute(*table.update([table.module], [module_name],
                    where=(table.module == old) & table.id.in_(ids)))
    cursor.execute(*model.update([model.module], [module_name],
            where=(model.module == old) & model.name.in_(models)))
    moved_fields = Literal(False)
    names = []
    for model_name, field_names in fields.items():
        moved_fields |= ((field.model == model_name)
            & field.name.in_(field_names))
        names += [f'{model_name},{f}' for f in field_names]
    cursor.execute(*field.update([field.module], [module_name],
            where=(field.module == old)
            & (moved_fields | field.model.in_(models))))
    moved_translations = translation.name.in_(names)
    for model_name in models:
        moved_translations |= translation.name.like(f'{model_name},%')
    # One condition per model of the records, not per record: SQLite's
    # parser refuses too deep an expression
    record_ids = defaultdict(list)
    for record_model, db_id in records:
        record_ids[record_model].append(db_id)
    for record_model, ids in record_ids.items():
        moved_translations |= (translation.name.like(f'{record_model},%')
            & translation.res_id.in_(ids))
    cursor.execute(*translation.update([translation.module], [module_name],
            where=(translation.module == old) & moved_translations))
    cursor.execute(*translation.update(
            [translation.overriding_module], [module_name],
            where=(translation.overriding_module == old)
            & moved_translations))
