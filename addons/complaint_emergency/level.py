# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Level(metaclass=PoolMeta):
    __name__ = 'complaint.level'

    activates_emergency_plan = fields.Boolean("Activates Emergency Plan",
        help="A complaint of this level activates the emergency plan.")

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        data = ModelData.__table__()
        exists = cls.__table_handler__(module).column_exist(
            'activates_emergency_plan')
        super().__register__(module)
        if not exists:
            # The seed's 一级 activates the emergency plans; set here rather
            # than as data, as that would overwrite the value of a database
            # from before the split when it activates the module
            cursor.execute(*table.update(
                    [table.activates_emergency_plan], [True],
                    where=table.id.in_(data.select(data.db_id,
                            where=(data.module == 'complaint_plan')
                            & (data.model == cls.__name__)
                            & (data.fs_id == 'level_1')))))
