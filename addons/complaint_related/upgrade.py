# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The update of a database from before complaint_related was split out of
complaint_plan"""
from pathlib import Path

from lxml import etree
from sql import Literal

from trytond.pool import Pool
from trytond.transaction import Transaction

# Until 8.0.0 the detection was part of complaint_plan: a database of then
# holds its records, models and translations under that module
MOVED_MODELS = ['complaint.term', 'complaint.related',
    'complaint.related.answer', 'complaint.same_incident']
MOVED_FIELDS = {
    'complaint.complaint': [
        'related_complaints', 'related_count', 'same_incident'],
    'complaint.configuration': ['related_closed_days'],
    }
MOVED_XML = ['related.xml', 'message.xml']


def take_over_from_complaint_plan(module_name):
    """Give this module what complaint_plan created of it, so that updating
    complaint_plan does not delete it and this module updates it in place"""
    cursor = Transaction().connection.cursor()
    pool = Pool()
    model_data = pool.get('ir.model.data').__table__()
    model = pool.get('ir.model').__table__()
    field = pool.get('ir.model.field').__table__()
    translation = pool.get('ir.translation').__table__()
    view = pool.get('ir.ui.view').__table__()
    old = 'complaint_plan'
    fs_ids = set()
    for filename in MOVED_XML:
        tree = etree.parse(str(Path(__file__).with_name(filename)))
        fs_ids.update(tree.xpath('//record/@id'))
    cursor.execute(*model_data.select(model_data.model, model_data.db_id,
            where=(model_data.module == old)
            & model_data.fs_id.in_(sorted(fs_ids))))
    records = list(cursor)
    cursor.execute(*model_data.update([model_data.module], [module_name],
            where=(model_data.module == old)
            & model_data.fs_id.in_(sorted(fs_ids))))
    view_ids = [i for m, i in records if m == 'ir.ui.view']
    if view_ids:
        cursor.execute(*view.update([view.module], [module_name],
                where=(view.module == old) & view.id.in_(view_ids)))
    cursor.execute(*model.update([model.module], [module_name],
            where=(model.module == old) & model.name.in_(MOVED_MODELS)))
    moved_fields = Literal(False)
    names = []
    for model_name, field_names in MOVED_FIELDS.items():
        moved_fields |= ((field.model == model_name)
            & field.name.in_(field_names))
        names += [f'{model_name},{f}' for f in field_names]
    cursor.execute(*field.update([field.module], [module_name],
            where=(field.module == old)
            & (moved_fields | field.model.in_(MOVED_MODELS))))
    moved_translations = translation.name.in_(names)
    for model_name in MOVED_MODELS:
        moved_translations |= translation.name.like(f'{model_name},%')
    for record_model, db_id in records:
        moved_translations |= (translation.name.like(f'{record_model},%')
            & (translation.res_id == db_id))
    cursor.execute(*translation.update([translation.module], [module_name],
            where=(translation.module == old) & moved_translations))
    cursor.execute(*translation.update(
            [translation.overriding_module], [module_name],
            where=(translation.overriding_module == old)
            & moved_translations))
